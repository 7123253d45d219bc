//! The local control API: refresh without the GUI, for rotation scripts.
//!
//! Off by default. When on, it listens on 127.0.0.1 only (and refuses any peer that
//! is not loopback), requires `Authorization: Bearer <token>` (a token the app
//! generates once and keeps in the OS keychain), allows 60 requests a minute, and
//! audits every call, refused ones included.
//!
//! - `POST /api/secrets_management/clear_cache` (no body) clears the whole cache and
//!   answers `{"success": true}`: the call rotation scripts written for other
//!   integration platforms already make.
//! - `POST /api/v1/refresh` with `{"scope": "all"}` (or `{"scope": "connection" |
//!   "provider" | "project", "id": "…"}`, optionally `"test": true`) refreshes and
//!   returns the per-connection results.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use latchkey_core::{AuditOutcome, ExposeSecret, SecretValue, ipc_type};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Engine, EngineError, RefreshScope, Result};

/// Requests allowed per minute (all callers together).
pub const RATE_LIMIT_PER_MINUTE: usize = 60;

/// The keychain handle of the API's bearer token.
const TOKEN_HANDLE: &str = "control-api-token";

#[derive(Clone)]
struct Shared {
    engine: Engine,
    token: Arc<SecretValue>,
    /// When the requests of the last minute arrived.
    recent: Arc<Mutex<Vec<Instant>>>,
}

ipc_type! {
/// The control API as Settings shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ControlApiStatus {
    pub enabled: bool,
    pub port: u16,
    /// `127.0.0.1:PORT` while it listens.
    pub listening: Option<String>,
    /// Why it does not listen although enabled (e.g. the port is taken).
    pub error: Option<String>,
}
}

/// A running control API; it stops when dropped: it accepts nothing more, finishes
/// the requests in flight and closes idle keep-alive connections.
pub struct ControlApi {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for ControlApi {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn reply(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Compares without stopping at the first different byte.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn guard(
    State(s): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let refuse = |status: StatusCode, why: &'static str| {
        let engine = s.engine.clone();
        let path = path.clone();
        async move {
            engine
                .audit("api.refused", path, AuditOutcome::Failed, why.into())
                .await;
            reply(status, json!({"success": false, "error": why}))
        }
    };
    if !peer.ip().is_loopback() {
        return refuse(
            StatusCode::FORBIDDEN,
            "the control API answers loopback callers only",
        )
        .await;
    }
    let limited = {
        let mut recent = s.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.retain(|t| t.elapsed() < Duration::from_secs(60));
        let full = recent.len() >= RATE_LIMIT_PER_MINUTE;
        if !full {
            recent.push(Instant::now());
        }
        full
    };
    if limited {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "rate limit: 60 requests a minute",
        )
        .await;
    }
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same(presented.as_bytes(), s.token.expose_secret().as_bytes()) {
        return refuse(StatusCode::UNAUTHORIZED, "missing or wrong bearer token").await;
    }
    next.run(req).await
}

async fn clear_cache(State(s): State<Shared>) -> Response {
    match s.engine.clear_cache(None).await {
        Ok(n) => {
            s.engine
                .audit(
                    "api.called",
                    "/api/secrets_management/clear_cache".into(),
                    AuditOutcome::Ok,
                    format!("{n} entries cleared"),
                )
                .await;
            reply(StatusCode::OK, json!({"success": true}))
        }
        Err(e) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"success": false, "error": e.to_string()}),
        ),
    }
}

#[derive(Deserialize)]
struct RefreshBody {
    #[serde(flatten)]
    scope: RefreshScope,
    #[serde(default)]
    test: bool,
}

