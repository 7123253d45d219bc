//! The vault's contents and the test controls: secrets and their versions, denials,
//! throttling, issued tokens, counters and the recorded responses.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use super::errors::KvError;
use super::record::RecordedResponse;

/// How a version is created by [`KeyVaultServer::set`](super::KeyVaultServer::set)
/// (all optional, like `SecretSetParameters`).
#[derive(Clone, Debug, Default)]
pub struct SetOptions {
    pub tags: BTreeMap<String, String>,
    pub content_type: Option<String>,
    /// `None` means enabled, as in the service.
    pub enabled: Option<bool>,
    /// `exp`, Unix seconds.
    pub expires: Option<i64>,
    /// `nbf`, Unix seconds.
    pub not_before: Option<i64>,
    /// A fixed version id (32 lowercase hex digits) instead of a random one, so that
    /// fixtures can name versions.
    pub version: Option<String>,
}

/// One version of a secret.
#[derive(Clone, Debug)]
pub(super) struct Version {
    pub id: String,
    pub value: String,
    pub content_type: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub enabled: bool,
    pub expires: Option<i64>,
    pub not_before: Option<i64>,
    pub created: i64,
    pub updated: i64,
}

/// A secret: the name as first created, and its versions oldest first.
#[derive(Clone, Debug)]
pub(super) struct Secret {
    pub name: String,
    pub versions: Vec<Version>,
}

impl Secret {
    /// The newest version, which `GET /secrets/{name}` answers.
    pub fn latest(&self) -> &Version {
        self.versions
            .last()
            .expect("a secret has at least one version")
    }
}

/// What `PATCH /secrets/{name}/{version}` may change (`SecretUpdateParameters`).
#[derive(Clone, Debug, Default)]
pub(super) struct Update {
    pub enabled: Option<bool>,
    pub expires: Option<i64>,
    pub not_before: Option<i64>,
    pub tags: Option<BTreeMap<String, String>>,
    pub content_type: Option<String>,
}

