//! A local HTTP(S) API for the HTTP API and Jira connection tests: one route per auth
//! scheme, an OAuth2 token endpoint (client credentials, RFC 6749 §4.4), redirects,
//! and Jira's `myself` / `mypermissions` endpoints (Cloud v3 with e-mail + API token,
//! Data Center v2 with a personal access token), answering as the real services do.
//! Every credential is random per server, so tests can search for it as a canary.
//!
//! Routes (each `…/health` answers `{"status":"ok"}` when the credentials match,
//! `401` with a `WWW-Authenticate` challenge otherwise):
//! - `/open/health` — no auth; `/basic/health`; `/bearer/health`;
//!   `/apikey/health` (header `X-API-Key` or query `api_key`); `/oauth/health` (a
//!   token from `POST /oauth/token`)
//! - `/moved/health` → `302` to `/bearer/health`; `/away/health` → `302` to another
//!   host (`localhost`) with the API key in the query; `/forbidden/health` → `403` with a
//!   valid bearer token; `/broken/health` → `500`
//! - `/rest/api/3/myself`, `/rest/api/2/myself`, `/rest/api/{2,3}/mypermissions`

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use crate::tls;

/// The credentials the server accepts (random per server).
#[derive(Clone, Debug)]
pub struct ApiCredentials {
    pub basic_user: String,
    pub basic_password: String,
    pub bearer_token: String,
    pub api_key: String,
    pub client_id: String,
    pub client_secret: String,
    pub jira_email: String,
    pub jira_api_token: String,
    pub jira_pat: String,
}

struct Shared {
    creds: ApiCredentials,
    /// Access tokens the token endpoint issued.
    issued: Mutex<Vec<String>>,
    /// (method, path, query) of every request, in order.
    log: Mutex<Vec<String>>,
    /// Whether the Jira account may browse projects.
    browse: Mutex<bool>,
    /// The same server under another host name (`localhost` instead of `127.0.0.1`).
    other_host: Mutex<String>,
}

