//! Turns Vault's answers into [`ProviderError`]s that say what to fix.

use vaultrs::error::ClientError;

use crate::ProviderError;

/// What was being done when a call failed.
pub(crate) struct Ctx<'a> {
    pub provider: String,
    pub address: &'a str,
    /// The policy capability the call needs: `read` or `list` (or `login`).
    pub action: &'a str,
    /// The API path the policy must cover, e.g. `secret/data/apps/db`.
    pub target: &'a str,
}

pub(crate) fn vault_error(e: ClientError, ctx: &Ctx<'_>) -> ProviderError {
    match e {
        ClientError::APIError { code, errors } => api_error(code, &errors, ctx),
        ClientError::ResponseEmptyError | ClientError::ResponseDataEmptyError => {
            ProviderError::NotFound {
                provider: ctx.provider.clone(),
                secret: ctx.target.into(),
            }
        }
        ClientError::RestClientError {
            source: rustify::errors::ClientError::ServerResponseError { code, content },
        } => {
            let errors: Vec<String> = content
                .and_then(|c| serde_json::from_str::<serde_json::Value>(&c).ok())
                .and_then(|v| {
                    v["errors"].as_array().map(|a| {
                        a.iter()
                            .filter_map(|e| e.as_str().map(str::to_owned))
                            .collect()
                    })
                })
                .unwrap_or_default();
            api_error(code, &errors, ctx)
        }
        e @ (ClientError::RestClientError { .. } | ClientError::RestClientBuildError { .. }) => {
            transport_error(&e, ctx)
        }
        other => ProviderError::Other(format!(
            "{}: {} on \"{}\" failed: {other}",
            ctx.provider, ctx.action, ctx.target
        )),
    }
}

/// An HTTP error answer (`{"errors": [...]}`).
fn api_error(code: u16, errors: &[String], ctx: &Ctx<'_>) -> ProviderError {
    // Vault wraps policy denials as "1 error occurred:\n\t* permission denied\n\n".
    let said = errors
        .iter()
        .map(|e| {
            e.trim()
                .trim_start_matches("1 error occurred:")
                .trim()
                .trim_start_matches("* ")
                .trim()
        })
        .collect::<Vec<_>>()
        .join("; ");
    if said.contains("namespace not found") {
        return ProviderError::InvalidSetting {
            field: "namespace",
            message: format!(
                "{} has no such namespace: check the namespace (it is case-sensitive, e.g. team-a or team-a/child), or leave it empty for the root namespace.",
                ctx.provider
            ),
        };
    }
    if said.contains("no handler for route") || said.contains("unsupported path") {
        return ProviderError::InvalidSetting {
            field: "mount",
            message: format!(
                "{} has no mount for \"{}\" ({said}): check the mount in the path, and the namespace.",
                ctx.provider, ctx.target
            ),
        };
    }
    match code {
        503 if said.contains("sealed") => ProviderError::Sealed {
            provider: ctx.provider.clone(),
        },
        403 => ProviderError::AccessDenied {
            action: ctx.action.into(),
            target: ctx.target.into(),
            detail: if said.is_empty() {
                "permission denied".into()
            } else {
                said
            },
            policy: "Vault policy",
        },
        404 => ProviderError::NotFound {
            provider: ctx.provider.clone(),
            secret: ctx.target.into(),
        },
        429 => ProviderError::Throttled {
            provider: ctx.provider.clone(),
            attempts: 1,
        },
        _ => ProviderError::Other(format!(
            "{}: {} on \"{}\" failed with HTTP {code}{}",
            ctx.provider,
            ctx.action,
            ctx.target,
            if said.is_empty() {
                String::new()
            } else {
                format!(": {said}")
            }
        )),
    }
}

/// No HTTP answer: TLS refused, timeout, connection refused.
fn transport_error(e: &(dyn std::error::Error + 'static), ctx: &Ctx<'_>) -> ProviderError {
    let mut chain = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        chain.push(err.to_string());
        cur = err.source();
    }
    let all = chain.join(": ");
    let lower = all.to_lowercase();
    if lower.contains("certificate") || lower.contains("unknownissuer") || lower.contains("tls") {
        return ProviderError::TlsUntrusted {
            address: ctx.address.into(),
            detail: chain.last().cloned().unwrap_or_default(),
        };
    }
    let detail = if lower.contains("timed out") || lower.contains("timeout") {
        format!("no answer within {} s", super::REQUEST_TIMEOUT.as_secs())
    } else if lower.contains("refused") {
        "the connection was refused".into()
    } else {
        chain
            .last()
            .cloned()
            .unwrap_or_else(|| "the connection failed".into())
    };
    ProviderError::Unreachable {
        endpoint: ctx.address.into(),
        detail,
    }
}
