//! # latchkey-providers
//!
//! The secrets managers Latchkey reads from, behind one trait, [`SecretsProvider`]:
//! list secrets a page at a time (with a server-side name filter), describe a secret
//! (metadata, versions and stages), read a value by [`SecretRef`] into a
//! [`SecretValue`] (which cannot be printed, serialized or logged), list the keys of a
//! JSON secret without letting its values out, and check access.
//!
//! Implemented: AWS Secrets Manager ([`aws`]), HashiCorp Vault / OpenBao KV v1 and v2
//! ([`vault`]), Azure Key Vault ([`azure`]). Google Secret Manager and Conjur follow
//! behind the same trait.
//!
//! Errors are [`ProviderError`]s: each names what failed (the secret, the action, the
//! key) and what to do, and none carries a secret value.

pub mod aws;
pub mod azure;
mod error;
mod json;
pub mod vault;

use async_trait::async_trait;
use latchkey_core::{SecretRef, SecretValue};
use serde::Serialize;

pub use error::ProviderError;
pub use json::select_json_key;

pub type Result<T, E = ProviderError> = std::result::Result<T, E>;

/// One page of a listing; `next` continues it.
#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// A secret as a listing shows it: metadata only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SecretSummary {
    /// The name references use.
    pub name: String,
    /// Where the picker's tree shows it, when that is not its name (Azure Key Vault
    /// names have no `/`: grouped by a name separator or a tag, e.g. "billing/db-password").
    pub path: Option<String>,
    /// A provider-specific full identifier (the ARN for AWS).
    pub id: String,
    pub description: Option<String>,
    pub last_changed: Option<String>,
    pub last_rotated: Option<String>,
    pub rotation_enabled: bool,
    pub tags: Vec<(String, String)>,
}

/// One version of a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    pub id: String,
    /// AWS staging labels (AWSCURRENT, AWSPREVIOUS, custom); Azure: "latest", "disabled",
    /// "expired", "not yet valid".
    pub stages: Vec<String>,
    pub created: Option<String>,
    /// Whether this version can be read (not deleted, disabled or expired).
    pub enabled: bool,
    /// Azure Key Vault: last update, expiry and activation (not-before) times.
    pub updated: Option<String>,
    pub expires: Option<String>,
    pub not_before: Option<String>,
}

/// A secret with its versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretDetails {
    pub summary: SecretSummary,
    pub versions: Vec<VersionInfo>,
}

/// A value read from a provider.
#[derive(Debug)]
pub struct Resolved {
    pub value: SecretValue,
    /// The provider's identifier of the version that was read.
    pub version_id: Option<String>,
}

/// Who Latchkey is to the provider, and whether it may list secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessReport {
    /// The effective identity (for AWS: the caller ARN from STS GetCallerIdentity).
    pub identity: String,
    /// Whether a one-item listing succeeded.
    pub can_list: bool,
    /// Why listing failed, when it did.
    pub list_error: Option<String>,
}

/// A secrets manager.
#[async_trait]
pub trait SecretsProvider: Send + Sync + std::fmt::Debug {
    /// Secrets whose name starts with `prefix` (all when `None`), one page at a time.
    async fn list(&self, prefix: Option<&str>, page: Option<String>)
    -> Result<Page<SecretSummary>>;

    /// A secret's metadata and versions.
    async fn describe(&self, name: &str) -> Result<SecretDetails>;

    /// Reads the value a reference points at (its JSON key applied, when it has one).
    async fn read(&self, reference: &SecretRef) -> Result<Resolved>;

    /// The top-level keys of a JSON secret, without their values. A secret that is not
    /// a JSON object has none.
    async fn json_keys(&self, reference: &SecretRef) -> Result<Vec<String>> {
        let whole = SecretRef {
            json_key: None,
            ..reference.clone()
        };
        let resolved = self.read(&whole).await?;
        Ok(json::object_keys(&resolved.value))
    }

    /// Checks the credentials: the effective identity and a one-item listing.
    async fn check_access(&self) -> Result<AccessReport>;

    /// How many requests this client has sent to the manager (retries included), for
    /// benchmarks and the single-flight test; 0 where a provider does not count.
    fn requests_sent(&self) -> u64 {
        0
    }
}
