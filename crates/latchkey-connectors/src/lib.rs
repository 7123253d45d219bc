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

use latchkey_core::{ConnectionKind, ErrorCode, TypeSpec};
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

/// What a connection points at, in one line (the Connections table and the CLI show
/// this): `user@host:port/db` for servers, the base URL for web APIs, `s3://bucket` for
/// S3 (`@ endpoint-host` for S3-compatible storage). "—" when nothing is set yet.
pub fn target(kind: ConnectionKind, plain: &BTreeMap<String, String>) -> String {
    let v = |key: &str| plain.get(key).map(|v| v.trim()).unwrap_or("");
    if kind == ConnectionKind::S3 {
        let bucket = v("bucket");
        if bucket.is_empty() {
            return "—".into();
        }
        let endpoint = v("endpoint");
        return if endpoint.is_empty() {
            format!("s3://{bucket}")
        } else {
            format!("s3://{bucket} @ {}", authority(endpoint))
        };
    }
    let url = v("base_url");
    if !url.is_empty() {
        return url.to_owned();
    }
    let host = v("host");
    if host.is_empty() {
        return "—".into();
    }
    // An SMTP user is usually an e-mail address: user@ would read as a second address.
    let user = match kind {
        ConnectionKind::Smtp => "",
        _ if !v("user").is_empty() => v("user"),
        _ => v("username"),
    };
    let mut line = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    line.push_str(host);
    if !v("port").is_empty() {
        line.push(':');
        line.push_str(v("port"));
    }
    if matches!(kind, ConnectionKind::Postgres | ConnectionKind::Mysql) && !v("database").is_empty()
    {
        line.push('/');
        line.push_str(v("database"));
    }
    line
}

/// The host[:port] of a URL (the whole text when it is not one).
fn authority(url: &str) -> &str {
    url.split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(rest))
        .filter(|a| !a.is_empty())
        .unwrap_or(url)
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
pub use latchkey_core::Settings;

/// Why step 3 or 4 failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{cause} — {fix}")]
pub struct ConnectorError {
    /// Stable code: `bad_credentials`, `unknown_host`, `refused`, `timeout`, `tls`,
    /// `unknown_database`, `not_found`, `access_denied`, `host_key_unknown`,
    /// `host_key_mismatch`, `redirect`, `server_error`, `invalid_setting`, `failed`.
    pub code: ErrorCode,
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
    pub(crate) fn new(code: ErrorCode, cause: impl Into<String>, fix: impl Into<String>) -> Self {
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
            ErrorCode::InvalidSetting,
            format!("cannot read the CA certificate file {path}: {e}"),
            "check the CA certificate path (a PEM file readable by you)",
        )
    })?;
    if !String::from_utf8_lossy(&bytes).contains("-----BEGIN CERTIFICATE-----") {
        return Err(ConnectorError::new(
            ErrorCode::InvalidSetting,
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

#[cfg(test)]
mod target_tests {
    use super::*;

    fn plain(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    /// Where credentials go, and who the server is: a kept credential is not sent after
    /// either changes (the engine's endpoint rule reads these marks).
    #[test]
    fn hosts_urls_and_ca_files_are_destinations() {
        for spec in all() {
            for f in &spec.fields {
                let should = matches!(
                    f.kind,
                    latchkey_core::FieldKind::Host | latchkey_core::FieldKind::Url
                ) || f.key == "ca_file";
                assert_eq!(f.destination, should, "{} {}", spec.label, f.key);
            }
        }
    }

    #[test]
    fn each_type_names_its_target_one_way() {
        let pg = plain(&[
            ("host", "db"),
            ("port", "5432"),
            ("user", "app"),
            ("database", "billing"),
        ]);
        assert_eq!(target(ConnectionKind::Postgres, &pg), "app@db:5432/billing");
        let smtp = plain(&[
            ("host", "mail"),
            ("port", "587"),
            ("username", "ops@example.com"),
        ]);
        assert_eq!(target(ConnectionKind::Smtp, &smtp), "mail:587");
        let ssh = plain(&[("host", "srv"), ("port", "22"), ("username", "deploy")]);
        assert_eq!(target(ConnectionKind::Ssh, &ssh), "deploy@srv:22");
        let s3 = plain(&[("bucket", "reports")]);
        assert_eq!(target(ConnectionKind::S3, &s3), "s3://reports");
        let minio = plain(&[("bucket", "r"), ("endpoint", "https://minio.local:9000/x")]);
        assert_eq!(
            target(ConnectionKind::S3, &minio),
            "s3://r @ minio.local:9000"
        );
        let api = plain(&[("base_url", "https://api.example.com")]);
        assert_eq!(
            target(ConnectionKind::Http, &api),
            "https://api.example.com"
        );
        assert_eq!(target(ConnectionKind::Redis, &plain(&[])), "—");
    }
}
