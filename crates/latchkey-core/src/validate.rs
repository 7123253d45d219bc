//! Validation of user input. Every error names the field and says how to fix it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::{Declaration, FieldKind};
use crate::ipc_type;
use crate::secret_ref::SecretRef;

ipc_type! {
/// One field's problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's key (`name`, `host`, `port`…).
    pub field: String,
    pub message: String,
}
}

/// All problems found in one submission.
pub type FieldErrors = Vec<FieldError>;

fn err(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors.push(FieldError {
        field: field.into(),
        message: message.into(),
    });
}

/// Longest name accepted for a project or connection.
pub const MAX_NAME_LEN: usize = 100;

/// Checks a project or connection name and returns it trimmed.
pub fn name(errors: &mut FieldErrors, field: &str, what: &str, value: &str) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        err(errors, field, format!("Enter a name for the {what}."));
    } else if trimmed.chars().count() > MAX_NAME_LEN {
        err(
            errors,
            field,
            format!("The name is too long: use at most {MAX_NAME_LEN} characters."),
        );
    } else if trimmed.chars().any(char::is_control) {
        err(
            errors,
            field,
            "The name contains a control character (such as a tab or line break): remove it.",
        );
    }
    trimmed.to_owned()
}

/// How a field was supplied, as far as validation cares.
#[derive(Clone, Copy, Debug)]
pub enum Supplied<'a> {
    Plain(&'a str),
    /// A literal credential (typed now, or kept from before).
    Literal,
    /// A secret reference in its text syntax.
    Reference(&'a str),
}

/// How each field of a submission was supplied (empty plain values count as absent).
pub fn supplied(
    fields: &BTreeMap<String, crate::model::FieldInput>,
) -> BTreeMap<String, Supplied<'_>> {
    use crate::model::FieldInput;
    fields
        .iter()
        .filter_map(|(k, v)| {
            let s = match v {
                FieldInput::Plain { value } if value.trim().is_empty() => return None,
                FieldInput::Plain { value } => Supplied::Plain(value),
                FieldInput::Literal { .. } | FieldInput::KeepLiteral => Supplied::Literal,
                FieldInput::Secret { reference } => Supplied::Reference(reference),
            };
            Some((k.clone(), s))
        })
        .collect()
}

/// Checks every field of a submission against its declaration (a connection type's or
/// a secrets-manager kind's).
pub fn fields(
    errors: &mut FieldErrors,
    spec: &dyn Declaration,
    supplied: &BTreeMap<String, Supplied<'_>>,
) {
    for key in supplied.keys() {
        if spec.field(key).is_none() {
            err(
                errors,
                key,
                // Shown short and escaped: the key may be anything a caller sent.
                format!(
                    "{} has no field {:?}.",
                    spec.label(),
                    key.chars().take(40).collect::<String>()
                ),
            );
        }
    }
    let value_of = |key: &str| match supplied.get(key) {
        Some(Supplied::Plain(v)) => Some((*v).to_owned()),
        _ => None,
    };
    for f in spec.fields() {
        // A field that does not apply (its condition on another field is not met) is
        // neither required nor checked; the engine does not save it.
        if !spec.applies(f, &value_of) {
            continue;
        }
        let value = supplied.get(&f.key).copied();
        let label = &f.label;
        let mut f = f.clone();
        f.required = spec.is_required(&f, &value_of);
        let f = &f;
        match (f.kind, value) {
            (FieldKind::Secret, None) if f.required => err(
                errors,
                &f.key,
                format!("{label} is required: type it in (it is kept in the OS keychain only)."),
            ),
            (FieldKind::Secret, None | Some(Supplied::Literal)) => {}
            (FieldKind::Secret, Some(Supplied::Plain(_) | Supplied::Reference(_))) => err(
                errors,
                &f.key,
                format!(
                    "{label} is a secret Latchkey needs to reach the manager: type it in (it is kept in the OS keychain only, never taken from another secret)."
                ),
            ),
            (FieldKind::Credential, None) if f.required => err(
                errors,
                &f.key,
                format!("{label} is required: type it in, or use a secret."),
            ),
            (FieldKind::Credential, None | Some(Supplied::Literal)) => {}
            (FieldKind::Credential, Some(Supplied::Plain(_))) => err(
                errors,
                &f.key,
                format!(
                    "{label} is a credential: it must be stored in the keychain or taken from a secret."
                ),
            ),
            (FieldKind::Credential, Some(Supplied::Reference(text))) => {
                if let Err(e) = SecretRef::parse(text) {
                    err(errors, &f.key, format!("{label}: {e}."))
                }
            }
            (_, Some(Supplied::Literal | Supplied::Reference(_))) => err(
                errors,
                &f.key,
                format!("{label} is a plain setting, not a credential: type its value."),
            ),
            (_, None) => {
                if f.required {
                    err(errors, &f.key, format!("{label} is required."))
                }
            }
            (kind, Some(Supplied::Plain(raw))) => {
                plain(errors, f.key.as_str(), label, kind, f, raw)
            }
        }
    }
}

