//! Resolving secrets through the cache, and Refresh: fetch again what a scope of
//! connections uses, say per connection whether it is unchanged, rotated (old → new
//! version) or failed, and optionally test each one afterwards.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use latchkey_core::{AuditOutcome, Connection, ProviderConfig, SecretRef, SecretValue, ipc_type};
use serde::{Deserialize, Serialize};

use crate::cache::{Cached, Key};
use crate::pipeline::TestReport;
use crate::providers::CachePolicy;
use crate::scope::references;
use crate::{Engine, EngineError, Result};

/// A value as resolution produced it.
pub(crate) struct Resolution {
    pub value: SecretValue,
    pub version_id: Option<String>,
    /// `Some(age)` when served from the cache.
    pub cached_age: Option<Duration>,
    /// Why a refresh failed, when the last good value is served instead.
    pub stale: Option<String>,
    /// The version this fetch replaced, when it was a different one.
    pub rotated_from: Option<Option<String>>,
}

impl From<Cached> for Resolution {
    fn from(c: Cached) -> Self {
        Self {
            value: c.value,
            version_id: c.version_id,
            cached_age: Some(c.age),
            stale: c.stale,
            rotated_from: None,
        }
    }
}

ipc_type! {
/// Which connections a refresh covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "id", rename_all = "snake_case")]
pub enum RefreshScope {
    Connection(String),
    /// These connections (what the rotation watch refreshes after a rotation).
    Connections(Vec<String>),
    /// Every connection that uses this secrets manager.
    Provider(String),
    Project(String),
    All,
}
}

ipc_type! {
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshOutcome {
    /// Same versions as before.
    Unchanged,
    /// At least one secret has a new version.
    Rotated,
    /// A secret could not be fetched (the last good value may still serve: `stale`).
    Failed,
    /// The connection uses no secret reference.
    NoSecrets,
}
}

ipc_type! {
/// One connection in a refresh's result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RefreshItem {
    pub connection_id: String,
    pub connection: String,
    pub outcome: RefreshOutcome,
    /// "v1 → v2" per rotated reference, or why it failed.
    pub detail: String,
    /// Whether the last good value keeps serving after a failure.
    pub stale: bool,
    /// The test run after the refresh ("Refresh and test").
    pub test: Option<TestReport>,
}
}

ipc_type! {
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RefreshReport {
    pub items: Vec<RefreshItem>,
    /// Distinct secrets fetched (each once, however many connections share it).
    pub secrets_fetched: u32,
    pub duration_ms: u32,
}
}

ipc_type! {
/// A connection's health at a glance, the most pressing first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Its last test failed.
    Failed,
    /// A refresh failed and an old value keeps serving.
    Stale,
    /// A secret it uses has a new version it has not picked up.
    RotatedUpstream,
    /// A secret it uses expires or is due to rotate soon.
    Expiring,
    /// Its last test passed.
    Ok,
    /// Never tested.
    Untested,
}
}

ipc_type! {
/// A connection's last test, as the workspace database keeps it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LastTestView {
    pub at: String,
    pub ok: bool,
    pub detail: String,
}
}

ipc_type! {
/// What Latchkey knows about one connection's secrets and tests (its row's status).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConnectionSecrets {
    pub connection_id: String,
    /// When the oldest of its secrets was last fetched, by any process (RFC 3339).
    pub fetched_at: Option<String>,
    /// Why a refresh failed while an old value keeps serving (this process).
    pub stale: Option<String>,
    /// When one of its secrets last got a new version in use (RFC 3339).
    pub rotated_at: Option<String>,
    /// Whether a secret it uses has a newer version upstream.
    pub rotated_upstream: bool,
    /// Expiry or rotation-due warnings of its secrets.
    pub warning: Option<String>,
    pub last_test: Option<LastTestView>,
    pub health: Health,
}
}

ipc_type! {
/// A cache entry as the cache view lists it: never the value.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CacheEntryView {
    pub provider_id: String,
    pub provider: String,
    pub secret: String,
    pub version: Option<String>,
    pub version_id: Option<String>,
    pub age_secs: u32,
    pub ttl_secs: u32,
    pub hits: u32,
    pub stale: Option<String>,
}
}

