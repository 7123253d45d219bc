//! PostgreSQL: log in (step 3), then `SELECT current_user, version()` (step 4).

use std::time::Duration;

use latchkey_core::{ExposeSecret, SecretValue};
use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection, Row};

use crate::ConnectorError;

/// Where to connect (the non-secret fields of a PostgreSQL connection).
#[derive(Clone, Debug)]
pub struct PgTarget {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    /// libpq's sslmode: disable, allow, prefer, require, verify-ca, verify-full.
    pub sslmode: String,
}

/// What step 4 reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PgAccess {
    pub current_user: String,
    pub server_version: String,
}

/// How long a connection attempt may take before it is reported as a timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

fn sslmode(mode: &str) -> Result<PgSslMode, ConnectorError> {
    mode.parse::<PgSslMode>().map_err(|_| {
        ConnectorError::new(
            "invalid_setting",
            format!("\"{mode}\" is not an SSL mode"),
            "use disable, allow, prefer, require, verify-ca or verify-full",
        )
    })
}

/// Step 3: logs in. The returned connection is used by [`check_access`].
pub async fn authenticate(
    target: &PgTarget,
    password: &SecretValue,
) -> Result<PgConnection, ConnectorError> {
    let options = PgConnectOptions::new()
        .host(&target.host)
        .port(target.port)
        .database(&target.database)
        .username(&target.user)
        .password(password.expose_secret())
        .ssl_mode(sslmode(&target.sslmode)?)
        .application_name("latchkey")
        .disable_statement_logging();
    let at = format!("{}:{}", target.host, target.port);
    match tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await {
        Err(_) => Err(ConnectorError::new(
            "timeout",
            format!("no answer from {at} within {} s", CONNECT_TIMEOUT.as_secs()),
            "check the host and port, and that a firewall lets the connection through",
        )),
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(explain(e, target, &at)),
    }
}

/// Step 4: what the session is allowed to see.
pub async fn check_access(conn: &mut PgConnection) -> Result<PgAccess, ConnectorError> {
    let row = sqlx::query("SELECT current_user::text AS u, version() AS v")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| {
            ConnectorError::new(
                "access_denied",
                e.to_string(),
                "grant the user CONNECT on the database",
            )
        })?;
    Ok(PgAccess {
        current_user: row.try_get("u").unwrap_or_default(),
        server_version: row.try_get("v").unwrap_or_default(),
    })
}

/// Closes a session politely.
pub async fn close(conn: PgConnection) {
    let _ = conn.close().await;
}

fn explain(e: sqlx::Error, target: &PgTarget, at: &str) -> ConnectorError {
    if let Some(db) = e.as_database_error() {
        let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
        let cause = db.message().to_owned();
        return match code.as_str() {
            "28P01" | "28000" => ConnectorError::new(
                "bad_credentials",
                cause,
                format!(
                    "check the password of \"{}\" (or the secret it comes from) and the user name",
                    target.user
                ),
            ),
            "3D000" => ConnectorError::new(
                "unknown_database",
                cause,
                format!(
                    "check the database name \"{}\", or create it",
                    target.database
                ),
            ),
            "42501" => ConnectorError::new(
                "access_denied",
                cause,
                "grant the user CONNECT on the database",
            ),
            _ => ConnectorError::new(
                "failed",
                format!("{cause} (SQLSTATE {code})"),
                "see the server's log",
            ),
        };
    }
    let text = e.to_string();
    let lower = text.to_lowercase();
    if lower.contains("failed to lookup")
        || lower.contains("name or service not known")
        || lower.contains("dns")
    {
        ConnectorError::new(
            "unknown_host",
            format!("the host \"{}\" was not found", target.host),
            "check the host name",
        )
    } else if lower.contains("refused") {
        ConnectorError::new(
            "refused",
            format!("nothing accepts connections on {at}"),
            "check the port and that PostgreSQL is running and listens on that address",
        )
    } else if lower.contains("tls") || lower.contains("ssl") || lower.contains("certificate") {
        ConnectorError::new(
            "tls",
            text,
            "match the SSL mode to the server's TLS setup (or trust its CA)",
        )
    } else {
        ConnectorError::new("failed", text, "check the connection settings")
    }
}
