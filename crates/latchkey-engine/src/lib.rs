//! # latchkey-engine
//!
//! Latchkey's services, independent of any host: projects, connections (with literal
//! credentials routed to the OS keychain), the audit log, workspace information.
//! The desktop app (`src-tauri`) and the CLI (`latchkey-cli`) are two thin hosts of
//! this one API; neither talks to the store or the keychain directly.
//!
//! Later capabilities (secret resolution and its cache, the test-connection pipeline,
//! refresh, the secrets-mode switch) belong here too.

mod audit;
pub mod cache;
mod connections;
pub mod control_api;
mod error;
pub mod logging;
mod mode;
pub mod paths;
mod pipeline;
mod projects;
mod providers;
mod refresh;
mod rotation;
mod scope;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use latchkey_core::AuditQuery;
use latchkey_core::{
    AuditEvent, AuditOutcome, NewAuditEvent, TypeSpec, WorkspaceSettings, ipc_type,
};
use latchkey_keychain::CredentialStore;
use latchkey_store::Store;
use serde::{Deserialize, Serialize};

pub use audit::ExportFormat;
pub use control_api::{ControlApi, ControlApiStatus};
pub use error::{EngineError, Result};
pub use mode::{
    ImpactStatus, ModeMapping, ModePreview, ModeRequest, ModeSwitchReport, ProposedManager,
    ReferenceImpact,
};
pub use pipeline::{Offer, StepOutcome, StepReport, TestReport, Trial};
pub use projects::ProjectSummary;
pub use providers::{
    CachePolicy, ProviderCheck, ProviderInput, ProviderView, SecretInfo, SecretItem, SecretPage,
    SecretVersionItem,
};
pub use refresh::{
    CacheEntryView, ConnectionSecrets, Health, LastTestView, RefreshItem, RefreshOutcome,
    RefreshReport, RefreshScope,
};
pub use rotation::{
    CallStat, InventoryItem, ProviderStats, RevealRequest, Revealed, RotationState, SecretUse,
    WatchCycleReport, WatchPolicy, WatchRotation, WatchStatus,
};

/// The engine over one workspace database and one credential store.
#[derive(Clone, Debug)]
pub struct Engine {
    store: Store,
    keychain: Arc<dyn CredentialStore>,
    data_dir: PathBuf,
    actor: String,
    /// Resolved secrets, in memory only.
    cache: Arc<cache::SecretCache>,
    /// One client per manager (keyed by id, with the settings' `updated_at`), so
    /// tokens, connections and counters live as long as the settings do.
    clients: Arc<std::sync::Mutex<ClientMap>>,
}

type ClientMap =
    std::collections::HashMap<String, (String, Arc<dyn latchkey_providers::SecretsProvider>)>;

ipc_type! {
/// Where things live and which keychain is in use, for the Settings screen and the CLI.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WorkspaceInfo {
    pub version: String,
    pub data_dir: String,
    pub database: String,
    pub log_dir: String,
    pub keychain: String,
    pub build: String,
    pub settings: WorkspaceSettings,
}
}

impl Engine {
    /// Opens the workspace in `data_dir` (creating it when new) with `keychain`.
    pub async fn open(data_dir: &Path, keychain: Arc<dyn CredentialStore>) -> Result<Self> {
        let store = Store::open_in(data_dir).await?;
        let actor = paths::os_user();
        tracing::info!(data_dir = %data_dir.display(), keychain = %keychain.describe(), "workspace open");
        let engine = Self {
            store,
            keychain,
            data_dir: data_dir.to_path_buf(),
            actor,
            cache: Arc::default(),
            clients: Arc::default(),
        };
        // Retention: events older than the setting go when the workspace opens.
        if let Err(e) = engine.prune_audit().await {
            tracing::warn!(error = %e, "audit pruning failed");
        }
        // The call meter shows a day: hours older than two days go.
        let before = (chrono::Utc::now() - chrono::Duration::hours(48))
            .format("%Y-%m-%dT%H")
            .to_string();
        if let Err(e) = engine.store.calls().prune(&before).await {
            tracing::warn!(error = %e, "call meter pruning failed");
        }
        Ok(engine)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub async fn workspace_info(&self) -> Result<WorkspaceInfo> {
        Ok(WorkspaceInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            data_dir: self.data_dir.display().to_string(),
            database: self.store.path().display().to_string(),
            log_dir: paths::log_dir(&self.data_dir).display().to_string(),
            keychain: self.keychain.describe(),
            build: paths::build_kind().into(),
            settings: self.store.settings().get().await?,
        })
    }

    /// One connection type's declaration.
    pub fn connection_type(&self, kind: latchkey_core::ConnectionKind) -> TypeSpec {
        latchkey_connectors::spec(kind)
    }

    /// Every connection type and its fields.
    pub fn connection_types(&self) -> Vec<TypeSpec> {
        latchkey_connectors::all()
    }

    pub async fn list_audit(&self, q: AuditQuery) -> Result<Vec<AuditEvent>> {
        let q = AuditQuery {
            kind: q.kind.filter(|k| !k.is_empty()),
            target: q.target.filter(|t| !t.is_empty()),
            ..q
        };
        Ok(self.store.audit().list(&q).await?)
    }

    /// Records an audit event. A failure to record is logged, never hidden silently,
    /// and does not undo the action it describes.
    pub(crate) async fn audit(
        &self,
        kind: &str,
        target: String,
        outcome: AuditOutcome,
        detail: String,
    ) {
        let event = NewAuditEvent {
            actor: self.actor.clone(),
            kind: kind.into(),
            target,
            outcome,
            detail,
        };
        if let Err(e) = self.store.audit().append(&event).await {
            tracing::error!(kind, error = %e, "could not record an audit event");
        }
    }

    /// Runs a keychain call off the async runtime (keychains are blocking APIs).
    pub(crate) async fn keychain<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn CredentialStore) -> Result<T, latchkey_keychain::KeychainError>
        + Send
        + 'static,
    ) -> Result<T> {
        let kc = Arc::clone(&self.keychain);
        tokio::task::spawn_blocking(move || f(kc.as_ref()))
            .await
            .map_err(|e| EngineError::Internal(format!("keychain task failed: {e}")))?
            .map_err(EngineError::from)
    }
}
