use latchkey_core::ErrorCode;
/// Why a provider call failed. Every message names what failed and what to do; none
/// contains a secret value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// A setting of the provider is wrong; `field` names it.
    #[error("{message}")]
    InvalidSetting {
        field: &'static str,
        message: String,
    },
    #[error("the secret \"{secret}\" does not exist in {provider} (check its name, region or ARN)")]
    NotFound { provider: String, secret: String },
    #[error(
        "version {version} of the secret \"{secret}\" does not exist (it may have been removed by a rotation)"
    )]
    VersionNotFound { secret: String, version: String },
    #[error(
        "access denied: the identity is not allowed {action} on \"{target}\"; grant it in the {policy} ({detail})"
    )]
    AccessDenied {
        action: String,
        target: String,
        detail: String,
        /// Where the permission is granted: "IAM policy", "Vault policy", …
        policy: &'static str,
    },
    #[error("{provider} is sealed: unseal it (vault operator unseal), then try again")]
    Sealed { provider: String },
    #[error(
        "the TLS certificate of {address} is not trusted ({detail}): set the CA certificate (PEM file) of the server's issuer in the manager's settings"
    )]
    TlsUntrusted { address: String, detail: String },
    #[error("version {version} of the secret \"{secret}\" was {how}: {fix}")]
    VersionGone {
        secret: String,
        version: String,
        how: String,
        fix: String,
    },
    #[error("the credentials were rejected: {0}")]
    BadCredentials(String),
    #[error(
        "{provider} is throttling requests: still refused after {attempts} attempts; wait a minute and try again"
    )]
    Throttled { provider: String, attempts: u32 },
    /// HTTP 429 after the retries the server's Retry-After asked for.
    #[error(
        "{provider} is throttling requests (HTTP 429): still refused after {attempts} attempts, each after the wait its Retry-After header asked for ({retry_after}); wait a minute and try again"
    )]
    ThrottledRetryAfter {
        provider: String,
        attempts: u32,
        retry_after: String,
    },
    #[error(
        "cannot reach {endpoint}: {detail} (check the network, the region or the endpoint URL)"
    )]
    Unreachable { endpoint: String, detail: String },
    #[error("the JSON key \"{key}\" is not in the secret \"{secret}\"; its keys are: {}", list(.available))]
    JsonKeyMissing {
        secret: String,
        key: String,
        available: Vec<String>,
    },
    #[error(
        "the secret \"{secret}\" is not a JSON object, so it has no key \"{key}\"; remove the key from the reference to use the whole value"
    )]
    NotJson { secret: String, key: String },
    #[error("the secret \"{0}\" has no text value (binary secrets are not supported)")]
    Binary(String),
    #[error("{0}")]
    Other(String),
}

fn list(keys: &[String]) -> String {
    if keys.is_empty() {
        "(none)".into()
    } else {
        keys.join(", ")
    }
}

impl ProviderError {
    /// A stable code for hosts and the UI.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidSetting { .. } => ErrorCode::InvalidSetting,
            Self::NotFound { .. } => ErrorCode::SecretNotFound,
            Self::VersionNotFound { .. } => ErrorCode::VersionNotFound,
            Self::AccessDenied { .. } => ErrorCode::AccessDenied,
            Self::Sealed { .. } => ErrorCode::Sealed,
            Self::TlsUntrusted { .. } => ErrorCode::TlsUntrusted,
            Self::VersionGone { .. } => ErrorCode::VersionGone,
            Self::BadCredentials(_) => ErrorCode::BadCredentials,
            Self::Throttled { .. } | Self::ThrottledRetryAfter { .. } => ErrorCode::Throttled,
            Self::Unreachable { .. } => ErrorCode::Unreachable,
            Self::JsonKeyMissing { .. } => ErrorCode::JsonKeyMissing,
            Self::NotJson { .. } => ErrorCode::NotJson,
            Self::Binary(_) => ErrorCode::BinarySecret,
            Self::Other(_) => ErrorCode::ProviderError,
        }
    }

    /// The manager asks Latchkey to slow down (throttled, with or without Retry-After).
    pub fn is_throttle(&self) -> bool {
        self.code() == ErrorCode::Throttled
    }

    /// Throttled or unreachable: a rotation watch's look stops here and backs off.
    pub fn stops_a_look(&self) -> bool {
        matches!(self.code(), ErrorCode::Throttled | ErrorCode::Unreachable)
    }
}
