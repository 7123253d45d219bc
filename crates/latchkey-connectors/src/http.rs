//! HTTP APIs: a base URL, an auth scheme and a health path. Step 3 sends the health
//! request with the credentials (OAuth2 client credentials first fetch a token) and
//! checks they were accepted; step 4 reports the status, the latency and any redirect.

use latchkey_core::ErrorCode;
use std::time::{Duration, Instant};

use latchkey_core::{ConnectionKind, FieldKind::*, FieldSpec, TypeSpec};
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use crate::{CONNECT_TIMEOUT, ConnectorError, IO_TIMEOUT, Reporter, Settings, net};

const SCHEMES: &[(&str, &str)] = &[
    ("none", "None"),
    ("basic", "Basic (user name and password)"),
    ("bearer", "Bearer token"),
    ("api_key", "API key"),
    ("oauth2", "OAuth2 client credentials"),
];

pub fn spec() -> TypeSpec {
    TypeSpec {
        kind: ConnectionKind::Http,
        label: "HTTP API".into(),
        description: "Any HTTP or REST API: Basic, Bearer, API key or OAuth2 client credentials."
            .into(),
        group: "Web and APIs".into(),
        fields: vec![
            FieldSpec::new("base_url", "Base URL", Url, true)
                .placeholder("https://api.example.com")
                .help("The API's root; the health path is appended to it."),
            FieldSpec::new("auth", "Authentication", Choice, true)
                .default("bearer")
                .choices(SCHEMES),
            FieldSpec::new("username", "User name", Text, true).when("auth", &["basic"]),
            FieldSpec::new("password", "Password", Credential, true).when("auth", &["basic"]),
            FieldSpec::new("token", "Token", Credential, true)
                .when("auth", &["bearer"])
                .help("Sent as \"Authorization: Bearer …\"."),
            FieldSpec::new("api_key_in", "Send the key in", Choice, true)
                .when("auth", &["api_key"])
                .default("header")
                .choices(&[("header", "a header"), ("query", "a query parameter")]),
            FieldSpec::new("api_key_name", "Header or parameter name", Text, true)
                .when("auth", &["api_key"])
                .default("X-API-Key"),
            FieldSpec::new("api_key", "API key", Credential, true).when("auth", &["api_key"]),
            FieldSpec::new("token_url", "Token URL", Url, true)
                .when("auth", &["oauth2"])
                .placeholder("https://login.example.com/oauth2/token"),
            FieldSpec::new("client_id", "Client ID", Text, true).when("auth", &["oauth2"]),
            FieldSpec::new("client_secret", "Client secret", Credential, true)
                .when("auth", &["oauth2"]),
            FieldSpec::new("scopes", "Scopes", Text, false)
                .when("auth", &["oauth2"])
                .placeholder("read:status api://app/.default")
                .help("Space-separated; empty = the client's default scopes."),
            FieldSpec::new("client_auth", "Send the client credentials", Choice, true)
                .when("auth", &["oauth2"])
                .default("basic")
                .advanced()
                .choices(&[
                    (
                        "basic",
                        "in an Authorization: Basic header (client_secret_basic)",
                    ),
                    ("body", "in the form body (client_secret_post)"),
                ]),
            FieldSpec::new("health_path", "Health path", Text, true)
                .default("/")
                .placeholder("/health")
                .help("Requested with GET; a 2xx answer passes."),
            FieldSpec::new("follow_redirects", "Redirects", Choice, true)
                .default("follow")
                .advanced()
                .choices(&[
                    ("follow", "follow (up to 10)"),
                    ("refuse", "report them as a failure"),
                ]),
            FieldSpec::new("ca_file", "CA certificate", Path, false)
                .destination(true)
                .advanced()
                .placeholder("/etc/ssl/certs/internal-ca.pem")
                .help("PEM file of a private CA to trust besides the system's."),
        ],
    }
}

/// The HTTP client a connection uses: bounded timeouts, its CA, its redirect policy.
/// Redirects to another host are not followed: reqwest would carry an API key header or
/// query there (it strips only `Authorization` and cookies).
pub(crate) fn client(s: &Settings, follow: bool) -> Result<reqwest::Client, ConnectorError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(IO_TIMEOUT)
        .user_agent(concat!("Latchkey/", env!("CARGO_PKG_VERSION")))
        .redirect(if follow {
            reqwest::redirect::Policy::custom(|attempt| {
                let first = attempt
                    .previous()
                    .first()
                    .map(|u| (u.host_str().map(str::to_owned), u.port_or_known_default()));
                let next = (
                    attempt.url().host_str().map(str::to_owned),
                    attempt.url().port_or_known_default(),
                );
                if attempt.previous().len() > 10 {
                    attempt.error("more than 10 redirects")
                } else if first.is_some_and(|f| f != next) {
                    attempt.stop()
                } else {
                    attempt.follow()
                }
            })
        } else {
            reqwest::redirect::Policy::none()
        });
    if let Some(pem) = crate::read_ca(s, "ca_file")? {
        let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
            ConnectorError::new(
                ErrorCode::InvalidSetting,
                format!("the CA certificate cannot be read: {e}"),
                "use a PEM certificate file",
            )
        })?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build().map_err(|e| {
        ConnectorError::new(
            ErrorCode::InvalidSetting,
            net::chain(&e),
            "check the TLS settings",
        )
    })
}

