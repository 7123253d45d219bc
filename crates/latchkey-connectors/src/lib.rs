//! # latchkey-connectors
//!
//! The connection catalogue and what a connection does when it is tested.
//!
//! Each connection type lives in one module that declares its fields once
//! ([`spec`]: plain or credential, required, choices, defaults, help, when a field
//! applies) and runs steps 3 and 4 of a test ([`run`]): step 3 authenticates to the
//! target system with the resolved credentials, step 4 checks what the session may do.
//! The UI form, the CLI and the validation all read the declaration through [`spec`] /
//! [`all`].
//!
//! Each failure is a [`ConnectorError`] with a stable code, the cause the server gave
//! and a fix to try. Every network attempt is bounded by a timeout ([`CONNECT_TIMEOUT`],
//! [`IO_TIMEOUT`]).

use std::collections::BTreeMap;
use std::time::Duration;

use latchkey_core::{ConnectionKind, ExposeSecret, SecretValue, TypeSpec};
use serde::Serialize;

pub mod http;
pub mod jira;
pub mod mysql;
mod net;
pub mod postgres;
pub mod redis;
pub mod s3;
pub mod smtp;
pub mod ssh;

/// How long opening a connection may take before it is reported as a timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one exchange with the server (a login, a query, a request) may take.
pub const IO_TIMEOUT: Duration = Duration::from_secs(20);

/// The declaration of a connection type: its label, group and fields in form order.
pub fn spec(kind: ConnectionKind) -> TypeSpec {
    match kind {
        ConnectionKind::Postgres => postgres::spec(),
        ConnectionKind::Mysql => mysql::spec(),
        ConnectionKind::Redis => redis::spec(),
        ConnectionKind::Http => http::spec(),
        ConnectionKind::Jira => jira::spec(),
        ConnectionKind::S3 => s3::spec(),
        ConnectionKind::Ssh => ssh::spec(),
        ConnectionKind::Smtp => smtp::spec(),
    }
}

/// Every connection type, in menu order.
pub fn all() -> Vec<TypeSpec> {
    ConnectionKind::ALL.into_iter().map(spec).collect()
}

/// Runs steps 3 (authenticate) and 4 (check access) for a connection. `report` is
/// called once per step as it finishes; after a failed step 3 it is not called again.
pub async fn run(kind: ConnectionKind, settings: &Settings, report: &mut (dyn Reporter + Send)) {
    // The TLS stacks of sqlx and redis build their configuration from the process's
    // default crypto provider: make it aws-lc-rs (the one reqwest and lettre use) once.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    match kind {
        ConnectionKind::Postgres => postgres::run(settings, report).await,
        ConnectionKind::Mysql => mysql::run(settings, report).await,
        ConnectionKind::Redis => redis::run(settings, report).await,
        ConnectionKind::Http => http::run(settings, report).await,
        ConnectionKind::Jira => jira::run(settings, report).await,
        ConnectionKind::S3 => s3::run(settings, report).await,
        ConnectionKind::Ssh => ssh::run(settings, report).await,
        ConnectionKind::Smtp => smtp::run(settings, report).await,
    }
}

/// Receives each step's outcome: a line saying what happened, or why it failed.
pub trait Reporter {
    fn step(&mut self, result: Result<String, ConnectorError>);
}

/// A connection's settings as a test sees them: the plain fields that apply (with
/// their declared defaults filled in) and the resolved credentials.
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

    /// A port field, or `default` when it is not set or not a port.
    pub fn port(&self, key: &str, default: u16) -> u16 {
        self.text(key).parse().unwrap_or(default)
    }

    /// A credential's value ("" when not set).
    pub fn secret(&self, key: &str) -> &str {
        self.secrets
            .get(key)
            .map(|v| v.expose_secret())
            .unwrap_or("")
    }

    pub fn has_secret(&self, key: &str) -> bool {
        !self.secret(key).is_empty()
    }
}

/// Why step 3 or 4 failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{cause} — {fix}")]
pub struct ConnectorError {
    /// Stable code: `bad_credentials`, `unknown_host`, `refused`, `timeout`, `tls`,
    /// `unknown_database`, `not_found`, `access_denied`, `host_key_unknown`,
    /// `host_key_mismatch`, `redirect`, `server_error`, `invalid_setting`, `failed`.
    pub code: &'static str,
    /// What the server (or the network) said. Never a secret value.
    pub cause: String,
    /// What to try.
    pub fix: String,
    /// A change to the connection the admin may accept (trust this host key).
    pub offer: Option<Offer>,
}

/// A change the admin is asked to confirm, such as trusting a server's host key on
/// first use. Accepting it saves `fields` into the connection's plain fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    pub prompt: String,
    pub fields: BTreeMap<String, String>,
}

impl ConnectorError {
    pub(crate) fn new(
        code: &'static str,
        cause: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            code,
            cause: cause.into(),
            fix: fix.into(),
            offer: None,
        }
    }
}

/// Reads a PEM CA certificate file named by a field (for servers signed by a private CA).
pub(crate) fn read_ca(settings: &Settings, key: &str) -> Result<Option<Vec<u8>>, ConnectorError> {
    let path = settings.text(key);
    if path.is_empty() {
        return Ok(None);
    }
    let bytes = std::fs::read(expand_home(path)).map_err(|e| {
        ConnectorError::new(
            "invalid_setting",
            format!("cannot read the CA certificate file {path}: {e}"),
            "check the CA certificate path (a PEM file readable by you)",
        )
    })?;
    if !String::from_utf8_lossy(&bytes).contains("-----BEGIN CERTIFICATE-----") {
        return Err(ConnectorError::new(
            "invalid_setting",
            format!("{path} holds no PEM certificate (no \"-----BEGIN CERTIFICATE-----\")"),
            "point the CA certificate field at the issuer's certificate in PEM form",
        ));
    }
    Ok(Some(bytes))
}

/// `~/x` → the home directory's `x`.
pub(crate) fn expand_home(path: &str) -> std::path::PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(|h| std::path::PathBuf::from(h).join(rest))
            .unwrap_or_else(|| path.into()),
        None => path.into(),
    }
}
