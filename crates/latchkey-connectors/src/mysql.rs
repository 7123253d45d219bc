//! MySQL / MariaDB: log in (step 3), then `SELECT CURRENT_USER(), VERSION()` (step 4).

use latchkey_core::ErrorCode;
use latchkey_core::{ConnectionKind, FieldKind::*, FieldSpec, TypeSpec};
use sqlx::mysql::{MySqlConnectOptions, MySqlDatabaseError, MySqlSslMode};
use sqlx::{ConnectOptions, Connection, Row};

use crate::{CONNECT_TIMEOUT, ConnectorError, IO_TIMEOUT, Reporter, Settings, net};

pub fn spec() -> TypeSpec {
    TypeSpec {
        kind: ConnectionKind::Mysql,
        label: "MySQL / MariaDB".into(),
        description: "A MySQL or MariaDB database server.".into(),
        group: "Databases".into(),
        fields: vec![
            FieldSpec::new("host", "Host", Host, true)
                .placeholder("mysql.example.com")
                .help("Hostname or IP address of the server."),
            FieldSpec::new("port", "Port", Port, true).default("3306"),
            FieldSpec::new("database", "Database", Text, false)
                .placeholder("app")
                .help("Optional: the schema to select after logging in."),
            FieldSpec::new("user", "User", Text, true).placeholder("app_user"),
            FieldSpec::new("password", "Password", Credential, true)
                .help("Typed in, it is kept in the OS keychain only; or use a secret from a secrets manager."),
            FieldSpec::new("ssl_mode", "TLS mode", Choice, true)
                .default("preferred")
                .choices(&[
                    ("disabled", "disabled — no TLS"),
                    ("preferred", "preferred — TLS when available"),
                    ("required", "required — TLS, any certificate"),
                    ("verify_ca", "verify CA — TLS, trusted CA"),
                    ("verify_identity", "verify identity — TLS, trusted CA and matching host"),
                ])
                .help("How the connection uses TLS."),
            FieldSpec::new("ca_file", "CA certificate", Path, false)
                .destination(true)
                .when("ssl_mode", &["verify_ca", "verify_identity"])
                .placeholder("/etc/ssl/certs/mysql-ca.pem")
                .help("PEM file of the CA that issued the server's certificate; empty = the system's trusted CAs."),
        ],
    }
}

pub(crate) async fn run(s: &Settings, report: &mut (dyn Reporter + Send)) {
    let host = s.text("host");
    let port = s.port("port", 3306);
    let at = net::at(host, port);
    let user = s.text("user");
    let database = s.text("database");
    let mode = match s.text("ssl_mode") {
        "disabled" => MySqlSslMode::Disabled,
        "required" => MySqlSslMode::Required,
        "verify_ca" => MySqlSslMode::VerifyCa,
        "verify_identity" => MySqlSslMode::VerifyIdentity,
        _ => MySqlSslMode::Preferred,
    };
    let mut options = MySqlConnectOptions::new()
        .host(host)
        .port(port)
        .username(user)
        .password(s.secret("password"))
        .ssl_mode(mode)
        .disable_statement_logging();
    if !database.is_empty() {
        options = options.database(database);
    }
    if !s.text("ca_file").is_empty() {
        options = options.ssl_ca(crate::expand_home(s.text("ca_file")));
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
            let schema = if database.is_empty() {
                String::new()
            } else {
                format!(", database {database}")
            };
            report.step(Ok(format!("logged in to {at} as {user}{schema}")));
            conn
        }
        Err(e) => return report.step(Err(e)),
    };
    let access = net::bounded(IO_TIMEOUT, &at, async {
        let row = sqlx::query("SELECT CURRENT_USER() AS u, VERSION() AS v")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| explain(e, user, database, host, &at))?;
        let u: String = row.try_get("u").unwrap_or_default();
        let v: String = row.try_get("v").unwrap_or_default();
        Ok(format!("CURRENT_USER() = {u}; server {v}"))
    })
    .await;
    report.step(access);
    let _ = tokio::time::timeout(IO_TIMEOUT, conn.close()).await;
}

fn explain(e: sqlx::Error, user: &str, database: &str, host: &str, at: &str) -> ConnectorError {
    if let Some(db) = e.as_database_error() {
        let number = db
            .try_downcast_ref::<MySqlDatabaseError>()
            .map(|m| m.number())
            .unwrap_or(0);
        let cause = format!("{} (error {number})", db.message());
        return match number {
            1045 => ConnectorError::new(
                ErrorCode::BadCredentials,
                cause,
                format!(
                    "check the password of \"{user}\" (or the secret it comes from) and the user name"
                ),
            ),
            1049 => ConnectorError::new(
                ErrorCode::UnknownDatabase,
                cause,
                format!("check the database name \"{database}\", or leave it empty"),
            ),
            1044 | 1142 | 1227 => ConnectorError::new(
                ErrorCode::AccessDenied,
                cause,
                format!(
                    "GRANT the user \"{user}\" access to the database (GRANT SELECT ON {database}.* …)"
                ),
            ),
            1130 => ConnectorError::new(
                ErrorCode::AccessDenied,
                cause,
                format!(
                    "the server does not let \"{user}\" connect from this computer: create the user for this host ('{user}'@'%')"
                ),
            ),
            _ => ConnectorError::new(ErrorCode::Failed, cause, "see the server's error log"),
        };
    }
    let text = net::chain(&e);
    if text.to_lowercase().contains("tls upgrade required") {
        return ConnectorError::new(
            ErrorCode::Tls,
            format!("{at} does not offer TLS, and the TLS mode requires it"),
            "enable TLS on the server (ssl_cert, ssl_key), or choose the TLS mode \"preferred\" or \"disabled\"",
        );
    }
    net::classify(&text, host, at, "MySQL or MariaDB")
}