/// The secret references of a connection, without their JSON keys (what is cached).
fn wholes(c: &Connection) -> Vec<SecretRef> {
    let mut out: Vec<SecretRef> = references(c)
        .map(|(_, r)| SecretRef {
            json_key: None,
            ..r.clone()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Engine {
    /// Resolves the whole secret `whole` names (no JSON key): from the cache while
    /// fresh, else one provider call however many callers ask at once; `force` skips
    /// what was cached before the call (Refresh). A failed fetch serves the last good
    /// value, marked stale, when the manager allows it.
    ///
    /// `p` is the manager the reference names in its connection's scope
    /// ([`crate::scope::Managers::find`]), looked up once by the caller.
    pub(crate) async fn resolve(
        &self,
        p: &ProviderConfig,
        whole: &SecretRef,
        force: bool,
    ) -> Result<Resolution> {
        let asked = Instant::now();
        let client = self.client(p).await?;
        let policy = CachePolicy::of(p);
        let ttl = Duration::from_secs(u64::from(policy.ttl_secs));
        let key = Key::new(&p.id, whole);
        let after = force.then_some(asked);
        if let Some(hit) = self.cache.fresh(&key, ttl, after) {
            self.meter(&p.id, "cache_hit", "ok", 1).await;
            return Ok(hit.into());
        }
        let flight = self.cache.flight(&key);
        let _one_at_a_time = flight.lock().await;
        // Whoever held the lock may have fetched it meanwhile.
        if let Some(hit) = self.cache.fresh(&key, ttl, after) {
            self.meter(&p.id, "cache_hit", "ok", 1).await;
            return Ok(hit.into());
        }
        let read = client.read(whole).await;
        self.meter(&p.id, "read", crate::rotation::call_outcome(&read), 1)
            .await;
        match read {
            Ok(r) => {
                let cached_from = if ttl.is_zero() {
                    None
                } else {
                    self.cache
                        .store(key, r.value.clone(), r.version_id.clone())
                        .rotated_from
                };
                // "Rotated" is decided from the workspace's version history, so it
                // holds with the cache off and across processes; this process's own
                // cache still says so when another process recorded the change first.
                let rotated_from = self
                    .record_fetch(&p.id, whole, r.version_id.as_deref())
                    .await
                    .or(cached_from);
                Ok(Resolution {
                    value: r.value,
                    version_id: r.version_id,
                    cached_age: None,
                    stale: None,
                    rotated_from,
                })
            }
            Err(e) => {
                let e = EngineError::from(e);
                if policy.stale_if_error
                    && let Some(old) = self.cache.serve_stale(&key, e.to_string())
                {
                    return Ok(old.into());
                }
                Err(e)
            }
        }
    }

    /// Reads a value for a test before cutover: straight from the manager, never
    /// cached, never recorded as the version in use.
    pub(crate) async fn read_trial(
        &self,
        p: &ProviderConfig,
        whole: &SecretRef,
    ) -> Result<Resolution> {
        let client = self.client(p).await?;
        let read = client.read(whole).await;
        self.meter(&p.id, "read", crate::rotation::call_outcome(&read), 1)
            .await;
        let r = read?;
        Ok(Resolution {
            value: r.value,
            version_id: r.version_id,
            cached_age: None,
            stale: None,
            rotated_from: None,
        })
    }

    /// The connections a scope covers.
    async fn in_scope(&self, scope: &RefreshScope) -> Result<Vec<Connection>> {
        let all = self.store.connections().list(None).await?;
        Ok(match scope {
            RefreshScope::All => all,
            RefreshScope::Connection(id) => {
                let c: Vec<_> = all.into_iter().filter(|c| &c.id == id).collect();
                if c.is_empty() {
                    return Err(EngineError::NotFound(
                        "That connection no longer exists: reload the list.".into(),
                    ));
                }
                c
            }
            RefreshScope::Connections(ids) => {
                all.into_iter().filter(|c| ids.contains(&c.id)).collect()
            }
            RefreshScope::Project(id) => all.into_iter().filter(|c| &c.project_id == id).collect(),
            RefreshScope::Provider(id) => {
                self.store.providers().get(id).await?;
                let managers = self.managers().await?;
                all.into_iter()
                    .filter(|c| {
                        references(c).any(|(_, r)| {
                            managers
                                .find(&c.project_id, &r.provider)
                                .is_ok_and(|p| &p.id == id)
                        })
                    })
                    .collect()
            }
        })
    }

    /// Fetches again every secret the scope's connections use (each distinct secret
    /// once, eight at a time), and says per connection what changed.
    pub async fn refresh(&self, scope: RefreshScope, test: bool) -> Result<RefreshReport> {
        let started = Instant::now();
        let connections = self.in_scope(&scope).await?;
        // Each distinct (manager, secret) once: the same alias names different managers
        // in different projects in project mode. A reference that names no manager in
        // its connection's scope fails without a call.
        let managers = self.managers().await?;
        let mut distinct: BTreeMap<(String, SecretRef), ProviderConfig> = BTreeMap::new();
        let mut unscoped: BTreeMap<(String, SecretRef), String> = BTreeMap::new();
        for c in &connections {
            for r in wholes(c) {
                match managers.find(&c.project_id, &r.provider) {
                    Ok(p) => {
                        distinct
                            .entry((p.id.clone(), r))
                            .or_insert_with(|| p.clone());
                    }
                    Err(e) => {
                        unscoped.insert((c.id.clone(), r), e.to_string());
                    }
                }
            }
        }
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(8));
        let mut tasks = tokio::task::JoinSet::new();
        for ((provider_id, r), p) in distinct.iter() {
            let (engine, gate) = (self.clone(), gate.clone());
            let (key, r, p) = (provider_id.clone(), r.clone(), p.clone());
            tasks.spawn(async move {
                let _permit = gate.acquire_owned().await;
                let t = Instant::now();
                let result = engine.resolve(&p, &r, true).await;
                (key, r, result, t.elapsed())
            });
        }
        // Per secret: Ok((old version if rotated, new version)) or the reason it failed.
        let mut fetched: BTreeMap<
            (String, SecretRef),
            std::result::Result<String, (String, bool)>,
        > = BTreeMap::new();
        while let Some(done) = tasks.join_next().await {
            let (provider_id, r, result, took) =
                done.map_err(|e| EngineError::Internal(format!("refresh task failed: {e}")))?;
            let ms = took.as_millis();
            let (outcome, detail, entry) = match result {
                Ok(res) if res.stale.is_some() => {
                    let why = res.stale.unwrap_or_default();
                    (
                        AuditOutcome::Failed,
                        format!("refresh failed ({ms} ms), serving the last value: {why}"),
                        Err((why, true)),
                    )
                }
                Ok(res) => {
                    let new = res.version_id.clone().unwrap_or_else(|| "-".into());
                    let change = match res.rotated_from {
                        Some(old) => format!("{} → {new}", old.as_deref().unwrap_or("-")),
                        None => String::new(),
                    };
                    (
                        AuditOutcome::Ok,
                        format!("refreshed ({ms} ms, version {new})"),
                        Ok(change),
                    )
                }
                Err(e) => (
                    AuditOutcome::Failed,
                    format!("refresh failed ({ms} ms): {e}"),
                    Err((e.to_string(), false)),
                ),
            };
            self.audit("secret.read", r.to_string(), outcome, detail)
                .await;
            fetched.insert((provider_id, r), entry);
        }

        let mut items = Vec::new();
        for c in &connections {
            let refs = wholes(c);
            let mut rotated = Vec::new();
            let mut failed = Vec::new();
            let mut stale = false;
            for r in &refs {
                if let Some(why) = unscoped.get(&(c.id.clone(), r.clone())) {
                    failed.push(format!("{r}: {why}"));
                    continue;
                }
                let Ok(p) = managers.find(&c.project_id, &r.provider) else {
                    continue;
                };
                match fetched.get(&(p.id.clone(), r.clone())) {
                    Some(Ok(change)) if !change.is_empty() => {
                        rotated.push(format!("{r}: {change}"))
                    }
                    Some(Err((why, served))) => {
                        stale |= *served;
                        failed.push(format!("{r}: {why}"));
                    }
                    _ => {}
                }
            }
            let (outcome, detail) = if refs.is_empty() {
                (RefreshOutcome::NoSecrets, "no secret reference".to_owned())
            } else if !failed.is_empty() {
                (RefreshOutcome::Failed, failed.join("; "))
            } else if !rotated.is_empty() {
                (RefreshOutcome::Rotated, rotated.join("; "))
            } else {
                (RefreshOutcome::Unchanged, String::new())
            };
            let test = if test {
                Some(self.test_connection(&c.id, &|_| {}).await?)
            } else {
                None
            };
            items.push(RefreshItem {
                connection_id: c.id.clone(),
                connection: c.name.clone(),
                outcome,
                detail,
                stale,
                test,
            });
        }
        let failed = items
            .iter()
            .filter(|i| i.outcome == RefreshOutcome::Failed)
            .count();
        let rotated = items
            .iter()
            .filter(|i| i.outcome == RefreshOutcome::Rotated)
            .count();
        self.audit(
            "cache.refreshed",
            match &scope {
                RefreshScope::All => "all".to_owned(),
                RefreshScope::Connection(id) => format!("connection:{id}"),
                RefreshScope::Connections(ids) => format!("connections:{}", ids.len()),
                RefreshScope::Project(id) => format!("project:{id}"),
                RefreshScope::Provider(id) => format!("provider:{id}"),
            },
            if failed == 0 {
                AuditOutcome::Ok
            } else {
                AuditOutcome::Failed
            },
            format!(
                "{} connections, {} secrets: {rotated} rotated, {failed} failed{}",
                items.len(),
                fetched.len(),
                if test { ", then tested" } else { "" }
            ),
        )
        .await;
        Ok(RefreshReport {
            items,
            secrets_fetched: u32::try_from(fetched.len()).unwrap_or(u32::MAX),
            duration_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        })
    }

    /// Per connection: when its secrets were fetched, whether one rotated (here or
    /// upstream), expiry warnings, its last test, and its health; every connection.
    pub async fn connection_secrets(&self) -> Result<Vec<ConnectionSecrets>> {
        let managers = self.managers().await?;
        let connections = self.store.connections().list(None).await?;
        let rows = self.version_rows().await?;
        let tests: BTreeMap<String, latchkey_store::LastTest> = self
            .store
            .tests()
            .list()
            .await?
            .into_iter()
            .map(|t| (t.connection_id.clone(), t))
            .collect();
        let mut stale: BTreeMap<Key, String> = BTreeMap::new();
        self.cache.each(|k, e| {
            if let Some(why) = &e.stale {
                stale.insert(k.clone(), why.clone());
            }
        });
        let days = self.store.settings().get().await?.expiry_warning_days;
        let now = chrono::Utc::now();
        let mut out = Vec::new();
        for c in &connections {
            let mut status = ConnectionSecrets {
                connection_id: c.id.clone(),
                fetched_at: None,
                stale: None,
                rotated_at: None,
                rotated_upstream: false,
                warning: None,
                last_test: tests.get(&c.id).map(|t| LastTestView {
                    at: t.at.clone(),
                    ok: t.ok,
                    detail: t.detail.clone(),
                }),
                health: Health::Untested,
            };
            let mut warnings = Vec::new();
            for r in wholes(c) {
                let Ok(p) = managers.find(&c.project_id, &r.provider) else {
                    continue;
                };
                if status.stale.is_none() {
                    status.stale = stale.get(&Key::new(&p.id, &r)).cloned();
                }
                let Some(row) =
                    rows.get(&(p.id.clone(), r.path.clone(), crate::rotation::selector(&r)))
                else {
                    continue;
                };
                if let Some(at) = &row.fetched_at
                    && status.fetched_at.as_ref().is_none_or(|o| at < o)
                {
                    status.fetched_at = Some(at.clone());
                }
                if row.changed_at > status.rotated_at {
                    status.rotated_at.clone_from(&row.changed_at);
                }
                status.rotated_upstream |= row.rotated_upstream();
                if let (Some(w), _) = crate::rotation::warning(row, days, now) {
                    warnings.push(format!("{r}: {w}"));
                }
            }
            status.warning = (!warnings.is_empty()).then(|| warnings.join("; "));
            status.health = match &status.last_test {
                Some(t) if !t.ok => Health::Failed,
                _ if status.stale.is_some() => Health::Stale,
                _ if status.rotated_upstream => Health::RotatedUpstream,
                _ if status.warning.is_some() => Health::Expiring,
                Some(_) => Health::Ok,
                None => Health::Untested,
            };
            out.push(status);
        }
        Ok(out)
    }

    /// The cache's entries (metadata only).
    pub async fn cache_entries(&self) -> Result<Vec<CacheEntryView>> {
        let providers = self.store.providers().list().await?;
        let mut out = Vec::new();
        self.cache.each(|k, e| {
            let p = providers.iter().find(|p| p.id == k.provider_id);
            out.push(CacheEntryView {
                provider_id: k.provider_id.clone(),
                provider: p.map(|p| p.alias.clone()).unwrap_or_default(),
                secret: k.path.clone(),
                version: k.version.clone(),
                version_id: e.version_id.clone(),
                age_secs: u32::try_from(e.fetched.elapsed().as_secs()).unwrap_or(u32::MAX),
                ttl_secs: p.map_or(0, |p| CachePolicy::of(p).ttl_secs),
                hits: u32::try_from(e.hits).unwrap_or(u32::MAX),
                stale: e.stale.clone(),
            });
        });
        out.sort_by(|a, b| (&a.provider, &a.secret).cmp(&(&b.provider, &b.secret)));
        Ok(out)
    }

    /// Empties the cache (one manager's entries, or all); values are zeroized.
    pub async fn clear_cache(&self, provider_id: Option<&str>) -> Result<u32> {
        let gone = match provider_id {
            Some(id) => self.cache.clear(|k| k.provider_id != id),
            None => self.cache.clear(|_| false),
        };
        self.audit(
            "cache.cleared",
            provider_id.map_or("all".into(), |id| format!("provider:{id}")),
            AuditOutcome::Ok,
            format!("{gone} entries"),
        )
        .await;
        Ok(u32::try_from(gone).unwrap_or(u32::MAX))
    }

    /// Requests the manager's client has sent (for benchmarks and tests).
    pub async fn provider_requests(&self, provider_id: &str) -> Result<u64> {
        let p = self.store.providers().get(provider_id).await?;
        Ok(self.client(&p).await?.requests_sent())
    }
}
