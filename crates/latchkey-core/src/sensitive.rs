//! Secret values.
//!
//! A [`SecretValue`] is a [`secrecy::SecretString`]: its `Debug` prints
//! `[REDACTED]`, it implements neither `Display` nor `Serialize`, and its memory is
//! zeroized when it is dropped. It can be *deserialized* (a password typed into a form
//! arrives over IPC), but nothing can serialize it back out. Reading the value needs an
//! explicit [`ExposeSecret::expose_secret`] call, which is easy to find in review.

pub use secrecy::ExposeSecret;

/// A secret value (a password, token, API key…).
pub type SecretValue = secrecy::SecretString;

/// Wraps a plain string as a [`SecretValue`].
pub fn secret(value: impl Into<String>) -> SecretValue {
    SecretValue::from(value.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    static_assertions::assert_not_impl_any!(SecretValue: serde::Serialize, std::fmt::Display);

    #[test]
    fn debug_output_redacts_the_value() {
        let s = secret("canary-7f3a");
        let shown = format!("{s:?}");
        assert!(!shown.contains("canary-7f3a"), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
        assert_eq!(s.expose_secret(), "canary-7f3a");
    }

    #[test]
    fn deserializes_from_a_json_string() {
        let s: SecretValue = serde_json::from_str("\"hunter2\"").unwrap();
        assert_eq!(s.expose_secret(), "hunter2");
    }
}
