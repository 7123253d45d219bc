//! Turns the Azure SDK's errors into [`ProviderError`]s that say what to fix, and counts
//! the requests sent to the vault.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use azure_core::error::ErrorKind;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request};

use crate::ProviderError;

/// Counts every request sent to the vault, retries included.
#[derive(Debug)]
pub(super) struct CallCounter(pub Arc<AtomicU64>);

#[async_trait::async_trait]
impl Policy for CallCounter {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        self.0.fetch_add(1, Ordering::Relaxed);
        next[0].send(ctx, request, &next[1..]).await
    }
}

/// Whether signing in to Entra ID failed (as opposed to the vault refusing).
pub(super) fn is_credential(e: &azure_core::Error) -> bool {
    matches!(e.kind(), ErrorKind::Credential)
}

/// Key Vault's error body: `{"error":{"code","message","innererror":{"code"}}}`.
fn vault_error(e: &azure_core::Error) -> (Option<u16>, String, String, String) {
    let ErrorKind::HttpResponse {
        status,
        error_code,
        raw_response,
    } = e.kind()
    else {
        return (None, String::new(), String::new(), String::new());
    };
    let body: serde_json::Value = raw_response
        .as_ref()
        .and_then(|r| serde_json::from_slice(r.body()).ok())
        .unwrap_or_default();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let code = error_code
        .clone()
        .unwrap_or_else(|| text(&body["error"]["code"]));
    (
        Some(u16::from(*status)),
        code,
        text(&body["error"]["innererror"]["code"]),
        text(&body["error"]["message"]),
    )
}

/// The `Retry-After` of the last 429, as sent.
fn retry_after(e: &azure_core::Error) -> Option<String> {
    let ErrorKind::HttpResponse { raw_response, .. } = e.kind() else {
        return None;
    };
    raw_response
        .as_ref()?
        .headers()
        .get_optional_str(&azure_core::http::headers::RETRY_AFTER)
        .map(|s| format!("{s} s"))
}

/// The first line of a long service message (RBAC messages run to ten lines).
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim().to_owned()
}

pub(super) fn map(
    e: &azure_core::Error,
    provider: &str,
    vault: &str,
    action: &'static str,
    target: &str,
) -> ProviderError {
    if is_credential(e) {
        // Entra ID could not be reached at all: that is not a credentials problem.
        if let Some(detail) = transport_failure(e) {
            return ProviderError::Unreachable {
                endpoint: "the Entra ID sign-in endpoint".into(),
                detail,
            };
        }
        return credential(e);
    }
    match e.kind() {
        ErrorKind::Io | ErrorKind::Connection => {
            return ProviderError::Unreachable {
                endpoint: vault.to_owned(),
                detail: source_text(e),
            };
        }
        ErrorKind::HttpResponse { .. } => {}
        _ => return ProviderError::Other(format!("{provider}: {e}")),
    }
    let (status, code, inner, message) = vault_error(e);
    match (status, code.as_str(), inner.as_str()) {
        (Some(404), ..) => ProviderError::NotFound {
            provider: provider.to_owned(),
            secret: target.to_owned(),
        },
        (Some(403), _, "SecretDisabled") => ProviderError::VersionGone {
            secret: target.to_owned(),
            version: "latest".into(),
            how: "disabled".into(),
            fix: "enable it in Key Vault, or pin an enabled version with ?version=ID".into(),
        },
        (Some(403), ..) => ProviderError::AccessDenied {
            action: format!("Microsoft.KeyVault/vaults/{action}"),
            target: target.to_owned(),
            detail: first_line(&message),
            policy: "vault's access: the \"Key Vault Secrets User\" role (RBAC vaults) or the Get and List secret permissions (access-policy vaults)",
        },
        (Some(401), ..) => ProviderError::BadCredentials(format!(
            "the vault refused the token ({}): is the tenant the vault's?",
            first_line(&message)
        )),
        (Some(429), ..) => ProviderError::ThrottledRetryAfter {
            provider: provider.to_owned(),
            attempts: super::MAX_ATTEMPTS,
            retry_after: retry_after(e).unwrap_or_else(|| "none given".into()),
        },
        (Some(status), ..) => ProviderError::Other(format!(
            "{provider} answered HTTP {status} {code}: {}",
            first_line(&message)
        )),
        (None, ..) => ProviderError::Other(format!("{provider}: {e}")),
    }
}

