//! Counts requests and records every response, so tests can count the SDK's calls
//! and check each answer against the published spec.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Query, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use super::Shared;

/// Which service answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plane {
    /// The Key Vault data plane (`/secrets…`).
    Data,
    /// The Entra ID token endpoint.
    Token,
}

/// One response the server sent.
#[derive(Clone, Debug)]
pub struct RecordedResponse {
    pub plane: Plane,
    /// `GET`, `PUT`, …
    pub method: String,
    /// The route as the spec writes it, e.g. `/secrets/{secret-name}/{secret-version}`
    /// (a GET or PATCH on `/secrets/{secret-name}` is that operation with the optional
    /// version left out); the request path itself if no route matched.
    pub route: String,
    /// The request path, e.g. `/secrets/app-billing-db/`.
    pub path: String,
    /// The names of the request's query parameters, in order.
    pub query: Vec<String>,
    pub status: u16,
    /// Response headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body, if it was JSON.
    pub body: Option<Value>,
}

impl RecordedResponse {
    /// The first value of a response header (`name` lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Middleware around every route: counts the request, runs it, records the answer.
pub(super) async fn record(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let query = query_names(&request);
    let plane = plane(matched.as_deref());
    count(&shared, plane);

    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let recorded = RecordedResponse {
        plane,
        route: spec_route(&method, matched.as_deref().unwrap_or(&path)),
        method: method.to_string(),
        path,
        query,
        status: parts.status.as_u16(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: serde_json::from_slice(&bytes).ok(),
    };
    shared.lock().responses.push(recorded);
    Response::from_parts(parts, Body::from(bytes))
}

fn plane(matched: Option<&str>) -> Plane {
    match matched {
        Some(route) if route.ends_with("/oauth2/v2.0/token") => Plane::Token,
        _ => Plane::Data,
    }
}

fn count(shared: &Shared, plane: Plane) {
    let mut state = shared.lock();
    match plane {
        Plane::Data => state.requests += 1,
        Plane::Token => state.token_requests += 1,
    }
}

fn query_names(request: &Request) -> Vec<String> {
    Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        .map(|Query(pairs)| pairs.into_iter().map(|(name, _)| name).collect())
        .unwrap_or_default()
}

/// The spec's path template for a matched route: GetSecret and UpdateSecret are
/// `/secrets/{secret-name}/{secret-version}` even when the version is left out.
fn spec_route(method: &Method, matched: &str) -> String {
    let latest = matched == "/secrets/{secret-name}" || matched == "/secrets/{secret-name}/";
    if latest && (method == Method::GET || method == Method::PATCH) {
        "/secrets/{secret-name}/{secret-version}".to_owned()
    } else {
        matched.to_owned()
    }
}