async fn refresh(State(s): State<Shared>, body: String) -> Response {
    let body: RefreshBody = match serde_json::from_str(&body) {
        Ok(b) => b,
        Err(e) => {
            return reply(
                StatusCode::BAD_REQUEST,
                json!({"success": false, "error": format!(
                    "the body must be {{\"scope\": \"all\"}} or {{\"scope\": \"connection\"|\"provider\"|\"project\", \"id\": \"…\"}}, optionally with \"test\": true ({e})"
                )}),
            );
        }
    };
    let result = s.engine.refresh(body.scope, body.test).await;
    let (outcome, detail) = match &result {
        Ok(r) => (AuditOutcome::Ok, format!("{} connections", r.items.len())),
        Err(e) => (AuditOutcome::Failed, e.to_string()),
    };
    s.engine
        .audit("api.called", "/api/v1/refresh".into(), outcome, detail)
        .await;
    match result {
        Ok(report) => reply(
            StatusCode::OK,
            json!({"success": true, "report": serde_json::to_value(&report).unwrap_or_default()}),
        ),
        Err(e) => reply(
            match e {
                EngineError::NotFound(_) => StatusCode::NOT_FOUND,
                EngineError::Validation(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            json!({"success": false, "error": e.to_string()}),
        ),
    }
}

impl Engine {
    /// The control API's bearer token, generated on first use and kept in the keychain.
    pub async fn control_api_token(&self) -> Result<SecretValue> {
        let existing = self
            .keychain(|kc| match kc.get(TOKEN_HANDLE) {
                Ok(v) => Ok(Some(v)),
                Err(latchkey_keychain::KeychainError::NotFound(_)) => Ok(None),
                Err(e) => Err(e),
            })
            .await?;
        if let Some(t) = existing {
            return Ok(t);
        }
        let token = SecretValue::from(format!(
            "lk_{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        ));
        let t = token.clone();
        self.keychain(move |kc| kc.set(TOKEN_HANDLE, &t)).await?;
        Ok(token)
    }

    /// The token for a script, shown once on request: an audited reveal.
    pub async fn reveal_control_api_token(&self) -> Result<SecretValue> {
        let token = self.control_api_token().await?;
        self.audit(
            "api.token_revealed",
            "settings".into(),
            AuditOutcome::Ok,
            "the control API token was shown".into(),
        )
        .await;
        Ok(token)
    }

    /// Turns the control API on or off (the host starts or stops the server).
    pub async fn set_control_api(&self, enabled: bool, port: u16) -> Result<()> {
        if port < 1024 {
            return Err(EngineError::field(
                "control_api_port",
                "Choose a port from 1024 to 65535.",
            ));
        }
        self.store.settings().set_control_api(enabled, port).await?;
        self.audit(
            "api.configured",
            "settings".into(),
            AuditOutcome::Ok,
            format!("{} on 127.0.0.1:{port}", if enabled { "on" } else { "off" }),
        )
        .await;
        Ok(())
    }

    /// Serves the control API on 127.0.0.1:`port` (0 picks a free port).
    pub async fn start_control_api(&self, port: u16) -> Result<ControlApi> {
        let token = Arc::new(self.control_api_token().await?);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| {
                EngineError::field(
                    "control_api_port",
                    format!("127.0.0.1:{port} cannot be used ({e}): choose another port."),
                )
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| EngineError::Internal(e.to_string()))?;
        let shared = Shared {
            engine: self.clone(),
            token,
            recent: Arc::default(),
        };
        let app = Router::new()
            .route("/api/secrets_management/clear_cache", post(clear_cache))
            .route("/api/v1/refresh", post(refresh))
            .layer(middleware::from_fn_with_state(shared.clone(), guard))
            .with_state(shared);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            let served = axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            match served {
                Ok(()) => tracing::info!(%addr, "control API stopped"),
                Err(e) => tracing::error!(error = %e, "control API failed"),
            }
        });
        tracing::info!(%addr, "control API listening");
        Ok(ControlApi {
            addr,
            stop: Some(stop),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_compare_whole() {
        assert!(super::same(b"abc", b"abc"));
        assert!(!super::same(b"abc", b"abd"));
        assert!(!super::same(b"abc", b"ab"));
        assert!(!super::same(b"", b"a"));
    }
}
