//! The JSON the vault answers with: `SecretAttributes`, `SecretItem`, `SecretBundle`,
//! `SecretListResult` — only fields the spec defines, named as it names them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::state::{Secret, Version};

/// What Key Vault reports for a vault with soft delete and purge allowed (the default).
const RECOVERY_LEVEL: &str = "Recoverable+Purgeable";
const RECOVERABLE_DAYS: i64 = 90;

/// A JSON answer with the service's content type.
pub(super) fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// `SecretAttributes` of one version.
fn attributes(version: &Version) -> Value {
    let mut attributes = Map::new();
    attributes.insert("enabled".into(), json!(version.enabled));
    if let Some(nbf) = version.not_before {
        attributes.insert("nbf".into(), json!(nbf));
    }
    if let Some(exp) = version.expires {
        attributes.insert("exp".into(), json!(exp));
    }
    attributes.insert("created".into(), json!(version.created));
    attributes.insert("updated".into(), json!(version.updated));
    attributes.insert("recoveryLevel".into(), json!(RECOVERY_LEVEL));
    attributes.insert("recoverableDays".into(), json!(RECOVERABLE_DAYS));
    Value::Object(attributes)
}

/// The fields a `SecretItem` and a `SecretBundle` share: id, attributes, tags, contentType.
fn common(id: String, version: &Version) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("id".into(), json!(id));
    fields.insert("attributes".into(), attributes(version));
    if !version.tags.is_empty() {
        fields.insert("tags".into(), json!(version.tags));
    }
    if let Some(content_type) = &version.content_type {
        fields.insert("contentType".into(), json!(content_type));
    }
    fields
}

/// `https://127.0.0.1:PORT/secrets/<name>`, the id of a secret without a version.
pub(super) fn secret_id(base: &str, secret: &Secret) -> String {
    format!("{base}/secrets/{}", secret.name)
}

/// `https://127.0.0.1:PORT/secrets/<name>/<version>`.
pub(super) fn version_id(base: &str, secret: &Secret, version: &Version) -> String {
    format!("{}/{}", secret_id(base, secret), version.id)
}

/// A `SecretItem` of the vault listing: the secret's id without a version.
pub(super) fn secret_item(base: &str, secret: &Secret) -> Value {
    Value::Object(common(secret_id(base, secret), secret.latest()))
}

/// A `SecretItem` of a versions listing: the id includes the version.
pub(super) fn version_item(base: &str, secret: &Secret, version: &Version) -> Value {
    Value::Object(common(version_id(base, secret, version), version))
}

/// A `SecretBundle`; `with_value` is false for the answer to an update.
pub(super) fn bundle(base: &str, secret: &Secret, version: &Version, with_value: bool) -> Value {
    let mut fields = common(version_id(base, secret, version), version);
    if with_value {
        fields.insert("value".into(), json!(version.value));
    }
    Value::Object(fields)
}

/// A `SecretListResult`; `nextLink` is left out on the last page (the spec types it
/// as a string, so not `null`).
pub(super) fn list(values: Vec<Value>, next_link: Option<String>) -> Value {
    let mut fields = Map::new();
    fields.insert("value".into(), Value::Array(values));
    if let Some(next_link) = next_link {
        fields.insert("nextLink".into(), json!(next_link));
    }
    Value::Object(fields)
}
