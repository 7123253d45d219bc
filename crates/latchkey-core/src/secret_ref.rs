//! Secret references and their text syntax.
//!
//! A connection field can point at one value in a secrets manager instead of holding a
//! literal. In text, a reference reads:
//!
//! ```text
//! secret://ALIAS/PATH[?version=ID | ?stage=STAGE][#KEY]
//! ```
//!
//! - `ALIAS` — the alias of a configured secrets manager: 1–64 characters from
//!   `A-Z a-z 0-9 _ . -`, starting with a letter or digit.
//! - `PATH` — the secret's path, name or ARN, as the secrets manager spells it. `/`
//!   is literal (a name `/prod/db` gives `secret://aws//prod/db`).
//! - `?version=ID` — a version ID (AWS VersionId, Vault KV v2 version number, Azure
//!   version). `?stage=STAGE` — an AWS staging label such as `AWSCURRENT` or
//!   `AWSPREVIOUS`. At most one of the two; without either, the current value is meant.
//! - `#KEY` — the key to read when the secret's value is a JSON object.
//!
//! In `PATH`, `ID`, `STAGE` and `KEY` the characters `%`, `?`, `#`, `&`, whitespace and
//! control characters are written percent-encoded as UTF-8 bytes (`%25`, `%3F`, `%23`,
//! `%26`, `%20`, …); every other character, including non-ASCII, is written as is.
//! [`SecretRef::to_string`] always produces that canonical form, and
//! `parse(format(r)) == r` for every valid reference (property-tested).
//!
//! Examples:
//!
//! ```
//! use latchkey_core::{SecretRef, SecretVersion};
//! let r: SecretRef = "secret://aws-prod/prod/billing/db?stage=AWSPREVIOUS#password".parse().unwrap();
//! assert_eq!(r.provider, "aws-prod");
//! assert_eq!(r.path, "prod/billing/db");
//! assert_eq!(r.version, Some(SecretVersion::Stage("AWSPREVIOUS".into())));
//! assert_eq!(r.json_key.as_deref(), Some("password"));
//! assert_eq!(r.to_string(), "secret://aws-prod/prod/billing/db?stage=AWSPREVIOUS#password");
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The scheme every reference starts with.
pub const SCHEME: &str = "secret://";

/// Which version of a secret a reference means. `None` in [`SecretRef::version`] means
/// the current one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretVersion {
    /// A version identifier (AWS VersionId, Vault version number, Azure version).
    Id(String),
    /// A staging label (AWS: `AWSCURRENT`, `AWSPREVIOUS`, or a custom one).
    Stage(String),
}

/// A pointer from a connection field to one value in a secrets manager.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretRef {
    /// Alias of the secrets manager (provider) that holds the secret.
    pub provider: String,
    /// The secret's path, name or ARN.
    pub path: String,
    /// The version or stage; `None` for the current value.
    pub version: Option<SecretVersion>,
    /// The JSON key to read when the value is a JSON object.
    pub json_key: Option<String>,
}

