use std::path::PathBuf;

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
    #[error("a stored {0} could not be read; the database may have been edited by hand")]
    Corrupt(&'static str),
    #[error("cannot create the data directory {0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
        e.as_database_error()
            .is_some_and(|d| d.is_unique_violation())
    }
    pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
        e.as_database_error()
            .is_some_and(|d| d.is_foreign_key_violation())
    }
}
