use std::path::PathBuf;

/// How the schema's triggers start a refusal (see the migrations).
const RULE_PREFIX: &str = "latchkey-rule: ";

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// A uniqueness rule refused the write; `field` names the offending field.
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    /// A referenced row (for example the project of a connection) does not exist.
    #[error("{0}")]
    MissingReference(String),
    /// A rule of the data model refused the write (for example the secrets-mode rule:
    /// no blended state, no cross-scope reference). The message says which and why.
    #[error("{0}")]
    Rule(String),
    #[error("a stored {0} could not be read; the database may have been edited by hand")]
    Corrupt(&'static str),
    #[error("cannot create the data directory {0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
        e.as_database_error()
            .is_some_and(|d| d.is_unique_violation())
    }
    /// The message of a refusal raised by one of the schema's rule triggers.
    pub(crate) fn rule(e: &sqlx::Error) -> Option<String> {
        let message = e.as_database_error()?.message();
        let at = message.find(RULE_PREFIX)?;
        Some(message[at + RULE_PREFIX.len()..].to_owned())
    }
    pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
        e.as_database_error()
            .is_some_and(|d| d.is_foreign_key_violation())
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match Self::rule(&e) {
            Some(message) => Self::Rule(message),
            None => Self::Database(e),
        }
    }
}