/// Why a text is not a valid secret reference. Each message says what is wrong and
/// what the syntax expects.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretRefError {
    #[error(
        "a secret reference starts with `secret://` (for example `secret://aws-prod/prod/db#password`)"
    )]
    MissingScheme,
    #[error("the provider alias is missing: write `secret://ALIAS/PATH`")]
    MissingAlias,
    #[error(
        "the provider alias `{0}` is not valid: use 1–64 letters, digits, `_`, `.` or `-`, starting with a letter or digit"
    )]
    InvalidAlias(String),
    #[error(
        "the secret path is missing: write `secret://{0}/PATH` with the secret's path, name or ARN"
    )]
    MissingPath(String),
    #[error("the {0} is empty")]
    Empty(&'static str),
    #[error("`{0}` is not a known option: use `?version=ID` or `?stage=STAGE`")]
    UnknownOption(String),
    #[error("use either `?version=` or `?stage=`, once, not both")]
    ConflictingVersion,
    #[error(
        "invalid percent-encoding in the {0}: `%` must be followed by two hex digits (write `%25` for a literal `%`)"
    )]
    BadEscape(&'static str),
    #[error("the {0} is not valid UTF-8 once percent-decoded")]
    BadUtf8(&'static str),
    #[error("the {0} contains a control character")]
    ControlChar(&'static str),
}

impl SecretRef {
    /// A reference to the current value of `path` in the secrets manager `provider`.
    pub fn new(provider: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            path: path.into(),
            version: None,
            json_key: None,
        }
    }

    /// Parses the text syntax; see the module documentation.
    pub fn parse(text: &str) -> Result<Self, SecretRefError> {
        let text = text.trim();
        let rest = text
            .strip_prefix(SCHEME)
            .ok_or(SecretRefError::MissingScheme)?;
        let (main, key) = match rest.split_once('#') {
            Some((m, k)) => (m, Some(k)),
            None => (rest, None),
        };
        let (location, query) = match main.split_once('?') {
            Some((l, q)) => (l, Some(q)),
            None => (main, None),
        };
        let (alias, path) = match location.split_once('/') {
            Some((a, p)) => (a, p),
            None if location.is_empty() => return Err(SecretRefError::MissingAlias),
            None => {
                check_alias(location)?;
                return Err(SecretRefError::MissingPath(location.to_owned()));
            }
        };
        if alias.is_empty() {
            return Err(SecretRefError::MissingAlias);
        }
        check_alias(alias)?;
        if path.is_empty() {
            return Err(SecretRefError::MissingPath(alias.to_owned()));
        }
        let path = decode(path, "secret path")?;

        let version = match query {
            None => None,
            Some(q) => {
                let mut version = None;
                for pair in q.split('&') {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    let make: fn(String) -> SecretVersion = match name {
                        "version" => SecretVersion::Id,
                        "stage" => SecretVersion::Stage,
                        other => return Err(SecretRefError::UnknownOption(other.to_owned())),
                    };
                    if version.is_some() {
                        return Err(SecretRefError::ConflictingVersion);
                    }
                    let what = if name == "version" {
                        "version"
                    } else {
                        "stage"
                    };
                    if value.is_empty() {
                        return Err(SecretRefError::Empty(what));
                    }
                    version = Some(make(decode(value, what)?));
                }
                version
            }
        };
        let json_key = match key {
            None => None,
            Some("") => return Err(SecretRefError::Empty("JSON key after `#`")),
            Some(k) => Some(decode(k, "JSON key")?),
        };
        Ok(Self {
            provider: alias.to_owned(),
            path,
            version,
            json_key,
        })
    }
}

fn check_alias(alias: &str) -> Result<(), SecretRefError> {
    let ok = (1..=64).contains(&alias.len())
        && alias.starts_with(|c: char| c.is_ascii_alphanumeric())
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(SecretRefError::InvalidAlias(alias.to_owned()))
    }
}

/// True for a valid provider alias (the same rule the text syntax applies).
pub fn is_valid_alias(alias: &str) -> bool {
    check_alias(alias).is_ok()
}

fn needs_escape(c: char) -> bool {
    matches!(c, '%' | '?' | '#' | '&') || c.is_whitespace() || c.is_control()
}

fn encode(out: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    for c in text.chars() {
        if needs_escape(c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                write!(out, "%{b:02X}")?;
            }
        } else {
            write!(out, "{c}")?;
        }
    }
    Ok(())
}

fn decode(text: &str, what: &'static str) -> Result<String, SecretRefError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .ok_or(SecretRefError::BadEscape(what))?;
            let hex = std::str::from_utf8(hex).map_err(|_| SecretRefError::BadEscape(what))?;
            let b = u8::from_str_radix(hex, 16).map_err(|_| SecretRefError::BadEscape(what))?;
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).map_err(|_| SecretRefError::BadUtf8(what))?;
    if s.chars().any(char::is_control) {
        return Err(SecretRefError::ControlChar(what));
    }
    Ok(s)
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}/", self.provider)?;
        encode(f, &self.path)?;
        match &self.version {
            None => {}
            Some(SecretVersion::Id(v)) => {
                f.write_str("?version=")?;
                encode(f, v)?;
            }
            Some(SecretVersion::Stage(s)) => {
                f.write_str("?stage=")?;
                encode(f, s)?;
            }
        }
        if let Some(k) = &self.json_key {
            f.write_str("#")?;
            encode(f, k)?;
        }
        Ok(())
    }
}

impl FromStr for SecretRef {
    type Err = SecretRefError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for SecretRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> Result<SecretRef, SecretRefError> {
        SecretRef::parse(s)
    }