/// A running server; it stops when dropped.
pub struct ApiServer {
    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` (no trailing slash).
    pub url: String,
    pub creds: ApiCredentials,
    /// The CA of an HTTPS server, PEM.
    pub ca_pem: Option<String>,
    shared: Arc<Shared>,
    ca_file: Option<tempfile::NamedTempFile>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn random(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

impl ApiServer {
    /// Starts on a free port of 127.0.0.1; over HTTPS with a fresh CA when `https`.
    pub async fn start(https: bool) -> Self {
        let creds = ApiCredentials {
            basic_user: "svc-monitor".into(),
            basic_password: random("basic-pw"),
            bearer_token: random("bearer"),
            api_key: random("apikey"),
            client_id: "latchkey-client".into(),
            client_secret: random("client-secret"),
            jira_email: "admin@example.test".into(),
            jira_api_token: random("jira-api-token"),
            jira_pat: random("jira-pat"),
        };
        let shared = Arc::new(Shared {
            creds: creds.clone(),
            issued: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            browse: Mutex::new(true),
            other_host: Mutex::new(String::new()),
        });
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = tcp.local_addr().expect("local addr").port();
        let scheme = if https { "https" } else { "http" };
        *shared.other_host.lock().expect("other host") = format!("{scheme}://localhost:{port}");
        let app = router(shared.clone());
        let (url, ca_pem, task) = if https {
            let certificates = tls::Certificates::generate();
            let listener = tls::TlsListener::new(tcp, certificates.server_config());
            let task = tokio::spawn(async move {
                axum::serve(listener, app).await.expect("serve");
            });
            (
                format!("https://127.0.0.1:{port}"),
                Some(certificates.ca_pem),
                task,
            )
        } else {
            let task = tokio::spawn(async move {
                axum::serve(tcp, app.into_make_service_with_connect_info::<SocketAddr>())
                    .await
                    .expect("serve");
            });
            (format!("http://127.0.0.1:{port}"), None, task)
        };
        let ca_file = ca_pem.as_ref().map(|pem| {
            let file = tempfile::Builder::new()
                .prefix("latchkey-api-ca-")
                .suffix(".pem")
                .tempfile()
                .expect("create the CA file");
            std::fs::write(file.path(), pem).expect("write the CA file");
            file
        });
        Self {
            url,
            creds,
            ca_pem,
            shared,
            ca_file,
            task,
        }
    }

    /// The CA file of an HTTPS server.
    pub fn ca_path(&self) -> Option<String> {
        self.ca_file
            .as_ref()
            .map(|f| f.path().display().to_string())
    }

    /// Every request so far as "METHOD /path?query".
    pub fn requests(&self) -> Vec<String> {
        self.shared.log.lock().expect("log").clone()
    }

    /// Whether the Jira account has BROWSE_PROJECTS.
    pub fn set_jira_browse(&self, allowed: bool) {
        *self.shared.browse.lock().expect("browse") = allowed;
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{scheme}/health", get(health))
        .route("/oauth/token", post(token))
        .route("/rest/api/{version}/myself", get(jira_myself))
        .route("/rest/api/{version}/mypermissions", get(jira_permissions))
        .with_state(shared)
}

fn record(shared: &Shared, method: &str, path: &str, query: &HashMap<String, String>) {
    let mut q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    q.sort();
    shared
        .log
        .lock()
        .expect("log")
        .push(format!("{method} {path}?{}", q.join("&")));
}

/// The `Authorization` header's (scheme, rest).
fn authorization(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    Some((scheme.to_ascii_lowercase(), rest.trim().to_owned()))
}

fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let (scheme, rest) = authorization(headers)?;
    if scheme != "basic" {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    match authorization(headers)? {
        (scheme, token) if scheme == "bearer" => Some(token),
        _ => None,
    }
}

fn challenge(scheme: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            format!("{scheme} realm=\"latchkey-test\""),
        )],
        Json(json!({"error": "unauthorized"})),
    )
        .into_response()
}

async fn health(
    State(shared): State<Arc<Shared>>,
    Path(scheme): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    record(&shared, "GET", &format!("/{scheme}/health"), &query);
    let c = &shared.creds;
    let ok = Json(json!({"status": "ok"})).into_response();
    let good_bearer = bearer(&headers).as_deref() == Some(c.bearer_token.as_str());
    match scheme.as_str() {
        "open" => ok,
        "basic" if basic(&headers) == Some((c.basic_user.clone(), c.basic_password.clone())) => ok,
        "basic" => challenge("Basic"),
        "bearer" if good_bearer => ok,
        "bearer" => challenge("Bearer"),
        "apikey" => {
            let header_key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
            if header_key == Some(c.api_key.as_str()) || query.get("api_key") == Some(&c.api_key) {
                ok
            } else {
                challenge("ApiKey")
            }
        }
        "oauth" => {
            let token = bearer(&headers).unwrap_or_default();
            if shared.issued.lock().expect("issued").contains(&token) {
                ok
            } else {
                (
                    StatusCode::UNAUTHORIZED,
                    [(
                        header::WWW_AUTHENTICATE,
                        "Bearer error=\"invalid_token\"".to_owned(),
                    )],
                    Json(json!({"error": "invalid_token"})),
                )
                    .into_response()
            }
        }
        "moved" => (StatusCode::FOUND, [(header::LOCATION, "/bearer/health")]).into_response(),
        "away" => {
            // To another host, repeating the API key in the query as some gateways do.
            let to = format!(
                "{}/apikey/health?api_key={}",
                shared.other_host.lock().expect("other host"),
                c.api_key
            );
            (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
        }
        "forbidden" if good_bearer => {
            (StatusCode::FORBIDDEN, Json(json!({"error": "forbidden"}))).into_response()
        }
        "forbidden" => challenge("Bearer"),
        "broken" => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
        _ => (StatusCode::NOT_FOUND, Json(json!({"error": "not found"}))).into_response(),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

/// RFC 6749 §4.4 and §5.2: client authentication by Basic header or form body.
async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    record(&shared, "POST", "/oauth/token", &HashMap::new());
    let oauth_error = |status: StatusCode, error: &str, description: &str| {
        (
            status,
            [(header::CACHE_CONTROL, "no-store")],
            Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    if form.grant_type.as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials",
        );
    }
    let (id, secret) = match basic(&headers) {
        Some(pair) => pair,
        None => (
            form.client_id.unwrap_or_default(),
            form.client_secret.unwrap_or_default(),
        ),
    };
    if id != shared.creds.client_id || secret != shared.creds.client_secret {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    if form
        .scope
        .as_deref()
        .is_some_and(|s| s.split(' ').any(|s| s == "admin"))
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The scope admin is not granted to this client.",
        );
    }
    let access = random("access");
    shared.issued.lock().expect("issued").push(access.clone());
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"access_token": access, "token_type": "Bearer", "expires_in": 3600, "scope": form.scope.unwrap_or_default()})),
    )
        .into_response()
}

/// Which Jira flavour accepts these headers: v3 (Cloud) takes Basic e-mail + API token,
/// v2 (Data Center) a Bearer personal access token.
fn jira_user(shared: &Shared, version: &str, headers: &HeaderMap) -> bool {
    let c = &shared.creds;
    match version {
        "3" => basic(headers) == Some((c.jira_email.clone(), c.jira_api_token.clone())),
        "2" => bearer(headers).as_deref() == Some(c.jira_pat.as_str()),
        _ => false,
    }
}

fn jira_unauthorized() -> Response {
    // What Jira answers to a request without valid credentials.
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "OAuth realm=\"https%3A%2F%2Fexample.atlassian.net\"")],
        Json(json!({"errorMessages": ["You are not authenticated. Authentication required to perform this operation."], "errors": {}})),
    )
        .into_response()
}

async fn jira_myself(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Response {
    record(
        &shared,
        "GET",
        &format!("/rest/api/{version}/myself"),
        &HashMap::new(),
    );
    if !jira_user(&shared, &version, &headers) {
        return jira_unauthorized();
    }
    let email = shared.creds.jira_email.clone();
    let body = if version == "3" {
        json!({
            "self": "https://example.atlassian.net/rest/api/3/user?accountId=5b10ac8d82e05b22cc7d4ef5",
            "accountId": "5b10ac8d82e05b22cc7d4ef5",
            "accountType": "atlassian",
            "emailAddress": email,
            "displayName": "Latchkey Admin",
            "active": true,
            "timeZone": "Europe/Paris",
            "locale": "en_US"
        })
    } else {
        json!({
            "self": "https://jira.example.test/rest/api/2/user?username=latchkey",
            "key": "JIRAUSER10100",
            "name": "latchkey",
            "emailAddress": email,
            "displayName": "Latchkey Admin",
            "active": true,
            "timeZone": "Europe/Paris",
            "locale": "en_US"
        })
    };
    Json(body).into_response()
}

async fn jira_permissions(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    record(
        &shared,
        "GET",
        &format!("/rest/api/{version}/mypermissions"),
        &query,
    );
    if !jira_user(&shared, &version, &headers) {
        return jira_unauthorized();
    }
    let Some(wanted) = query.get("permissions") else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"errorMessages": ["The permissions query parameter is required."], "errors": {}})),
        )
            .into_response();
    };
    let have = *shared.browse.lock().expect("browse");
    let mut permissions = serde_json::Map::new();
    for key in wanted.split(',') {
        permissions.insert(
            key.to_owned(),
            json!({"id": "10", "key": key, "name": "Browse Projects", "type": "PROJECT", "description": "Ability to browse projects and the issues within them.", "havePermission": key == "BROWSE_PROJECTS" && have}),
        );
    }
    Json(json!({"permissions": permissions})).into_response()
}