/// Joins the base URL and a path ("/health", "health", "?x=1").
pub(crate) fn join(base: &str, path: &str) -> Result<Url, ConnectorError> {
    let base = base.trim_end_matches('/');
    let path = path.trim();
    let text = if path.is_empty() || path == "/" {
        format!("{base}/")
    } else if path.starts_with('/') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    };
    Url::parse(&text).map_err(|e| {
        ConnectorError::new(
            ErrorCode::InvalidSetting,
            format!("\"{text}\" is not a URL: {e}"),
            "check the base URL and the path",
        )
    })
}

/// A transport failure, in words. The error's URL is dropped first: it may carry an API
/// key in its query.
pub(crate) fn explain(e: reqwest::Error, url: &Url) -> ConnectorError {
    let e = e.without_url();
    let host = url.host_str().unwrap_or("");
    let at = net::at(host, url.port_or_known_default().unwrap_or(443));
    if e.is_timeout() {
        return net::timeout(&at, IO_TIMEOUT);
    }
    if e.is_redirect() {
        return ConnectorError::new(
            ErrorCode::Redirect,
            format!("{url} redirects too often (a loop?)"),
            "use the final URL as the base URL",
        );
    }
    let text = net::chain(&e);
    let mut err = net::classify(&text, host, &at, "the web server");
    if err.code == ErrorCode::Tls && text.to_lowercase().contains("unknownissuer") {
        err.cause =
            format!("the certificate of {at} is signed by a CA this computer does not trust");
        err.fix = "set the CA certificate (Advanced) to the PEM file of the server's issuer".into();
    } else if err.code == ErrorCode::Failed
        && url.scheme() == "https"
        && text.to_lowercase().contains("invalid")
    {
        err.code = ErrorCode::Tls;
        err.fix = "check whether the server speaks HTTPS on that port (or use http://)".into();
    }
    err
}

pub(crate) async fn run(s: &Settings, report: &mut (dyn Reporter + Send)) {
    let follow = s.text("follow_redirects") != "refuse";
    let url = match join(s.text("base_url"), s.text("health_path")) {
        Ok(u) => u,
        Err(e) => return report.step(Err(e)),
    };
    let client = match client(s, follow) {
        Ok(c) => c,
        Err(e) => return report.step(Err(e)),
    };
    let scheme = s.text("auth");
    let mut how = match scheme {
        "basic" => format!("Basic as {}", s.text("username")),
        "bearer" => "Bearer token".to_owned(),
        "api_key" => format!(
            "API key in {} \"{}\"",
            s.text("api_key_in"),
            s.text("api_key_name")
        ),
        "oauth2" => String::new(),
        _ => "no authentication".to_owned(),
    };
    let mut request = client.get(url.clone());
    match scheme {
        "basic" => request = request.basic_auth(s.text("username"), Some(s.secret("password"))),
        "bearer" => request = request.bearer_auth(s.secret("token")),
        "api_key" if s.text("api_key_in") == "query" => {
            request = request.query(&[(s.text("api_key_name"), s.secret("api_key"))]);
        }
        "api_key" => {
            let name =
                match reqwest::header::HeaderName::from_bytes(s.text("api_key_name").as_bytes()) {
                    Ok(n) => n,
                    Err(_) => {
                        return report.step(Err(ConnectorError::new(
                            ErrorCode::InvalidSetting,
                            format!("\"{}\" is not a valid header name", s.text("api_key_name")),
                            "use letters, digits and hyphens, such as X-API-Key",
                        )));
                    }
                };
            request = request.header(name, s.secret("api_key"));
        }
        "oauth2" => match oauth2_token(&client, s).await {
            Ok((token, about)) => {
                how = about;
                request = request.bearer_auth(token);
            }
            Err(e) => return report.step(Err(e)),
        },
        _ => {}
    }
    let started = Instant::now();
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return report.step(Err(explain(e, &url))),
    };
    let latency = started.elapsed();
    let status = response.status();
    let final_url = response.url().clone();
    let challenge = response
        .headers()
        .get(reqwest::header::WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(|v| format!(" (WWW-Authenticate: {v})"))
        .unwrap_or_default();
    if status == StatusCode::UNAUTHORIZED {
        let field = match scheme {
            "basic" => "the user name and password",
            "bearer" => "the token",
            "api_key" => "the API key and where it is sent",
            "oauth2" => "the scopes and audience the API expects",
            _ => "the authentication: the API requires one",
        };
        return report.step(Err(ConnectorError::new(
            ErrorCode::BadCredentials,
            format!("GET {} → 401 Unauthorized{challenge}", final_url.path()),
            format!("check {field} (or the secret it comes from)"),
        )));
    }
    report.step(Ok(format!(
        "{} answered; credentials sent: {how}",
        net::at(
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(443)
        )
    )));
    report.step(judge(status, &url, &final_url, latency, response.headers()));
}

