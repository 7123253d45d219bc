//! PostgreSQL: log in (step 3), then `SELECT current_user, version()` (step 4).

use latchkey_core::ErrorCode;
use latchkey_core::{ConnectionKind, FieldKind::*, FieldSpec, TypeSpec};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{ConnectOptions, Connection, Row};

use crate::{CONNECT_TIMEOUT, ConnectorError, IO_TIMEOUT, Reporter, Settings, net};

pub fn spec() -> TypeSpec {
    TypeSpec {
        kind: ConnectionKind::Postgres,
        label: "PostgreSQL".into(),
        description: "A PostgreSQL database server.".into(),
        group: "Databases".into(),
        fields: vec![
            FieldSpec::new("host", "Host", Host, true)
                .placeholder("db.example.com")
                .help("Hostname or IP address of the server."),
            FieldSpec::new("port", "Port", Port, true).default("5432"),
            FieldSpec::new("database", "Database", Text, true).placeholder("postgres"),
            FieldSpec::new("user", "User", Text, true).placeholder("app_user"),
            FieldSpec::new("password", "Password", Credential, true)
                .help("Typed in, it is kept in the OS keychain only; or use a secret from a secrets manager."),
            FieldSpec::new("sslmode", "SSL mode", Choice, true)
                .default("prefer")
                .choices(&[
                    ("disable", "disable — no TLS"),
                    ("allow", "allow — TLS if the server insists"),
                    ("prefer", "prefer — TLS when available"),
                    ("require", "require — TLS, any certificate"),
                    ("verify-ca", "verify-ca — TLS, trusted CA"),
                    ("verify-full", "verify-full — TLS, trusted CA and matching host"),
                ])
                .help("How the connection uses TLS."),
            FieldSpec::new("ca_file", "CA certificate", Path, false)
                .destination(true)
                .when("sslmode", &["verify-ca", "verify-full"])
                .placeholder("/etc/ssl/certs/db-ca.pem")
                .help("PEM file of the CA that issued the server's certificate; empty = the system's trusted CAs."),
        ],
    }
}

pub(crate) async fn run(s: &Settings, report: &mut (dyn Reporter + Send)) {
    let host = s.text("host");
    let port = s.port("port", 5432);
    let at = net::at(host, port);
    let user = s.text("user");
    let database = s.text("database");
    let sslmode = match s.text("sslmode").parse::<PgSslMode>() {
        Ok(m) => m,
        Err(_) => {
            return report.step(Err(ConnectorError::new(
                ErrorCode::InvalidSetting,
                format!("\"{}\" is not an SSL mode", s.text("sslmode")),
                "use disable, allow, prefer, require, verify-ca or verify-full",
            )));
        }
    };
    let mut options = PgConnectOptions::new()
        .host(host)
        .port(port)
        .database(database)
        .username(user)
        .password(s.secret("password"))
        .ssl_mode(sslmode)
        .application_name("latchkey")
        .disable_statement_logging();
    if !s.text("ca_file").is_empty() {
        options = options.ssl_root_cert(crate::expand_home(s.text("ca_file")));
    }
    let connected = net::bounded(CONNECT_TIMEOUT, &at, async {
        options
            .connect()
            .await
            .map_err(|e| explain(e, user, database, host, &at))
    })
    .await;
    let mut conn = match connected {
        Ok(conn) => {
            report.step(Ok(format!("logged in to {at} as {user}")));
            conn
        }
        Err(e) => return report.step(Err(e)),
    };
    let access = net::bounded(IO_TIMEOUT, &at, async {
        let row = sqlx::query("SELECT current_user::text AS u, version() AS v")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| explain(e, user, database, host, &at))?;
        let u: String = row.try_get("u").unwrap_or_default();
        let v: String = row.try_get("v").unwrap_or_default();
        Ok(format!("current_user = {u}; {v}"))
    })
    .await;
    report.step(access);
    let _ = tokio::time::timeout(IO_TIMEOUT, conn.close()).await;
}

fn explain(e: sqlx::Error, user: &str, database: &str, host: &str, at: &str) -> ConnectorError {
    if let Some(db) = e.as_database_error() {
        let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
        let cause = db.message().to_owned();
        return match code.as_str() {
            "28000" => ConnectorError::new(
                ErrorCode::AccessDenied,
                cause,
                format!(
                    "the server's pg_hba.conf does not let \"{user}\" connect from here (or requires TLS): add a host line for this address, or change the SSL mode"
                ),
            ),
            "28P01" => ConnectorError::new(
                ErrorCode::BadCredentials,
                cause,
                format!(
                    "check the password of \"{user}\" (or the secret it comes from) and the user name"
                ),
            ),
            "3D000" => ConnectorError::new(
                ErrorCode::UnknownDatabase,
                cause,
                format!("check the database name \"{database}\", or create it"),
            ),
            "42501" => ConnectorError::new(
                ErrorCode::AccessDenied,
                cause,
                "grant the user CONNECT on the database",
            ),
            _ => ConnectorError::new(
                ErrorCode::Failed,
                format!("{cause} (SQLSTATE {code})"),
                "see the server's log",
            ),
        };
    }
    net::classify(&net::chain(&e), host, at, "PostgreSQL")
}
