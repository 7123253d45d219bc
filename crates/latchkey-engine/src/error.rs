use latchkey_core::{ApiError, ErrorCode, FieldError, FieldErrors};
use latchkey_keychain::KeychainError;
use latchkey_store::StoreError;

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Everything the engine can refuse or fail at. Messages never contain a secret value.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{}", summary(.0))]
    Validation(FieldErrors),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    /// A secrets manager refused or failed.
    #[error(transparent)]
    Provider(latchkey_providers::ProviderError),
    /// The secrets-mode rule refused: a blended state or a cross-scope reference.
    #[error("{0}")]
    ScopeRule(String),
    /// The thing is still used elsewhere.
    #[error("{0}")]
    InUse(String),
    /// The change would alter other things: the message lists them; submit again
    /// confirmed to go ahead.
    #[error("{0}")]
    Confirm(String),
    /// A workspace setting does not allow it.
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

fn summary(errors: &FieldErrors) -> String {
    match errors.as_slice() {
        [one] => one.message.clone(),
        many => format!(
            "{} fields need attention: {}",
            many.len(),
            many.iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

impl EngineError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The stable code hosts show and the UI branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Validation(_) => ErrorCode::Validation,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Keychain(KeychainError::Unavailable(_)) => ErrorCode::KeychainUnavailable,
            Self::Keychain(_) => ErrorCode::Keychain,
            Self::Provider(p) => p.code(),
            Self::InUse(_) => ErrorCode::InUse,
            Self::Confirm(_) => ErrorCode::NeedsConfirmation,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::ScopeRule(_) => ErrorCode::ScopeRule,
            Self::Store(StoreError::Conflict { .. }) => ErrorCode::Conflict,
            Self::Store(_) => ErrorCode::Database,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { entity } => Self::NotFound(format!(
                "That {entity} no longer exists: it may have been deleted. Reload the list."
            )),
            StoreError::Conflict { field, message } => Self::Validation(vec![FieldError {
                field: field.into(),
                message,
            }]),
            StoreError::MissingReference(m) => Self::Validation(vec![FieldError {
                field: "project_id".into(),
                message: format!("The project is missing: {m}"),
            }]),
            StoreError::Rule(m) => Self::ScopeRule(m),
            other => Self::Store(other),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        let field_errors = match &e {
            EngineError::Validation(errors) => errors.clone(),
            _ => Vec::new(),
        };
        ApiError {
            code: e.code(),
            message: e.to_string(),
            step: None,
            field_errors,
        }
    }
}