/// Step 4: is the health answer good?
fn judge(
    status: StatusCode,
    asked: &Url,
    final_url: &Url,
    latency: Duration,
    headers: &reqwest::header::HeaderMap,
) -> Result<String, ConnectorError> {
    let ms = latency.as_millis();
    let line = format!("GET {} → {status} in {ms} ms", final_url.path());
    let redirected = if (final_url.host_str(), final_url.port(), final_url.path())
        != (asked.host_str(), asked.port(), asked.path())
    {
        format!(" (redirected from {asked})")
    } else {
        String::new()
    };
    if status.is_success() {
        return Ok(format!("{line}{redirected}"));
    }
    let (code, fix) = if status.is_redirection() {
        // Only scheme, host and path of the target: its query may repeat an API key.
        let to = headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| final_url.join(v).ok())
            .map(|u| {
                format!(
                    "{}://{}{}",
                    u.scheme(),
                    u.host_str().unwrap_or(""),
                    u.path()
                )
            })
            .unwrap_or_else(|| "?".into());
        let other_host = !to.starts_with(&format!(
            "{}://{}",
            final_url.scheme(),
            final_url.host_str().unwrap_or("")
        ));
        return Err(ConnectorError::new(
            ErrorCode::Redirect,
            format!("{line}: redirects to {to}"),
            if other_host {
                "the API moved to another host: use that address as the base URL (credentials are never sent to another host on a redirect)"
            } else {
                "set Redirects to \"follow\", or use that address as the base URL"
            },
        ));
    } else if status == StatusCode::FORBIDDEN {
        (
            ErrorCode::AccessDenied,
            "the credentials are valid but may not read this path: grant the account access, or pick another health path",
        )
    } else if status == StatusCode::NOT_FOUND {
        (
            ErrorCode::NotFound,
            "check the health path (and the base URL)",
        )
    } else if status.is_server_error() {
        (
            ErrorCode::ServerError,
            "the API itself is failing: see its status page or logs",
        )
    } else {
        (
            ErrorCode::Failed,
            "check the health path and the API's documentation",
        )
    };
    Err(ConnectorError::new(
        code,
        format!("{line}{redirected}"),
        fix,
    ))
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<u64>,
    error: Option<String>,
    error_description: Option<String>,
}

/// OAuth2 client credentials grant (RFC 6749 §4.4). Returns the token and a line
/// describing it (never the token itself).
async fn oauth2_token(
    client: &reqwest::Client,
    s: &Settings,
) -> Result<(String, String), ConnectorError> {
    let url = Url::parse(s.text("token_url")).map_err(|e| {
        ConnectorError::new(
            ErrorCode::InvalidSetting,
            format!("the token URL is not a URL: {e}"),
            "check the token URL",
        )
    })?;
    let mut form = vec![("grant_type", "client_credentials")];
    if !s.text("scopes").is_empty() {
        form.push(("scope", s.text("scopes")));
    }
    let mut request = client.post(url.clone());
    if s.text("client_auth") == "body" {
        form.push(("client_id", s.text("client_id")));
        form.push(("client_secret", s.secret("client_secret")));
    } else {
        request = request.basic_auth(s.text("client_id"), Some(s.secret("client_secret")));
    }
    let response = request
        .form(&form)
        .send()
        .await
        .map_err(|e| explain(e, &url))?;
    let status = response.status();
    let body: TokenAnswer = response.json().await.map_err(|_| {
        ConnectorError::new(
            ErrorCode::Failed,
            format!("POST {url} → {status}, and the answer is not an OAuth2 token response"),
            "check the token URL (it must be the token endpoint, not the authorize endpoint)",
        )
    })?;
    match (status.is_success(), body.access_token) {
        (true, Some(token)) => {
            let ttl = body
                .expires_in
                .map(|s| format!(", expires in {s} s"))
                .unwrap_or_default();
            let kind = body.token_type.unwrap_or_else(|| "bearer".into());
            Ok((
                token,
                format!(
                    "OAuth2 token from {} ({kind}{ttl})",
                    url.host_str().unwrap_or("")
                ),
            ))
        }
        _ => {
            let error = body.error.unwrap_or_else(|| status.to_string());
            let detail = body
                .error_description
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            let (code, fix) = match error.as_str() {
                "invalid_client" | "unauthorized_client" => (
                    ErrorCode::BadCredentials,
                    "check the client ID and the client secret (or the secret it comes from), and how they are sent (Advanced)",
                ),
                "invalid_scope" => (
                    ErrorCode::AccessDenied,
                    "check the scopes: the authorization server does not grant them to this client",
                ),
                _ => (
                    ErrorCode::Failed,
                    "see the authorization server's documentation for this error",
                ),
            };
            Err(ConnectorError::new(
                code,
                format!("the token endpoint refused: {error}{detail}"),
                fix,
            ))
        }
    }
}