/// A 404 or a disabled secret when a version was asked for names that version.
pub(super) fn with_version(e: ProviderError, version: Option<&str>) -> ProviderError {
    match (e, version) {
        (ProviderError::NotFound { secret, .. }, Some(v)) => ProviderError::VersionNotFound {
            secret,
            version: v.to_owned(),
        },
        (ProviderError::VersionGone { secret, how, .. }, Some(v)) => ProviderError::VersionGone {
            secret,
            version: v.to_owned(),
            how,
            fix: "enable it in Key Vault, or pin another version".into(),
        },
        (e, _) => e,
    }
}

/// Every message in the error's chain, outermost first.
fn chain_text(e: &azure_core::Error) -> String {
    let mut parts = Vec::new();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        parts.push(c.to_string());
        cause = c.source();
    }
    parts.join(": ")
}

/// Entra ID refused to sign in: says which setting its error code blames.
fn credential(e: &azure_core::Error) -> ProviderError {
    let text = chain_text(e);
    let blame = if text.contains("AADSTS90002") || text.contains("AADSTS900023") {
        Some((
            "tenant_id",
            "the tenant ID was not found: check the directory (tenant) ID",
        ))
    } else if text.contains("AADSTS700016") {
        Some((
            "client_id",
            "no app with this client ID in the tenant: check the application (client) ID",
        ))
    } else if text.contains("AADSTS7000215") || text.contains("AADSTS7000222") {
        Some((
            "client_secret",
            "the client secret is wrong or expired: paste the secret's value (not its ID), or create a new one",
        ))
    } else if text.contains("AADSTS700027") {
        Some((
            "certificate_path",
            "the certificate is not registered on the app: upload it under Certificates & secrets",
        ))
    } else {
        None
    };
    let detail = aadsts(&text);
    match blame {
        Some((field, what)) => ProviderError::InvalidSetting {
            field,
            message: format!("Signing in to Entra ID failed: {what} ({detail})."),
        },
        None => ProviderError::BadCredentials(format!("signing in to Entra ID failed: {detail}")),
    }
}

/// The `AADSTSnnnn: first sentence` part of an Entra ID error, or the error's first line.
fn aadsts(text: &str) -> String {
    match text.find("AADSTS") {
        Some(at) => {
            let rest = &text[at..];
            let end = rest.find(". ").map_or(rest.len(), |i| i + 1);
            rest[..end].lines().next().unwrap_or_default().to_owned()
        }
        None => first_line(text),
    }
}

/// Whether a transport failure (no connection, timeout) is in the error's chain.
fn transport_failure(e: &azure_core::Error) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(az) = c.downcast_ref::<azure_core::Error>()
            && matches!(az.kind(), ErrorKind::Io | ErrorKind::Connection)
        {
            return Some(source_text(az));
        }
        cause = c.source();
    }
    None
}

/// The innermost cause of a transport error ("connection refused", "timed out").
fn source_text(e: &azure_core::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    if text.to_lowercase().contains("timed out") || text.to_lowercase().contains("timeout") {
        "no answer in time".into()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_errors_name_the_setting() {
        let e = azure_core::Error::with_message(
            ErrorKind::Credential,
            "ClientSecretCredential authentication failed. AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value. Trace ID: x",
        );
        match credential(&e) {
            ProviderError::InvalidSetting { field, message } => {
                assert_eq!(field, "client_secret");
                assert!(
                    message.contains("AADSTS7000215: Invalid client secret provided."),
                    "{message}"
                );
                assert!(!message.contains("Trace ID"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
