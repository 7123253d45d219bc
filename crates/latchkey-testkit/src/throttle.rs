//! A local AWS Secrets Manager endpoint that throttles.
//!
//! It speaks the service's JSON 1.1 protocol: the first `throttle_first` requests get
//! HTTP 400 with `x-amzn-ErrorType: ThrottlingException` (what AWS answers when a
//! caller exceeds its request rate), every later one a well-formed `ListSecrets`
//! answer with one secret. It counts what it receives, so a test can check how many
//! attempts the client made.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The name of the one secret the server lists once it stops throttling.
pub const LISTED_SECRET: &str = "throttled/app/db";

#[derive(Clone)]
struct Shared {
    throttle_first: usize,
    received: Arc<AtomicUsize>,
}

/// A running throttling server; it stops when dropped.
pub struct ThrottlingServer {
    /// `http://127.0.0.1:<port>`, for the provider's endpoint URL.
    pub url: String,
    received: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl ThrottlingServer {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start(throttle_first: usize) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let received = Arc::new(AtomicUsize::new(0));
        let app = Router::new().fallback(answer).with_state(Shared {
            throttle_first,
            received: received.clone(),
        });
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            url,
            received,
            task,
        }
    }

    /// How many requests arrived so far.
    pub fn received(&self) -> usize {
        self.received.load(Ordering::SeqCst)
    }
}

impl Drop for ThrottlingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const JSON_1_1: &str = "application/x-amz-json-1.1";

async fn answer(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let n = shared.received.fetch_add(1, Ordering::SeqCst) + 1;
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if n <= shared.throttle_first {
        return (
            StatusCode::BAD_REQUEST,
            [
                (header::CONTENT_TYPE, JSON_1_1),
                (
                    header::HeaderName::from_static("x-amzn-errortype"),
                    "ThrottlingException",
                ),
            ],
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        )
            .into_response();
    }
    if target != "secretsmanager.ListSecrets" {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, JSON_1_1)],
            format!(
                r#"{{"__type":"InvalidRequestException","message":"this test server only answers ListSecrets, not {target}"}}"#
            ),
        )
            .into_response();
    }
    let body = format!(
        r#"{{"SecretList":[{{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:{LISTED_SECRET}-AbCdEf","Name":"{LISTED_SECRET}","Tags":[]}}]}}"#
    );
    (StatusCode::OK, [(header::CONTENT_TYPE, JSON_1_1)], body).into_response()
}
