//! Redis: connect and `AUTH` (step 3), then `PING` and `ACL WHOAMI` (step 4).

use latchkey_core::ErrorCode;
use latchkey_core::{ConnectionKind, FieldKind::*, FieldSpec, TypeSpec};
use redis::{
    AsyncConnectionConfig, Client, ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo,
};

use crate::{CONNECT_TIMEOUT, ConnectorError, IO_TIMEOUT, Reporter, Settings, net};

pub fn spec() -> TypeSpec {
    TypeSpec {
        kind: ConnectionKind::Redis,
        label: "Redis".into(),
        description: "A Redis (or Valkey) server, with a password or an ACL user.".into(),
        group: "Databases".into(),
        fields: vec![
            FieldSpec::new("host", "Host", Host, true).placeholder("cache.example.com"),
            FieldSpec::new("port", "Port", Port, true).default("6379"),
            FieldSpec::new("username", "ACL user", Text, false)
                .placeholder("default")
                .help("Redis 6+ ACL user; leave empty to log in with the server's password (requirepass)."),
            FieldSpec::new("password", "Password", Credential, false)
                .help("Leave empty for a server without a password."),
            FieldSpec::new("tls", "TLS", Choice, true)
                .default("off")
                .choices(&[
                    ("off", "off — plain TCP"),
                    ("on", "on — verify the server's certificate"),
                ]),
            FieldSpec::new("ca_file", "CA certificate", Path, false)
                .destination(true)
                .when("tls", &["on"])
                .placeholder("/etc/ssl/certs/redis-ca.pem")
                .help("PEM file of the CA that issued the server's certificate; empty = the system's trusted CAs."),
            FieldSpec::new("db", "Database number", Text, false)
                .default("0")
                .advanced()
                .help("SELECTed after logging in (0–15 on a default server)."),
        ],
    }
}

pub(crate) async fn run(s: &Settings, report: &mut (dyn Reporter + Send)) {
    let host = s.text("host");
    let port = s.port("port", 6379);
    let at = net::at(host, port);
    let user = s.text("username");
    let client = match client(s, host, port) {
        Ok(c) => c,
        Err(e) => return report.step(Err(e)),
    };
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(IO_TIMEOUT));
    let connected = net::bounded(CONNECT_TIMEOUT + IO_TIMEOUT, &at, async {
        client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|e| explain(&e, s, host, &at))
    })
    .await;
    // A server with a password answers NOAUTH to the first command when none was sent.
    let connected = match connected {
        Ok(mut c) => match redis::cmd("PING").query_async::<String>(&mut c).await {
            Ok(_) => Ok(c),
            Err(e) => Err(explain(&e, s, host, &at)),
        },
        Err(e) => Err(e),
    };
    let mut conn = match connected {
        Ok(c) => {
            let who = match (user.is_empty(), s.has_secret("password")) {
                (false, _) => format!("authenticated as ACL user {user}"),
                (true, true) => "authenticated with the server password".to_owned(),
                (true, false) => "connected without a password".to_owned(),
            };
            let tls = if s.text("tls") == "off" {
                ""
            } else {
                " over TLS"
            };
            report.step(Ok(format!("{who} on {at}{tls}")));
            c
        }
        Err(e) => return report.step(Err(e)),
    };
    let checked = net::bounded(IO_TIMEOUT, &at, async {
        let pong: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .map_err(|e| explain(&e, s, host, &at))?;
        let whoami = match redis::cmd("ACL")
            .arg("WHOAMI")
            .query_async::<String>(&mut conn)
            .await
        {
            Ok(name) => format!("ACL WHOAMI → {name}"),
            Err(e) if e.code() == Some("NOPERM") => {
                "ACL WHOAMI not permitted for this user".to_owned()
            }
            Err(e) => format!(
                "ACL WHOAMI unavailable ({})",
                e.code().unwrap_or("older server")
            ),
        };
        Ok(format!("PING → {pong}; {whoami}"))
    })
    .await;
    report.step(checked);
}

