//! The error shape every host (desktop IPC, CLI `--json`) shows: data, not text, with
//! one [`ErrorCode`] enum that the engine, the providers and the connectors all use and
//! the UI receives as a TypeScript union.

use serde::{Deserialize, Serialize};

use crate::ipc_type;
use crate::validate::FieldError;

ipc_type! {
/// Every stable error code Latchkey reports. The UI branches on these, never on text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // The engine's own.
    /// A form or argument was refused; `field_errors` name the fields.
    Validation,
    /// The thing (a connection, a manager, a project) does not exist (any more); for a
    /// connection test, the target has no such resource (path, bucket).
    NotFound,
    KeychainUnavailable,
    Keychain,
    /// Still used elsewhere (a manager a connection references).
    InUse,
    /// The secrets-mode rule refused.
    ScopeRule,
    /// The change alters other things, listed in the message: submit it confirmed.
    NeedsConfirmation,
    /// A workspace setting does not allow it (reveal while reveal is off).
    Forbidden,
    Conflict,
    Database,
    Internal,
    // Secrets managers.
    InvalidSetting,
    SecretNotFound,
    VersionNotFound,
    AccessDenied,
    Sealed,
    TlsUntrusted,
    VersionGone,
    BadCredentials,
    Throttled,
    Unreachable,
    JsonKeyMissing,
    NotJson,
    BinarySecret,
    ProviderError,
    // Target systems (steps 3 and 4 of a test).
    UnknownHost,
    Refused,
    Timeout,
    Tls,
    UnknownDatabase,
    HostKeyUnknown,
    HostKeyMismatch,
    Redirect,
    ServerError,
    Failed,
}
}

impl ErrorCode {
    /// The code's wire form (`bad_credentials`), as serde writes it.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            Validation => "validation",
            NotFound => "not_found",
            KeychainUnavailable => "keychain_unavailable",
            Keychain => "keychain",
            InUse => "in_use",
            ScopeRule => "scope_rule",
            NeedsConfirmation => "needs_confirmation",
            Forbidden => "forbidden",
            Conflict => "conflict",
            Database => "database",
            Internal => "internal",
            InvalidSetting => "invalid_setting",
            SecretNotFound => "secret_not_found",
            VersionNotFound => "version_not_found",
            AccessDenied => "access_denied",
            Sealed => "sealed",
            TlsUntrusted => "tls_untrusted",
            VersionGone => "version_gone",
            BadCredentials => "bad_credentials",
            Throttled => "throttled",
            Unreachable => "unreachable",
            JsonKeyMissing => "json_key_missing",
            NotJson => "not_json",
            BinarySecret => "binary_secret",
            ProviderError => "provider_error",
            UnknownHost => "unknown_host",
            Refused => "refused",
            Timeout => "timeout",
            Tls => "tls",
            UnknownDatabase => "unknown_database",
            HostKeyUnknown => "host_key_unknown",
            HostKeyMismatch => "host_key_mismatch",
            Redirect => "redirect",
            ServerError => "server_error",
            Failed => "failed",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the wire form, so a test may read `code == "bad_credentials"`.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

ipc_type! {
/// An error as the UI receives it. The UI branches on `code`, never on `message`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    /// What failed and what to do about it. Never contains a secret value.
    pub message: String,
    /// The step of a multi-step operation that failed, when there is one.
    pub step: Option<String>,
    /// Per-field problems, for inline form errors.
    pub field_errors: Vec<FieldError>,
}
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn the_wire_form_is_what_serde_writes() {
        for code in [
            ErrorCode::Validation,
            ErrorCode::KeychainUnavailable,
            ErrorCode::BadCredentials,
            ErrorCode::HostKeyMismatch,
            ErrorCode::ProviderError,
            ErrorCode::Failed,
        ] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::String(code.as_str().into())
            );
        }
    }
}