    #[test]
    fn parses_an_aws_arn_with_version_and_key() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";
        // A typed, unencoded space is accepted; the canonical form encodes it.
        let lenient = parse(&format!("secret://aws/{arn}?version=a1b2-c3#pass word")).unwrap();
        let r = parse(&format!("secret://aws/{arn}?version=a1b2-c3#pass%20word")).unwrap();
        assert_eq!(lenient, r);
        assert!(r.to_string().ends_with("#pass%20word"));
        assert_eq!(r.path, arn);
        assert_eq!(r.version, Some(SecretVersion::Id("a1b2-c3".into())));
        assert_eq!(r.json_key.as_deref(), Some("pass word"));
    }

    #[test]
    fn plain_reference_has_no_version_or_key() {
        let r = parse("  secret://vault/kv/app/db  ").unwrap();
        assert_eq!(r, SecretRef::new("vault", "kv/app/db"));
        assert_eq!(r.to_string(), "secret://vault/kv/app/db");
    }

    #[test]
    fn leading_slash_in_a_name_is_kept() {
        let r = parse("secret://aws//prod/db").unwrap();
        assert_eq!(r.path, "/prod/db");
        assert_eq!(r.to_string(), "secret://aws//prod/db");
    }

    #[test]
    fn reserved_characters_are_encoded() {
        let mut r = SecretRef::new("a", "x?y#z%w&v");
        r.json_key = Some("k#1".into());
        let text = r.to_string();
        assert_eq!(text, "secret://a/x%3Fy%23z%25w%26v#k%231");
        assert_eq!(parse(&text).unwrap(), r);
    }

    #[test]
    fn errors_name_what_is_wrong() {
        use SecretRefError::*;
        assert_eq!(parse("aws/db"), Err(MissingScheme));
        assert_eq!(parse("secret://"), Err(MissingAlias));
        assert_eq!(parse("secret:///db"), Err(MissingAlias));
        assert_eq!(parse("secret://aws"), Err(MissingPath("aws".into())));
        assert_eq!(parse("secret://aws/"), Err(MissingPath("aws".into())));
        assert_eq!(parse("secret://a b/db"), Err(InvalidAlias("a b".into())));
        assert_eq!(parse("secret://-x/db"), Err(InvalidAlias("-x".into())));
        assert_eq!(
            parse("secret://aws/db?label=x"),
            Err(UnknownOption("label".into()))
        );
        assert_eq!(
            parse("secret://aws/db?stage=A&version=1"),
            Err(ConflictingVersion)
        );
        assert_eq!(parse("secret://aws/db?stage="), Err(Empty("stage")));
        assert_eq!(parse("secret://aws/db#"), Err(Empty("JSON key after `#`")));
        assert_eq!(parse("secret://aws/d%zzb"), Err(BadEscape("secret path")));
        assert_eq!(parse("secret://aws/d%2"), Err(BadEscape("secret path")));
        assert_eq!(parse("secret://aws/d%FFb"), Err(BadUtf8("secret path")));
        assert_eq!(parse("secret://aws/d%0Ab"), Err(ControlChar("secret path")));
        let msg = parse("nope").unwrap_err().to_string();
        assert!(msg.contains("secret://"), "{msg}");
    }

    #[test]
    fn serde_uses_the_text_form() {
        let r = parse("secret://aws/db?stage=AWSCURRENT#password").unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, "\"secret://aws/db?stage=AWSCURRENT#password\"");
        assert_eq!(serde_json::from_str::<SecretRef>(&json).unwrap(), r);
        assert!(serde_json::from_str::<SecretRef>("\"secret://\"").is_err());
    }

    fn arb_ref() -> impl Strategy<Value = SecretRef> {
        (
            "[A-Za-z0-9][A-Za-z0-9_.-]{0,20}",
            "\\PC{1,40}",
            proptest::option::of(prop_oneof![
                "\\PC{1,20}".prop_map(SecretVersion::Id),
                "\\PC{1,20}".prop_map(SecretVersion::Stage),
            ]),
            proptest::option::of("\\PC{1,20}"),
        )
            .prop_map(|(provider, path, version, json_key)| SecretRef {
                provider,
                path,
                version,
                json_key,
            })
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(r in arb_ref()) {
            let text = r.to_string();
            prop_assert_eq!(parse(&text), Ok(r));
        }

        #[test]
        fn parse_never_panics_and_accepted_text_is_stable(s in "\\PC{0,60}|secret://[a-z]{1,5}/\\PC{0,40}") {
            if let Ok(r) = parse(&s) {
                let canonical = r.to_string();
                prop_assert_eq!(parse(&canonical), Ok(r.clone()));
                prop_assert_eq!(parse(&canonical).unwrap().to_string(), canonical);
            }
        }
    }
}
