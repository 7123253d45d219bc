//! A declared kind's settings as its code sees them: the plain fields that apply (with
//! their declared defaults filled in) and the secret values it needs. Connection types
//! receive their resolved credentials in it; secrets-manager kinds their keychain-held
//! secrets.

use std::collections::BTreeMap;

use crate::sensitive::{ExposeSecret, SecretValue};

#[derive(Debug, Default)]
pub struct Settings {
    pub plain: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, SecretValue>,
}

impl Settings {
    /// A plain field's value, trimmed ("" when not set).
    pub fn text(&self, key: &str) -> &str {
        self.plain.get(key).map(|v| v.trim()).unwrap_or("")
    }

    /// A plain field's value, or `None` when it is not set or empty.
    pub fn opt(&self, key: &str) -> Option<String> {
        Some(self.text(key))
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// A port field, or `default` when it is not set or not a port.
    pub fn port(&self, key: &str, default: u16) -> u16 {
        self.text(key).parse().unwrap_or(default)
    }

    /// A secret's value ("" when not set).
    pub fn secret(&self, key: &str) -> &str {
        self.secrets
            .get(key)
            .map(|v| v.expose_secret())
            .unwrap_or("")
    }

    pub fn has_secret(&self, key: &str) -> bool {
        !self.secret(key).is_empty()
    }

    /// Takes a secret out (for a client that keeps it), or `None` when it is not set.
    pub fn take_secret(&mut self, key: &str) -> Option<SecretValue> {
        self.secrets
            .remove(key)
            .filter(|v| !v.expose_secret().is_empty())
    }
}
