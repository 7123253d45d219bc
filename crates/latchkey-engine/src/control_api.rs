//! The local control API: refresh without the GUI, for rotation scripts.
//!
//! Off by default. When on, it listens on 127.0.0.1 only (and refuses any peer that
//! is not loopback), requires `Authorization: Bearer <token>` (a token the app
//! generates once and keeps in the OS keychain), allows 60 authenticated requests a
//! minute, and audits every call.
//!
//! The order of the checks is the point: a request that is not from loopback, names
//! another host (DNS rebinding), comes from a browser (`Origin`, or `Sec-Fetch-Site`
//! other than `none`) or lacks the token costs nothing — it does not use the real
//! caller's rate budget and does not write an audit row each: refusals are counted and
//! summarised in one row a minute at most. Unknown paths get 404 before any of this.
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
    /// The port it listens on (a `Host` header must name it).
    port: u16,
    /// When the authenticated requests of the last minute arrived.
    recent: Arc<Mutex<Vec<Instant>>>,
    /// Refusals not yet written to the audit log.
    refusals: Arc<Mutex<Refusals>>,
}

/// Refused requests, summarised in the audit log at most once a minute.
#[derive(Default)]
struct Refusals {
    /// Refused since the last summary row, by reason.
    pending: std::collections::BTreeMap<&'static str, u64>,
    last_row: Option<Instant>,
}

impl Refusals {
    /// Counts a refusal; returns the summary to write now, if a minute has passed
    /// since the last one (the first refusal is written at once).
    fn count(&mut self, why: &'static str) -> Option<String> {
        *self.pending.entry(why).or_default() += 1;
        if self
            .last_row
            .is_some_and(|t| t.elapsed() < Duration::from_secs(60))
        {
            return None;
        }
        self.take()
    }

    fn take(&mut self) -> Option<String> {
        if self.pending.is_empty() {
            return None;
        }
        self.last_row = Some(Instant::now());
        let total: u64 = self.pending.values().sum();
        let parts: Vec<String> = std::mem::take(&mut self.pending)
            .into_iter()
            .map(|(why, n)| format!("{n} × {why}"))
            .collect();
        Some(format!(
            "{total} request{} refused: {}",
            if total == 1 { "" } else { "s" },
            parts.join("; ")
        ))
    }
}

/// Writes a summary of refused requests, when there is one.
async fn write_refusals(engine: &Engine, summary: Option<String>) {
    if let Some(detail) = summary {
        engine
            .audit(
                "api.refused",
                "control API".into(),
                AuditOutcome::Failed,
                detail,
            )
            .await;
    }
}

/// The refusal, if a request must not reach a handler (before the token is looked at).
fn not_for_us(req: &Request, port: u16) -> Option<(StatusCode, &'static str)> {
    let headers = req.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let allowed = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    if !allowed.iter().any(|a| a.eq_ignore_ascii_case(host)) {
        return Some((
            StatusCode::FORBIDDEN,
            "the Host header must be 127.0.0.1:PORT or localhost:PORT",
        ));
    }
    let from_browser = headers.contains_key(header::ORIGIN)
        || headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() != b"none");
    if from_browser {
        return Some((
            StatusCode::FORBIDDEN,
            "browser requests are refused (Origin or Sec-Fetch-Site)",
        ));
    }
    None
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
    // Refusals before the token: counted, summarised, never rate-limited.
    let refused = if !peer.ip().is_loopback() {
        Some((
            StatusCode::FORBIDDEN,
            "the control API answers loopback callers only",
        ))
    } else if let Some(r) = not_for_us(&req, s.port) {
        Some(r)
    } else {
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then_some(token.trim())
            })
            .unwrap_or_default();
        (!same(presented.as_bytes(), s.token.expose_secret().as_bytes()))
            .then_some((StatusCode::UNAUTHORIZED, "missing or wrong bearer token"))
    };
    if let Some((status, why)) = refused {
        let summary = s
            .refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .count(why);
        write_refusals(&s.engine, summary).await;
        return reply(status, json!({"success": false, "error": why}));
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
        let path: String = req.uri().path().chars().take(128).collect();
        s.engine
            .audit(
                "api.refused",
                path,
                AuditOutcome::Failed,
                "rate limit: 60 requests a minute".into(),
            )
            .await;
        return reply(
            StatusCode::TOO_MANY_REQUESTS,
            json!({"success": false, "error": "rate limit: 60 requests a minute"}),
        );
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
            port: addr.port(),
            recent: Arc::default(),
            refusals: Arc::default(),
        };
        // `route_layer`: an unknown path gets 404 without the guard (nor its audit).
        let app = Router::new()
            .route("/api/secrets_management/clear_cache", post(clear_cache))
            .route("/api/v1/refresh", post(refresh))
            .route_layer(middleware::from_fn_with_state(shared.clone(), guard))
            .with_state(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        // Refusals counted within the minute reach the audit log a minute later at
        // the latest, even when nothing else arrives; the task ends with the server.
        let refusals = Arc::downgrade(&shared.refusals);
        let engine = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            every.tick().await;
            loop {
                every.tick().await;
                let Some(r) = refusals.upgrade() else { break };
                let pending = r.lock().unwrap_or_else(|e| e.into_inner()).take();
                drop(r);
                write_refusals(&engine, pending).await;
            }
        });
        let last = shared.clone();
        tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            let served = axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            // Refusals counted since the last summary are written as it stops.
            let pending = last
                .refusals
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            write_refusals(&last.engine, pending).await;
            drop(last);
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