/// A token the token endpoint issued.
#[derive(Clone, Debug)]
pub(super) struct IssuedToken {
    pub tenant_id: String,
    pub client_id: String,
    /// The resource of the requested scope (`https://vault.azure.net` for Key Vault).
    pub audience: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Everything that changes while the server runs.
#[derive(Default)]
pub(super) struct State {
    /// By lowercase name: Key Vault names are case-insensitive.
    secrets: BTreeMap<String, Secret>,
    /// Lowercase names.
    denied: BTreeSet<String>,
    pub deny_all: bool,
    /// Requests still to throttle, and the `Retry-After` seconds to send.
    throttle: Option<(usize, u64)>,
    tokens: HashMap<String, IssuedToken>,
    pub requests: usize,
    pub token_requests: usize,
    pub responses: Vec<RecordedResponse>,
}

/// Unix seconds now.
pub(super) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Key Vault's rule for object names: 1–127 letters, digits and dashes.
pub(super) fn valid_name(name: &str) -> bool {
    (1..=127).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn new_version_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl State {
    /// Adds a version (creating the secret if needed) and returns its id.
    pub fn set(
        &mut self,
        name: &str,
        value: &str,
        options: SetOptions,
        now: i64,
    ) -> Result<String, KvError> {
        if !valid_name(name) {
            return Err(KvError::invalid_name(name));
        }
        let id = options.version.unwrap_or_else(new_version_id);
        let version = Version {
            id: id.clone(),
            value: value.to_owned(),
            content_type: options.content_type,
            tags: options.tags,
            enabled: options.enabled.unwrap_or(true),
            expires: options.expires,
            not_before: options.not_before,
            created: now,
            updated: now,
        };
        self.secrets
            .entry(name.to_ascii_lowercase())
            .or_insert_with(|| Secret {
                name: name.to_owned(),
                versions: Vec::new(),
            })
            .versions
            .push(version);
        Ok(id)
    }

    /// The secret called `name`, any case.
    pub fn secret(&self, name: &str) -> Option<&Secret> {
        self.secrets.get(&name.to_ascii_lowercase())
    }

    /// A version of `name` (`None` or empty: the latest), whatever its state.
    pub fn version(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<(&Secret, &Version), KvError> {
        let secret = self
            .secret(name)
            .ok_or_else(|| KvError::not_found(name, None))?;
        let found = match version.filter(|v| !v.is_empty()) {
            None => Some(secret.latest()),
            Some(id) => secret
                .versions
                .iter()
                .find(|v| v.id.eq_ignore_ascii_case(id)),
        };
        found
            .map(|v| (secret, v))
            .ok_or_else(|| KvError::not_found(name, version))
    }

    /// Changes what `update` carries on one version; `updated` becomes `now`.
    pub fn update(
        &mut self,
        name: &str,
        version: Option<&str>,
        update: Update,
        now: i64,
    ) -> Result<(Secret, Version), KvError> {
        let not_found = || KvError::not_found(name, version);
        let secret = self
            .secrets
            .get_mut(&name.to_ascii_lowercase())
            .ok_or_else(not_found)?;
        let found = match version.filter(|v| !v.is_empty()) {
            None => secret.versions.last_mut(),
            Some(id) => secret
                .versions
                .iter_mut()
                .find(|v| v.id.eq_ignore_ascii_case(id)),
        }
        .ok_or_else(not_found)?;
        apply_update(found, update, now);
        let updated = found.clone();
        Ok((secret.clone(), updated))
    }

    /// Every secret with its latest version, ordered by lowercase name.
    pub fn secrets(&self) -> impl Iterator<Item = (&String, &Secret)> {
        self.secrets.iter()
    }

    pub fn disable(&mut self, name: &str, version: &str) {
        let update = Update {
            enabled: Some(false),
            ..Update::default()
        };
        self.update(name, Some(version), update, now())
            .unwrap_or_else(|_| panic!("no version {version} of secret {name} to disable"));
    }

    pub fn version_ids(&self, name: &str) -> Vec<String> {
        self.secret(name)
            .map(|s| s.versions.iter().map(|v| v.id.clone()).collect())
            .unwrap_or_default()
    }

    pub fn deny(&mut self, name: &str) {
        self.denied.insert(name.to_ascii_lowercase());
    }

    /// Whether operations on `name` (or, with `None`, on the vault) are denied.
    pub fn is_denied(&self, name: Option<&str>) -> bool {
        self.deny_all || name.is_some_and(|n| self.denied.contains(&n.to_ascii_lowercase()))
    }

    pub fn throttle(&mut self, requests: usize, retry_after_secs: u64) {
        self.throttle = (requests > 0).then_some((requests, retry_after_secs));
    }

    /// Whether this request is throttled, and if so the `Retry-After` seconds.
    pub fn take_throttle(&mut self) -> Option<u64> {
        let (left, retry_after) = self.throttle?;
        self.throttle = (left > 1).then_some((left - 1, retry_after));
        Some(retry_after)
    }

    pub fn issue_token(&mut self, token: String, issued: IssuedToken) {
        self.tokens.insert(token, issued);
    }

    pub fn token(&self, token: &str) -> Option<&IssuedToken> {
        self.tokens.get(token)
    }

    pub fn expire_tokens(&mut self) {
        let past = now() - 1;
        for token in self.tokens.values_mut() {
            token.expires_at = past;
        }
    }
}

fn apply_update(version: &mut Version, update: Update, now: i64) {
    if let Some(enabled) = update.enabled {
        version.enabled = enabled;
    }
    if update.expires.is_some() {
        version.expires = update.expires;
    }
    if update.not_before.is_some() {
        version.not_before = update.not_before;
    }
    if let Some(tags) = update.tags {
        version.tags = tags;
    }
    if update.content_type.is_some() {
        version.content_type = update.content_type;
    }
    version.updated = now;
}
