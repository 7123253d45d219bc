//! # latchkey-store
//!
//! Latchkey's SQLite database through sqlx: embedded append-only migrations
//! (`migrations/`), WAL journal, `synchronous = NORMAL`, foreign keys on, a busy
//! timeout so that two writers wait for each other instead of failing, and one
//! repository per entity ([`Store::settings`], [`Store::projects`], [`Store::providers`],
//! [`Store::connections`], [`Store::audit`]).
//!
//! Rows hold secret *references* and keychain *handles* only, never a secret value:
//! nothing in this crate can accept one (see `latchkey_core::SecretValue`).

mod error;
mod history;
mod repos;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use error::StoreError;
pub use history::{
    CallCount, CallsRepo, FetchRecord, LastTest, SecretVersionRow, SecretsRepo, TestsRepo,
    WatchCycle, WatchRepo, WatchSeen,
};
pub use repos::{
    AuditRepo, ConnectionsRepo, NewProvider, ProjectsRepo, ProvidersRepo, SettingsRepo,
};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "latchkey.db";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// An open workspace database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Io(dir.to_path_buf(), e))?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        tracing::debug!(path = %path.display(), "database open");
        Ok(Self {
            pool,
            path: path.to_path_buf(),
        })
    }

    /// Opens `DB_FILE` inside `dir`.
    pub async fn open_in(dir: &Path) -> Result<Self> {
        Self::open(&dir.join(DB_FILE)).await
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn settings(&self) -> SettingsRepo<'_> {
        SettingsRepo(&self.pool)
    }
    pub fn projects(&self) -> ProjectsRepo<'_> {
        ProjectsRepo(&self.pool)
    }
    pub fn providers(&self) -> ProvidersRepo<'_> {
        ProvidersRepo(&self.pool)
    }
    pub fn connections(&self) -> ConnectionsRepo<'_> {
        ConnectionsRepo(&self.pool)
    }
    pub fn audit(&self) -> AuditRepo<'_> {
        AuditRepo(&self.pool)
    }
    pub fn secrets(&self) -> SecretsRepo<'_> {
        SecretsRepo(&self.pool)
    }
    pub fn watch(&self) -> WatchRepo<'_> {
        WatchRepo(&self.pool)
    }
    pub fn calls(&self) -> CallsRepo<'_> {
        CallsRepo(&self.pool)
    }
    pub fn tests(&self) -> TestsRepo<'_> {
        TestsRepo(&self.pool)
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// The current time as stored: RFC 3339, UTC, milliseconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A fresh random identifier.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
