//! JSON secrets: pick one key's value, or list the keys, without letting values out
//! in errors.

use latchkey_core::{ExposeSecret, SecretValue};

use crate::ProviderError;

/// The top-level keys of a JSON object value, sorted; empty when the value is not one.
pub(crate) fn object_keys(value: &SecretValue) -> Vec<String> {
    match serde_json::from_str::<serde_json::Value>(value.expose_secret()) {
        Ok(serde_json::Value::Object(map)) => {
            let mut keys: Vec<String> = map.keys().cloned().collect();
            keys.sort();
            keys
        }
        _ => Vec::new(),
    }
}

/// Returns the value of `key` in the JSON object `value`. A string is returned as is;
/// numbers and booleans as their JSON text; objects and arrays as compact JSON.
pub fn select_json_key(
    secret: &str,
    value: &SecretValue,
    key: &str,
) -> Result<SecretValue, ProviderError> {
    let parsed: serde_json::Value =
        serde_json::from_str(value.expose_secret()).map_err(|_| ProviderError::NotJson {
            secret: secret.to_owned(),
            key: key.to_owned(),
        })?;
    let serde_json::Value::Object(map) = parsed else {
        return Err(ProviderError::NotJson {
            secret: secret.to_owned(),
            key: key.to_owned(),
        });
    };
    match map.get(key) {
        Some(serde_json::Value::String(s)) => Ok(SecretValue::from(s.clone())),
        Some(serde_json::Value::Null) | None => {
            let mut available: Vec<String> = map.keys().cloned().collect();
            available.sort();
            Err(ProviderError::JsonKeyMissing {
                secret: secret.to_owned(),
                key: key.to_owned(),
                available,
            })
        }
        Some(other) => Ok(SecretValue::from(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> SecretValue {
        SecretValue::from(s.to_owned())
    }

    #[test]
    fn picks_a_key_and_lists_keys() {
        let value = v(r#"{"username":"app","password":"canary-json-1","port":5432}"#);
        assert_eq!(
            select_json_key("db", &value, "password")
                .unwrap()
                .expose_secret(),
            "canary-json-1"
        );
        assert_eq!(
            select_json_key("db", &value, "port")
                .unwrap()
                .expose_secret(),
            "5432"
        );
        assert_eq!(object_keys(&value), ["password", "port", "username"]);
    }

    #[test]
    fn a_missing_key_lists_the_keys_never_the_values() {
        let value = v(r#"{"username":"app","password":"canary-json-2"}"#);
        let e = select_json_key("prod/db", &value, "pasword").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("pasword") && text.contains("password, username"),
            "{text}"
        );
        assert!(!text.contains("canary-json-2"), "{text}");
    }

    #[test]
    fn a_value_that_is_not_json_is_refused_without_showing_it() {
        for raw in ["canary-plain-3", "[1,2]", "\"str\""] {
            let e = select_json_key("prod/token", &v(raw), "password").unwrap_err();
            assert!(matches!(e, ProviderError::NotJson { .. }), "{raw}");
            assert!(!e.to_string().contains("canary"), "{e}");
        }
        assert!(object_keys(&v("canary-plain-3")).is_empty());
    }
}