fn client(s: &Settings, host: &str, port: u16) -> Result<Client, ConnectorError> {
    let db: i64 = match s.text("db") {
        "" => 0,
        n => n.parse().map_err(|_| {
            ConnectorError::new(
                ErrorCode::InvalidSetting,
                format!("the database number \"{n}\" is not a number"),
                "set Database number to 0–15 (or leave it empty)",
            )
        })?,
    };
    let mut redis_settings = RedisConnectionInfo::default()
        .set_db(db)
        .set_skip_set_lib_name();
    if !s.text("username").is_empty() {
        redis_settings = redis_settings.set_username(s.text("username"));
    }
    if s.has_secret("password") {
        redis_settings = redis_settings.set_password(s.secret("password"));
    }
    let tls = s.text("tls");
    let addr = if tls == "off" {
        ConnectionAddr::Tcp(host.to_owned(), port)
    } else {
        ConnectionAddr::TcpTls {
            host: host.to_owned(),
            port,
            insecure: false,
            tls_params: None,
        }
    };
    let info = addr
        .into_connection_info()
        .map_err(|e| {
            ConnectorError::new(
                ErrorCode::InvalidSetting,
                e.to_string(),
                "check host and port",
            )
        })?
        .set_redis_settings(redis_settings);
    let built = match crate::read_ca(s, "ca_file")? {
        Some(ca) if tls != "off" => Client::build_with_tls(
            info,
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(ca),
            },
        ),
        _ => Client::open(info),
    };
    built.map_err(|e| {
        ConnectorError::new(
            ErrorCode::InvalidSetting,
            e.to_string(),
            "check the TLS settings",
        )
    })
}

fn explain(e: &redis::RedisError, s: &Settings, host: &str, at: &str) -> ConnectorError {
    let user = s.text("username");
    let who = if user.is_empty() {
        "the server password (requirepass)".to_owned()
    } else {
        format!("the password of ACL user \"{user}\"")
    };
    let text = e.to_string();
    if e.kind() == redis::ErrorKind::AuthenticationFailed {
        return bad_login(e, &who);
    }
    match e.code() {
        Some("WRONGPASS") => bad_login(e, &who),
        Some("ERR")
            if text.contains("invalid username-password") || text.contains("invalid password") =>
        {
            bad_login(e, &who)
        }
        None | Some("ERR")
            if text
                .to_lowercase()
                .contains("without any password configured") =>
        {
            ConnectorError::new(
                ErrorCode::BadCredentials,
                "the server has no password, but one was sent",
                "leave the password empty, or set requirepass on the server",
            )
        }
        Some("NOAUTH") => ConnectorError::new(
            ErrorCode::BadCredentials,
            "the server requires a password (NOAUTH), and none is set",
            "set the password (or an ACL user and its password)",
        ),
        Some("NOPERM") => ConnectorError::new(
            ErrorCode::AccessDenied,
            format!("the ACL denies this: {}", e.detail().unwrap_or("NOPERM")),
            format!("allow the command for ACL user \"{user}\" (ACL SETUSER {user} +ping)"),
        ),
        Some(code) => ConnectorError::new(
            ErrorCode::Failed,
            format!("{code} {}", e.detail().unwrap_or("")),
            "see the server's log",
        ),
        None => net::classify(&net::chain(e), host, at, "Redis"),
    }
}

fn bad_login(e: &redis::RedisError, who: &str) -> ConnectorError {
    let why = e
        .detail()
        .map(str::to_owned)
        .unwrap_or_else(|| "a wrong password, or a server without a password".into());
    ConnectorError::new(
        ErrorCode::BadCredentials,
        format!("the server refused the login: {why}"),
        format!(
            "check {who} (or the secret it comes from) and the user name; leave the password empty for a server without one"
        ),
    )
}
