//! # latchkey-connectors
//!
//! What a connection does when it is tested: step 3 authenticates to the target system
//! with the resolved credentials, step 4 checks what the session may do. Each failure
//! is a [`ConnectorError`] with a stable code, the cause the server gave and a fix to
//! try. Connect attempts are bounded by a timeout.
//!
//! Implemented: PostgreSQL ([`postgres`]). The test pipeline that chains these steps
//! after the secret is resolved lives in the engine (not built yet).

pub mod postgres;

/// Why step 3 or 4 failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{cause} — {fix}")]
pub struct ConnectorError {
    /// Stable code: `bad_credentials`, `unknown_host`, `refused`, `timeout`, `tls`,
    /// `unknown_database`, `access_denied`, `invalid_setting`, `failed`.
    pub code: &'static str,
    /// What the server (or the network) said. Never a secret value.
    pub cause: String,
    /// What to try.
    pub fix: String,
}

impl ConnectorError {
    pub(crate) fn new(
        code: &'static str,
        cause: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            code,
            cause: cause.into(),
            fix: fix.into(),
        }
    }
}
