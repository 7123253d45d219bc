//! SMTP: connect with STARTTLS or implicit TLS, `EHLO` and `AUTH` (PLAIN or LOGIN) in
//! step 3; `NOOP` in step 4. No mail is ever sent.

use latchkey_core::ErrorCode;
use latchkey_core::{ConnectionKind, FieldKind::*, FieldSpec, TypeSpec};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::Noop;
use lettre::transport::smtp::extension::ClientId;

use crate::{CONNECT_TIMEOUT, ConnectorError, IO_TIMEOUT, Reporter, Settings, net};

pub fn spec() -> TypeSpec {
    TypeSpec {
        kind: ConnectionKind::Smtp,
        label: "SMTP".into(),
        description:
            "A mail server's submission port: log in and check the session; no mail is sent.".into(),
        group: "Servers".into(),
        fields: vec![
            FieldSpec::new("host", "Host", Host, true).placeholder("smtp.example.com"),
            FieldSpec::new("port", "Port", Port, true)
                .default("587")
                .help("587 for STARTTLS, 465 for implicit TLS, 25 between servers."),
            FieldSpec::new("security", "Security", Choice, true)
                .default("starttls")
                .choices(&[
                    ("starttls", "STARTTLS (upgrade after connecting)"),
                    ("tls", "implicit TLS (SMTPS)"),
                    ("none", "none — plain text (test servers only)"),
                ]),
            FieldSpec::new("user", "User", Text, false)
                .placeholder("alerts@example.com")
                .help("Empty: connect without logging in."),
            FieldSpec::new("password", "Password", Credential, false),
            FieldSpec::new("mechanism", "AUTH mechanism", Choice, true)
                .default("auto")
                .advanced()
                .choices(&[
                    ("auto", "automatic (PLAIN, then LOGIN)"),
                    ("plain", "PLAIN"),
                    ("login", "LOGIN"),
                ]),
            FieldSpec::new("ca_file", "CA certificate", Path, false)
                .destination(true)
                .when("security", &["starttls", "tls"])
                .advanced()
                .placeholder("/etc/ssl/certs/mail-ca.pem")
                .help("PEM file of a private CA to trust besides the system's."),
        ],
    }
}

pub(crate) async fn run(s: &Settings, report: &mut (dyn Reporter + Send)) {
    let host = s.text("host");
    let port = s.port("port", 587);
    let at = net::at(host, port);
    let security = s.text("security");
    let tls = if security == "none" {
        None
    } else {
        match tls_parameters(s, host) {
            Ok(t) => Some(t),
            Err(e) => return report.step(Err(e)),
        }
    };
    let hello = ClientId::Domain("latchkey.localhost".into());
    let login = net::bounded(CONNECT_TIMEOUT + IO_TIMEOUT, &at, async {
        let implicit = if security == "tls" { tls.clone() } else { None };
        let mut conn = AsyncSmtpConnection::connect_tokio1((host, port), Some(CONNECT_TIMEOUT), &hello, implicit, None)
            .await
            .map_err(|e| explain(&e, s, &at, "connecting"))?;
        if security == "starttls" {
            if !conn.can_starttls() {
                conn.abort().await;
                return Err(ConnectorError::new(
                    ErrorCode::Tls,
                    format!("{at} does not offer STARTTLS"),
                    "choose implicit TLS (port 465) if the server expects TLS from the start, or \"none\" for a test server",
                ));
            }
            conn.starttls(tls.clone().expect("built above"), &hello)
                .await
                .map_err(|e| explain(&e, s, &at, "STARTTLS"))?;
        }
        let user = s.text("user");
        let how = if user.is_empty() {
            "without logging in".to_owned()
        } else {
            let mechanisms: &[Mechanism] = match s.text("mechanism") {
                "plain" => &[Mechanism::Plain],
                "login" => &[Mechanism::Login],
                _ => &[Mechanism::Plain, Mechanism::Login],
            };
            let credentials = Credentials::new(user.to_owned(), s.secret("password").to_owned());
            conn.auth(mechanisms, &credentials)
                .await
                .map_err(|e| explain(&e, s, &at, "AUTH"))?;
            format!("AUTH as {user}")
        };
        let tls_word = match security {
            "starttls" => "STARTTLS",
            "tls" => "implicit TLS",
            _ => "no TLS",
        };
        Ok((conn, format!("EHLO, {tls_word}, {how} on {at}")))
    })
    .await;
    let mut conn = match login {
        Ok((conn, detail)) => {
            report.step(Ok(detail));
            conn
        }
        Err(e) => return report.step(Err(e)),
    };
    let noop = net::bounded(IO_TIMEOUT, &at, async {
        let answer = conn
            .command(Noop)
            .await
            .map_err(|e| explain(&e, s, &at, "NOOP"))?;
        Ok(format!(
            "NOOP → {}; the server offers {}",
            answer.code(),
            conn.server_info()
        ))
    })
    .await;
    report.step(noop);
    let _ = tokio::time::timeout(IO_TIMEOUT, conn.quit()).await;
}

fn tls_parameters(s: &Settings, host: &str) -> Result<TlsParameters, ConnectorError> {
    let mut builder = TlsParameters::builder(host.to_owned());
    if let Some(pem) = crate::read_ca(s, "ca_file")? {
        let cert = Certificate::from_pem(&pem).map_err(|e| {
            ConnectorError::new(
                ErrorCode::InvalidSetting,
                format!("the CA certificate cannot be read: {e}"),
                "use a PEM certificate file",
            )
        })?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build_rustls().map_err(|e| {
        ConnectorError::new(
            ErrorCode::InvalidSetting,
            e.to_string(),
            "check the TLS settings",
        )
    })
}

fn explain(
    e: &lettre::transport::smtp::Error,
    s: &Settings,
    at: &str,
    during: &str,
) -> ConnectorError {
    let text = net::chain(e);
    let user = s.text("user");
    if let Some(code) = e.status() {
        let code_text = code.to_string();
        return match code_text.as_str() {
            "535" | "534" => ConnectorError::new(
                ErrorCode::BadCredentials,
                format!(
                    "{during}: the server refused the login ({code_text}): {}",
                    net::first_line(&text)
                ),
                format!(
                    "check the password of \"{user}\" (or the secret it comes from) and the user name; some providers need an app password"
                ),
            ),
            "538" | "530" => ConnectorError::new(
                ErrorCode::Tls,
                format!("{during}: the server requires encryption before login ({code_text})"),
                "choose STARTTLS or implicit TLS",
            ),
            "504" => ConnectorError::new(
                ErrorCode::InvalidSetting,
                format!("{during}: the server does not support this AUTH mechanism ({code_text})"),
                "set AUTH mechanism to automatic, or the one the server lists",
            ),
            _ => ConnectorError::new(
                ErrorCode::Failed,
                format!("{during}: {text}"),
                "see the mail server's log",
            ),
        };
    }
    if text.contains("No compatible authentication mechanism") {
        return ConnectorError::new(
            ErrorCode::InvalidSetting,
            format!("{during}: the server offers no AUTH mechanism Latchkey may use here"),
            "use STARTTLS or implicit TLS (servers offer AUTH only over TLS), or another AUTH mechanism",
        );
    }
    if e.is_timeout() {
        return net::timeout(at, IO_TIMEOUT);
    }
    let mut err = net::classify(&text, s.text("host"), at, "a mail server");
    if err.code == ErrorCode::Failed && e.is_tls() {
        err.code = ErrorCode::Tls;
        err.fix = "match the security setting to the port (465: implicit TLS, 587: STARTTLS) and set the CA certificate for a private CA".into();
    }
    err
}
