//! Key Vault's error answers: status, headers and the `KeyVaultError` body
//! `{"error":{"code":…,"message":…,"innererror":{"code":…}}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::wire::json_response;

/// The audience of Key Vault tokens, and the `resource` of its challenge.
pub(super) const VAULT_RESOURCE: &str = "https://vault.azure.net";

/// A refusal, rendered like the service renders it.
#[derive(Debug)]
pub(super) enum KvError {
    /// 401 with the bearer challenge for `tenant`.
    Unauthorized { tenant: String, message: String },
    /// 429 with `Retry-After`.
    Throttled { retry_after_secs: u64 },
    /// 400 `BadParameter`.
    BadParameter(String),
    /// 404 `SecretNotFound`; `id` is `name` or `name/version`.
    NotFound { id: String },
    /// 403 `Forbidden` / `SecretDisabled`.
    Disabled,
    /// 403 `Forbidden` / `ForbiddenByRbac`, with the RBAC message.
    Rbac(String),
}

impl KvError {
    pub fn not_found(name: &str, version: Option<&str>) -> Self {
        let id = match version.filter(|v| !v.is_empty()) {
            Some(version) => format!("{name}/{version}"),
            None => name.to_owned(),
        };
        Self::NotFound { id }
    }

    pub fn invalid_name(name: &str) -> Self {
        Self::BadParameter(format!("The request URI contains an invalid name: {name}"))
    }

    /// The `WWW-Authenticate` value Key Vault sends with every 401.
    pub fn challenge(tenant: &str) -> String {
        format!(
            r#"Bearer authorization="https://login.microsoftonline.com/{tenant}", resource="{VAULT_RESOURCE}""#
        )
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::BadParameter(_) => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Disabled | Self::Rbac(_) => StatusCode::FORBIDDEN,
        }
    }

    /// The `KeyVaultError` body.
    fn body(&self) -> Value {
        match self {
            Self::Unauthorized { message, .. } => error("Unauthorized", message, None),
            Self::Throttled { .. } => error(
                "Throttled",
                "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
                None,
            ),
            Self::BadParameter(message) => error("BadParameter", message, None),
            Self::NotFound { id } => error(
                "SecretNotFound",
                &format!(
                    "A secret with (name/id) {id} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
                ),
                None,
            ),
            Self::Disabled => error(
                "Forbidden",
                "Operation get is not allowed on a disabled secret.",
                Some("SecretDisabled"),
            ),
            Self::Rbac(message) => error("Forbidden", message, Some("ForbiddenByRbac")),
        }
    }
}

fn error(code: &str, message: &str, inner: Option<&str>) -> Value {
    let mut error = json!({ "code": code, "message": message });
    if let Some(inner) = inner {
        error["innererror"] = json!({ "code": inner });
    }
    json!({ "error": error })
}

impl IntoResponse for KvError {
    fn into_response(self) -> Response {
        let mut response = json_response(self.status(), &self.body());
        let headers = response.headers_mut();
        match &self {
            Self::Unauthorized { tenant, .. } => {
                let challenge = HeaderValue::from_str(&Self::challenge(tenant))
                    .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
                headers.insert(header::WWW_AUTHENTICATE, challenge);
            }
            Self::Throttled { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            _ => {}
        }
        response
    }
}
