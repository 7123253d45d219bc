//! Turns SDK errors into [`ProviderError`]s that say what to fix.

use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::http::Response;

use crate::ProviderError;

pub(crate) fn sdk_error<E>(
    err: SdkError<E, Response>,
    provider: &str,
    endpoint: &str,
    action: &str,
    target: &str,
) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    match &err {
        SdkError::TimeoutError(_) => {
            return ProviderError::Unreachable {
                endpoint: endpoint.into(),
                detail: "no answer in time".into(),
            };
        }
        SdkError::DispatchFailure(d) => {
            let detail = if d.is_timeout() {
                "the connection timed out".to_owned()
            } else if d.is_io() {
                "the connection failed".to_owned()
            } else {
                // Not a network failure: the credentials could not be obtained (for
                // example AssumeRole refused by the role's trust policy).
                let chain = DisplayErrorContext(&err).to_string();
                if let Some(denied) = assume_role_denied(&chain) {
                    return denied;
                }
                if chain.contains("credentials") || chain.contains("Credentials") {
                    return ProviderError::BadCredentials(format!(
                        "no AWS credentials could be obtained: check the access key, the profile or the role ({})",
                        last_cause(&chain)
                    ));
                }
                last_cause(&chain)
            };
            return ProviderError::Unreachable {
                endpoint: endpoint.into(),
                detail,
            };
        }
        _ => {}
    }
    let code = err.code().unwrap_or_default().to_owned();
    let message = err.message().unwrap_or_default().to_owned();
    match code.as_str() {
        "ResourceNotFoundException" => ProviderError::NotFound {
            provider: provider.into(),
            secret: target.into(),
        },
        "AccessDeniedException" | "AccessDenied" => ProviderError::AccessDenied {
            action: action.into(),
            target: target.into(),
            detail: message,
            policy: "IAM policy",
        },
        "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded" => ProviderError::Throttled {
            provider: provider.into(),
            attempts: super::MAX_ATTEMPTS,
        },
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "ExpiredTokenException"
        | "ExpiredToken" => ProviderError::BadCredentials(format!(
            "{code}: check the access key, the profile or the role ({message})"
        )),
        _ if status == Some(403) => ProviderError::AccessDenied {
            action: action.into(),
            target: target.into(),
            detail: if message.is_empty() {
                "HTTP 403".into()
            } else {
                message
            },
            policy: "IAM policy",
        },
        _ if status == Some(429) => ProviderError::Throttled {
            provider: provider.into(),
            attempts: super::MAX_ATTEMPTS,
        },
        "" => ProviderError::Other(format!(
            "{provider}: {action} failed ({})",
            status.map_or("no response".into(), |s| format!("HTTP {s}"))
        )),
        _ => ProviderError::Other(format!("{provider}: {action} failed: {code}: {message}")),
    }
}

/// The innermost cause of an SDK error chain ("a: b: c" → "c").
fn last_cause(chain: &str) -> String {
    chain.rsplit(": ").next().unwrap_or(chain).trim().to_owned()
}

/// STS refused AssumeRole (the role does not trust the caller, or the external ID does
/// not match its trust policy).
fn assume_role_denied(chain: &str) -> Option<ProviderError> {
    if !(chain.contains("AssumeRole")
        && (chain.contains("AccessDenied") || chain.contains("not authorized")))
    {
        return None;
    }
    Some(ProviderError::AccessDenied {
        action: "sts:AssumeRole".into(),
        // The caller names the role (see `AwsSecretsManager::on_error`).
        target: "the role".into(),
        detail: "STS refused AssumeRole".into(),
        policy: "role's trust policy (it must trust the caller and accept the external ID Latchkey shows for this workspace or project)",
    })
}