fn plain(
    errors: &mut FieldErrors,
    key: &str,
    label: &str,
    kind: FieldKind,
    f: &crate::FieldSpec,
    raw: &str,
) {
    let v = raw.trim();
    if v.is_empty() {
        if f.required {
            err(errors, key, format!("{label} is required."));
        }
        return;
    }
    if v.chars().any(char::is_control) {
        err(
            errors,
            key,
            format!("{label} contains a control character (a tab or line break): remove it."),
        );
        return;
    }
    match kind {
        FieldKind::Url => {
            let rest = v
                .strip_prefix("https://")
                .or_else(|| v.strip_prefix("http://"));
            match rest {
                None => err(
                    errors,
                    key,
                    format!(
                        "{label} must start with https:// (or http://), such as https://api.example.com."
                    ),
                ),
                Some(rest) if rest.is_empty() || rest.starts_with('/') => err(
                    errors,
                    key,
                    format!(
                        "{label} has no host name after the scheme: use a URL such as https://api.example.com."
                    ),
                ),
                Some(rest)
                    if rest
                        .split(['/', '?', '#'])
                        .next()
                        .is_some_and(|authority| authority.contains('@')) =>
                {
                    err(
                        errors,
                        key,
                        format!(
                            "{label} must not contain a user name or password (user:password@…): put credentials in their own fields, where they are kept as secrets."
                        ),
                    )
                }
                Some(_) if v.chars().any(char::is_whitespace) => err(
                    errors,
                    key,
                    format!("{label} must not contain spaces (encode them as %20)."),
                ),
                Some(_) if v.len() > 2048 => err(
                    errors,
                    key,
                    format!("{label} is too long: use at most 2048 characters."),
                ),
                Some(_) => {}
            }
        }
        FieldKind::Path => {
            if v.len() > 4096 {
                err(
                    errors,
                    key,
                    format!("{label} is too long: use at most 4096 characters."),
                );
            }
        }
        FieldKind::Text | FieldKind::Credential | FieldKind::Secret => {
            if v.len() > 255 {
                err(
                    errors,
                    key,
                    format!("{label} is too long: use at most 255 characters."),
                );
            }
        }
        FieldKind::Host => {
            if v.chars().any(char::is_whitespace) {
                err(
                    errors,
                    key,
                    format!(
                        "{label} must not contain spaces: enter a hostname such as db.example.com or an IP address."
                    ),
                );
            } else if v.len() > 253
                || !v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-_:[]%".contains(c))
            {
                err(
                    errors,
                    key,
                    format!(
                        "{label} `{v}` is not a hostname or IP address: use letters, digits, dots and hyphens (or an IPv6 address)."
                    ),
                );
            }
        }
        FieldKind::Port => match v.parse::<u32>() {
            Ok(p) if (1..=65535).contains(&p) => {}
            Ok(_) => err(errors, key, format!("{label} must be between 1 and 65535.")),
            Err(_) => err(
                errors,
                key,
                format!("{label} must be a whole number between 1 and 65535."),
            ),
        },
        FieldKind::Choice => {
            if !f.choices.iter().any(|c| c.value == v) {
                let allowed: Vec<&str> = f.choices.iter().map(|c| c.value.as_str()).collect();
                err(
                    errors,
                    key,
                    format!("{label} must be one of: {}.", allowed.join(", ")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{ConnectionKind, FieldKind::*, FieldSpec, TypeSpec};

    /// A PostgreSQL-like type (the real declarations live in latchkey-connectors).
    fn spec() -> TypeSpec {
        TypeSpec {
            kind: ConnectionKind::Postgres,
            label: "PostgreSQL".into(),
            description: String::new(),
            group: "Databases".into(),
            fields: vec![
                FieldSpec::new("host", "Host", Host, true),
                FieldSpec::new("port", "Port", Port, true).default("5432"),
                FieldSpec::new("database", "Database", Text, true),
                FieldSpec::new("user", "User", Text, true),
                FieldSpec::new("password", "Password", Credential, true),
                FieldSpec::new("sslmode", "SSL mode", Choice, true)
                    .default("prefer")
                    .choices(&[
                        ("disable", "disable"),
                        ("prefer", "prefer"),
                        ("verify-full", "verify-full"),
                    ]),
                FieldSpec::new("ca_file", "CA certificate", Path, true)
                    .when("sslmode", &["verify-full"]),
                FieldSpec::new("url", "URL", Url, false),
            ],
        }
    }

    fn check(pairs: &[(&str, Supplied<'_>)]) -> FieldErrors {
        let spec = spec();
        let map = pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let mut errors = Vec::new();
        fields(&mut errors, &spec, &map);
        errors
    }

    fn good() -> Vec<(&'static str, Supplied<'static>)> {
        vec![
            ("host", Supplied::Plain("db.example.com")),
            ("port", Supplied::Plain("5432")),
            ("database", Supplied::Plain("app")),
            ("user", Supplied::Plain("app")),
            ("password", Supplied::Literal),
            ("sslmode", Supplied::Plain("prefer")),
        ]
    }

    fn with(key: &str, value: Supplied<'static>) -> FieldErrors {
        let mut pairs = good();
        pairs.iter_mut().find(|(k, _)| *k == key).unwrap().1 = value;
        check(&pairs)
    }

    fn only_field(errors: &FieldErrors) -> &str {
        assert_eq!(errors.len(), 1, "{errors:?}");
        &errors[0].field
    }

    #[test]
    fn a_complete_postgres_connection_passes() {
        assert!(check(&good()).is_empty());
        assert!(
            with(
                "password",
                Supplied::Reference("secret://aws/prod/db#password")
            )
            .is_empty()
        );
        assert!(with("host", Supplied::Plain("::1")).is_empty());
    }

    #[test]
    fn port_out_of_range_names_the_port() {
        for bad in ["0", "65536", "-1", "abc", "54 32"] {
            let e = with("port", Supplied::Plain(bad));
            assert_eq!(only_field(&e), "port", "{bad}");
            assert!(e[0].message.contains("65535"), "{}", e[0].message);
        }
        assert!(with("port", Supplied::Plain("65535")).is_empty());
    }

    #[test]
    fn host_with_spaces_is_refused() {
        let e = with("host", Supplied::Plain("db example.com"));
        assert_eq!(only_field(&e), "host");
        assert!(e[0].message.contains("spaces"));
        assert_eq!(only_field(&with("host", Supplied::Plain("db$x"))), "host");
    }

    #[test]
    fn missing_required_fields_are_each_named() {
        let e = check(&[]);
        let names: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            names,
            ["host", "port", "database", "user", "password", "sslmode"]
        );
        assert_eq!(
            only_field(&with("database", Supplied::Plain("   "))),
            "database"
        );
    }

    #[test]
    fn credentials_cannot_be_plain_and_plain_fields_cannot_be_credentials() {
        assert_eq!(
            only_field(&with("password", Supplied::Plain("hunter2"))),
            "password"
        );
        assert_eq!(only_field(&with("user", Supplied::Literal)), "user");
        let e = with("password", Supplied::Reference("aws/db"));
        assert_eq!(only_field(&e), "password");
        assert!(e[0].message.contains("secret://"));
    }

    #[test]
    fn choice_and_unknown_field() {
        let e = with("sslmode", Supplied::Plain("sometimes"));
        assert!(e[0].message.contains("verify-full"));
        let mut pairs = good();
        pairs.push(("colour", Supplied::Plain("red")));
        assert_eq!(only_field(&check(&pairs)), "colour");
    }

    #[test]
    fn a_conditional_field_is_required_only_while_it_applies() {
        // sslmode defaults to prefer: ca_file does not apply, so it is not required.
        assert!(check(&good()).is_empty());
        let e = with("sslmode", Supplied::Plain("verify-full"));
        assert_eq!(only_field(&e), "ca_file");
        let mut pairs = good();
        pairs.retain(|(k, _)| *k != "sslmode");
        // Missing sslmode: required error, and ca_file follows sslmode's default.
        assert_eq!(only_field(&check(&pairs)), "sslmode");
    }

    #[test]
    fn urls_need_a_scheme_and_a_host() {
        for bad in [
            "api.example.com",
            "https://",
            "ftp://x",
            "https://a b",
            "https://u:p@api.example.com",
        ] {
            assert_eq!(only_field(&with_extra("url", bad)), "url", "{bad}");
        }
        assert!(with_extra("url", "https://api.example.com/v1").is_empty());
    }

    fn with_extra(key: &'static str, value: &'static str) -> FieldErrors {
        let mut pairs = good();
        pairs.push((key, Supplied::Plain(value)));
        check(&pairs)
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        let mut e = Vec::new();
        assert_eq!(name(&mut e, "name", "project", "  Finance "), "Finance");
        assert!(e.is_empty());
        name(&mut e, "name", "project", "   ");
        name(&mut e, "name", "project", &"x".repeat(101));
        name(&mut e, "name", "project", "a\tb");
        assert_eq!(e.len(), 3);
        assert!(e[0].message.contains("Enter a name for the project"));
    }
}
