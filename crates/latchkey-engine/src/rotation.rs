//! Rotation awareness: what Latchkey knows about each secret in use, durable in the
//! workspace database so it holds across processes, restarts and a cache that is off.
//!
//! - **Version history**: every fetch of a value records the version it got
//!   ([`Engine::record_fetch`]); "rotated" is decided from that record, not from the
//!   value cache.
//! - **The inventory** ([`Engine::secrets_inventory`]): every secret a connection
//!   references, its version in use, rotation state, expiry and rotation dates, and the
//!   connections that use it.
//! - **The rotation watch** ([`Engine::watch_now`], [`Engine::watch_due`]): metadata
//!   only, never a value, bounded by a call budget and a timeout, backing off when the
//!   manager throttles or is down.
//! - **The call meter** ([`Engine::provider_stats`]) and the **audited reveal**
//!   ([`Engine::reveal_secret`]).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use latchkey_core::{
    AuditOutcome, Connection, ExposeSecret, ProviderConfig, ProviderKind, SecretRef, SecretVersion,
    ipc_type,
};
use latchkey_providers::{ProviderError, WatchTarget};
use latchkey_store::{SecretVersionRow, WatchCycle, WatchSeen};
use serde::{Deserialize, Serialize};

use crate::refresh::{RefreshReport, RefreshScope};
use crate::scope::{Managers, references};
use crate::{Engine, EngineError, Result};

/// How a reference's version selector is stored: `""` (current), `id:…`, `stage:…`.
pub(crate) fn selector(r: &SecretRef) -> String {
    selector_for(r.version.as_ref())
}

fn selector_for(version: Option<&SecretVersion>) -> String {
    match version {
        None => String::new(),
        Some(SecretVersion::Id(id)) => format!("id:{id}"),
        Some(SecretVersion::Stage(s)) => format!("stage:{s}"),
    }
}

fn version_of(selector: &str) -> Option<SecretVersion> {
    if let Some(id) = selector.strip_prefix("id:") {
        Some(SecretVersion::Id(id.to_owned()))
    } else {
        selector
            .strip_prefix("stage:")
            .map(|s| SecretVersion::Stage(s.to_owned()))
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

ipc_type! {
/// How often a manager's rotation watch looks, and what it does when a secret in use
/// has a new version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchPolicy {
    /// Seconds between looks; 0 turns the watch off.
    pub interval_secs: u32,
    /// Refresh and re-test the connections that use a rotated secret.
    pub refresh_and_test: bool,
    /// At most this many calls to the manager per look (the rest wait for the next).
    pub max_calls: u32,
}
}

impl Default for WatchPolicy {
    fn default() -> Self {
        Self {
            interval_secs: 300,
            refresh_and_test: false,
            max_calls: 100,
        }
    }
}

impl WatchPolicy {
    pub(crate) fn of(p: &ProviderConfig) -> Self {
        serde_json::from_value(p.settings["watch"].clone()).unwrap_or_default()
    }

    /// Checks a submitted policy; each error names its field.
    pub(crate) fn check(&self) -> Result<()> {
        if self.interval_secs != 0 && !(10..=86_400).contains(&self.interval_secs) {
            return Err(EngineError::field(
                "watch_interval",
                "The rotation watch looks every 10 seconds to 24 hours (or is off): choose an interval in that range.",
            ));
        }
        if !(1..=1000).contains(&self.max_calls) {
            return Err(EngineError::field(
                "watch_max_calls",
                "A look may make 1 to 1000 calls to the manager: choose a number in that range.",
            ));
        }
        Ok(())
    }
}

ipc_type! {
/// Where a secret's life stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RotationState {
    /// No connection has fetched it yet.
    NotFetched,
    /// The version in use is the one the manager reports.
    Unchanged,
    /// The manager has a newer version the connections have not picked up.
    RotatedUpstream,
    /// It rotated, and the new version is in use.
    PickedUp,
}
}

ipc_type! {
/// A connection field that uses a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretUse {
    pub connection_id: String,
    pub connection: String,
    pub project: String,
    pub field: String,
    /// The JSON key it takes, when it takes one.
    pub json_key: Option<String>,
}
}

ipc_type! {
/// One secret in the inventory: metadata and dates only, never a value.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InventoryItem {
    /// `None` when the reference names no manager in its connection's scope.
    pub provider_id: Option<String>,
    pub provider: String,
    pub provider_kind: Option<ProviderKind>,
    pub secret: String,
    /// What the references pin (`id:…`, `stage:…`), or `None` for the current version.
    pub selector: Option<String>,
    /// The reference, without a JSON key (`secret://alias/path#version`).
    pub reference: String,
    pub state: RotationState,
    pub version_in_use: Option<String>,
    pub fetched_at: Option<String>,
    pub previous_version: Option<String>,
    pub changed_at: Option<String>,
    pub upstream_version: Option<String>,
    pub upstream_changed_at: Option<String>,
    pub checked_at: Option<String>,
    pub watch_error: Option<String>,
    pub expires_at: Option<String>,
    pub next_rotation_at: Option<String>,
    pub rotation_enabled: bool,
    /// "expires in 3 days (2026-12-04)", "rotation due in 2 days", "expired on …".
    pub warning: Option<String>,
    /// The sooner of the expiry and the next rotation (what "expires next" sorts by).
    pub due_at: Option<String>,
    /// Why the reference resolves to no manager.
    pub problem: Option<String>,
    pub used_by: Vec<SecretUse>,
}
}

/// The warning for a secret's dates, `days` ahead, and the date it sorts by.
pub(crate) fn warning(
    row: &SecretVersionRow,
    days: u32,
    now: DateTime<Utc>,
) -> (Option<String>, Option<String>) {
    let ahead = chrono::Duration::days(i64::from(days));
    let expires = row.expires_at.as_deref().and_then(parse_time);
    let rotation = row
        .next_rotation_at
        .as_deref()
        .filter(|_| row.rotation_enabled)
        .and_then(parse_time);
    let due = [expires, rotation].into_iter().flatten().min();
    let in_days = |t: DateTime<Utc>| {
        let d = (t - now).num_hours().div_euclid(24);
        match d {
            0 => "today".to_owned(),
            1 => "in 1 day".to_owned(),
            d => format!("in {d} days"),
        }
    };
    let date = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let mut out = Vec::new();
    if let Some(t) = expires {
        if t <= now {
            out.push(format!("expired on {}", date(t)));
        } else if t - now <= ahead {
            out.push(format!("expires {} ({})", in_days(t), date(t)));
        }
    }
    if let Some(t) = rotation {
        if t <= now {
            out.push(format!("rotation overdue since {}", date(t)));
        } else if t - now <= ahead {
            out.push(format!("rotation due {} ({})", in_days(t), date(t)));
        }
    }
    ((!out.is_empty()).then(|| out.join("; ")), due.map(rfc3339))
}

/// The state a row says.
pub(crate) fn state(row: Option<&SecretVersionRow>) -> RotationState {
    match row {
        None => RotationState::NotFetched,
        Some(r) if r.version_in_use.is_none() && r.fetched_at.is_none() => {
            RotationState::NotFetched
        }
        Some(r) if r.rotated_upstream() => RotationState::RotatedUpstream,
        Some(r) if r.previous_version.is_some() => RotationState::PickedUp,
        Some(_) => RotationState::Unchanged,
    }
}

/// The (manager, whole secret) each reference of `connections` names, with its uses;
/// references that name no manager are keyed by alias with the reason.
type UseKey = (Option<String>, String, String, String);

struct Uses {
    by_key: BTreeMap<UseKey, (Vec<SecretUse>, Option<String>)>,
}

fn uses(connections: &[Connection], managers: &Managers) -> Uses {
    let mut by_key: BTreeMap<UseKey, (Vec<SecretUse>, Option<String>)> = BTreeMap::new();
    for c in connections {
        for (field, r) in references(c) {
            let (pid, problem) = match managers.find(&c.project_id, &r.provider) {
                Ok(p) => (Some(p.id.clone()), None),
                Err(e) => (None, Some(e.to_string())),
            };
            // A resolved reference is keyed by its manager, whatever the alias's case.
            let alias = if pid.is_some() {
                String::new()
            } else {
                r.provider.clone()
            };
            let key = (pid, alias, r.path.clone(), selector(r));
            let entry = by_key.entry(key).or_default();
            entry.0.push(SecretUse {
                connection_id: c.id.clone(),
                connection: c.name.clone(),
                project: managers.project(&c.project_id).unwrap_or("").to_owned(),
                field: field.to_owned(),
                json_key: r.json_key.clone(),
            });
            if entry.1.is_none() {
                entry.1 = problem;
            }
        }
    }
    for (list, _) in by_key.values_mut() {
        list.sort_by(|a, b| (&a.connection, &a.field).cmp(&(&b.connection, &b.field)));
    }
    Uses { by_key }
}

ipc_type! {
/// A secret the watch found rotated upstream.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WatchRotation {
    pub reference: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The connections that use it (names).
    pub connections: Vec<String>,
}
}

ipc_type! {
/// One look of a manager's rotation watch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WatchCycleReport {
    pub provider_id: String,
    pub provider: String,
    /// `ok`, `failed` (some secrets could not be read), `backing_off` (throttled or
    /// unreachable: the next look waits longer), `idle` (no secret in use).
    pub outcome: String,
    pub detail: String,
    /// Calls made to the manager (never a value read).
    pub calls: u32,
    pub checked: u32,
    pub rotated: Vec<WatchRotation>,
    pub next_run_at: String,
    /// What "refresh and re-test" did, when the manager asks for it.
    pub refreshed: Option<RefreshReport>,
}
}

ipc_type! {
/// A manager's watch as its page shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WatchStatus {
    pub provider_id: String,
    pub policy: WatchPolicy,
    pub last_run_at: Option<String>,
    pub next_run_at: Option<String>,
    pub outcome: Option<String>,
    pub detail: Option<String>,
    pub calls: u32,
}
}

ipc_type! {
/// Calls of one operation with one outcome.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallStat {
    /// `list`, `describe`, `read`, `watch`.
    pub op: String,
    /// `ok`, `failed`, `throttled`.
    pub outcome: String,
    pub last_hour: u32,
    pub last_day: u32,
}
}

ipc_type! {
/// A manager's call meter.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProviderStats {
    pub provider_id: String,
    pub provider: String,
    pub calls: Vec<CallStat>,
    pub cache_hits_hour: u32,
    pub cache_hits_day: u32,
    /// Cache hits over hits plus value reads, in the last day (`None` without either).
    pub hit_ratio_day: Option<f64>,
    pub watch: WatchStatus,
}
}

ipc_type! {
/// What a reveal asks for.
#[derive(Clone, Debug, Deserialize)]
pub struct RevealRequest {
    pub provider_id: String,
    pub secret: String,
    /// A version ID; `None` for the current one.
    pub version: Option<String>,
    pub json_key: Option<String>,
    /// `reveal` (shown on screen) or `copy` (to the clipboard).
    pub purpose: String,
}
}

ipc_type! {
/// A revealed value: returned once, shown for 30 seconds, never kept.
#[derive(Clone, Serialize)]
pub struct Revealed {
    pub value: String,
    pub version_id: Option<String>,
    pub hide_after_secs: u32,
}
}

impl std::fmt::Debug for Revealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revealed")
            .field("value", &"[redacted]")
            .field("version_id", &self.version_id)
            .finish()
    }
}

/// The call meter's outcome for a provider result.
pub(crate) fn call_outcome<T>(r: &std::result::Result<T, ProviderError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) if e.is_throttle() => "throttled",
        Err(_) => "failed",
    }
}

/// How long one look may take, whatever the manager does.
const WATCH_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest the watch waits after repeated failures.
const MAX_BACKOFF_SECS: i64 = 3600;

impl Engine {
    /// Counts calls in the meter (a failure to count is logged, never fatal).
    pub(crate) async fn meter(&self, provider_id: &str, op: &str, outcome: &str, n: u32) {
        if let Err(e) = self.store.calls().add(provider_id, op, outcome, n).await {
            tracing::warn!(error = %e, "could not count a provider call");
        }
    }

    /// Records the version a fetch got; `Some(previous)` when that is a change from
    /// the version in use before, whichever process fetched it.
    pub(crate) async fn record_fetch(
        &self,
        provider_id: &str,
        whole: &SecretRef,
        version_id: Option<&str>,
    ) -> Option<Option<String>> {
        match self
            .store
            .secrets()
            .record_fetch(provider_id, &whole.path, &selector(whole), version_id)
            .await
        {
            Ok(r) => r.rotated_from,
            Err(e) => {
                tracing::warn!(error = %e, "could not record a secret's version");
                None
            }
        }
    }

    /// Every secret a connection references, soonest due first, then by manager and name.
    pub async fn secrets_inventory(&self) -> Result<Vec<InventoryItem>> {
        let managers = self.managers().await?;
        let connections = self.store.connections().list(None).await?;
        let rows = self.version_rows().await?;
        let days = self.store.settings().get().await?.expiry_warning_days;
        let now = Utc::now();
        let mut out = Vec::new();
        for ((pid, alias, path, sel), (used_by, problem)) in uses(&connections, &managers).by_key {
            let p = pid
                .as_ref()
                .and_then(|id| managers.providers.iter().find(|p| &p.id == id));
            let row = pid
                .as_ref()
                .and_then(|id| rows.get(&(id.clone(), path.clone(), sel.clone())));
            let (warn, due_at) = row.map_or((None, None), |r| warning(r, days, now));
            let reference = SecretRef {
                provider: p.map_or(alias.clone(), |p| p.alias.clone()),
                path: path.clone(),
                version: version_of(&sel),
                json_key: None,
            };
            let r = row.cloned().unwrap_or_default();
            out.push(InventoryItem {
                provider_id: pid.clone(),
                provider: reference.provider.clone(),
                provider_kind: p.map(|p| p.kind),
                secret: path,
                selector: (!sel.is_empty()).then_some(sel),
                reference: reference.to_string(),
                state: state(row),
                version_in_use: r.version_in_use,
                fetched_at: r.fetched_at,
                previous_version: r.previous_version,
                changed_at: r.changed_at,
                upstream_version: r.upstream_version,
                upstream_changed_at: r.upstream_changed_at,
                checked_at: r.checked_at,
                watch_error: r.watch_error,
                expires_at: r.expires_at,
                next_rotation_at: r.next_rotation_at,
                rotation_enabled: r.rotation_enabled,
                warning: warn,
                due_at,
                problem,
                used_by,
            });
        }
        out.sort_by(|a, b| {
            (a.due_at.is_none(), &a.due_at, &a.provider, &a.secret).cmp(&(
                b.due_at.is_none(),
                &b.due_at,
                &b.provider,
                &b.secret,
            ))
        });
        Ok(out)
    }

    /// The connection fields that use a secret of a manager (any version): the
    /// picker's "used by".
    pub async fn secret_used_by(&self, provider_id: &str, secret: &str) -> Result<Vec<SecretUse>> {
        let managers = self.managers().await?;
        let connections = self.store.connections().list(None).await?;
        let mut out: Vec<SecretUse> = uses(&connections, &managers)
            .by_key
            .into_iter()
            .filter(|((pid, _, path, _), _)| pid.as_deref() == Some(provider_id) && path == secret)
            .flat_map(|(_, (u, _))| u)
            .collect();
        out.sort_by(|a, b| (&a.connection, &a.field).cmp(&(&b.connection, &b.field)));
        out.dedup();
        Ok(out)
    }

    /// Each manager's watch: its policy and last look.
    pub async fn watch_status(&self) -> Result<Vec<WatchStatus>> {
        let cycles = self.store.watch().list().await?;
        Ok(self
            .store
            .providers()
            .list()
            .await?
            .iter()
            .map(|p| status_of(p, cycles.iter().find(|c| c.provider_id == p.id)))
            .collect())
    }

    /// Looks now at every manager whose watch is on and due.
    pub async fn watch_due(&self) -> Result<Vec<WatchCycleReport>> {
        let cycles = self.store.watch().list().await?;
        let now = rfc3339(Utc::now());
        let mut out = Vec::new();
        for p in self.store.providers().list().await? {
            let policy = WatchPolicy::of(&p);
            if policy.interval_secs == 0 || !latchkey_providers::spec(p.kind).available {
                continue;
            }
            // Backing off: the stored next look. Otherwise the manager's interval as it is
            // now, so a shortened interval applies at once.
            let due = cycles
                .iter()
                .find(|c| c.provider_id == p.id)
                .is_none_or(|c| {
                    if c.failures > 0 {
                        return c.next_run_at <= now;
                    }
                    parse_time(&c.last_run_at).is_none_or(|last| {
                        rfc3339(last + chrono::Duration::seconds(i64::from(policy.interval_secs)))
                            <= now
                    })
                });
            if due {
                // One manager's failure to look (its record, its client) never stops
                // the others': it is logged and the next tick tries again.
                match self.watch_cycle(&p).await {
                    Ok(r) => out.push(r),
                    Err(e) => {
                        tracing::warn!(provider = %p.alias, error = %e, "the rotation watch could not look");
                    }
                }
            }
        }
        Ok(out)
    }

    /// One look of a manager's watch, now (whatever its interval says).
    pub async fn watch_now(&self, provider_id: &str) -> Result<WatchCycleReport> {
        let p = self.store.providers().get(provider_id).await?;
        self.watch_cycle(&p).await
    }

    async fn watch_cycle(&self, p: &ProviderConfig) -> Result<WatchCycleReport> {
        let policy = WatchPolicy::of(p);
        let managers = self.managers().await?;
        let connections = self.store.connections().list(None).await?;
        let in_use: BTreeMap<(String, String), Vec<SecretUse>> = uses(&connections, &managers)
            .by_key
            .into_iter()
            .filter(|((pid, ..), _)| pid.as_deref() == Some(p.id.as_str()))
            .map(|((_, _, path, sel), (u, _))| ((path, sel), u))
            .collect();
        let rows: BTreeMap<(String, String), SecretVersionRow> = self
            .version_rows()
            .await?
            .into_iter()
            .filter(|((pid, ..), _)| pid == &p.id)
            .map(|((_, path, sel), r)| ((path, sel), r))
            .collect();
        let before = self
            .store
            .watch()
            .list()
            .await?
            .into_iter()
            .find(|c| c.provider_id == p.id);
        let interval = i64::from(if policy.interval_secs == 0 {
            300
        } else {
            policy.interval_secs
        });
        let finish = |outcome: &str, detail: String, calls: u32, failures: u32| {
            let wait = if failures == 0 {
                interval
            } else {
                (interval << failures.min(12)).min(MAX_BACKOFF_SECS.max(interval))
            };
            let now = Utc::now();
            WatchCycle {
                provider_id: p.id.clone(),
                last_run_at: rfc3339(now),
                next_run_at: rfc3339(now + chrono::Duration::seconds(wait)),
                outcome: outcome.to_owned(),
                detail,
                calls,
                failures,
            }
        };
        if in_use.is_empty() {
            let c = finish("idle", "no secret of this manager is in use".into(), 0, 0);
            self.store.watch().put(&c).await?;
            return Ok(report(p, &c, 0, Vec::new(), None));
        }
        // Oldest look first, so a call budget smaller than the count rotates through all.
        let mut targets: Vec<WatchTarget> = in_use
            .keys()
            .map(|(path, sel)| WatchTarget {
                name: path.clone(),
                version: version_of(sel),
            })
            .collect();
        targets.sort_by_key(|t| {
            rows.get(&(t.name.clone(), selector_for(t.version.as_ref())))
                .and_then(|r| r.checked_at.clone())
                .unwrap_or_default()
        });
        let failures_before = before.as_ref().map_or(0, |c| c.failures);
        let client = match self.client(p).await {
            Ok(c) => c,
            Err(e) => {
                // No client (a keychain entry missing, a sign-in refused): back off like
                // any failed look instead of retrying at every tick.
                let detail = format!("could not sign in to look: {e}");
                let c = finish("backing_off", detail, 0, failures_before + 1);
                self.store.watch().put(&c).await?;
                self.watch_failed(p, &c).await;
                return Ok(report(p, &c, 0, Vec::new(), None));
            }
        };
        let look_started = latchkey_store::now();
        let looked =
            tokio::time::timeout(WATCH_TIMEOUT, client.watch(&targets, policy.max_calls)).await;
        let Ok(look) = looked else {
            let detail = format!(
                "the manager did not answer within {} s: the watch waits longer before the next look",
                WATCH_TIMEOUT.as_secs()
            );
            let c = finish("backing_off", detail, 0, failures_before + 1);
            self.store.watch().put(&c).await?;
            self.meter(&p.id, "watch", "failed", 1).await;
            self.watch_failed(p, &c).await;
            return Ok(report(p, &c, 0, Vec::new(), None));
        };
        let expiry_key = latchkey_providers::spec(p.kind)
            .field("expiry_metadata_key")
            .and_then(|_| p.settings.get("expiry_metadata_key"))
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned);
        let mut rotated = Vec::new();
        let mut errors = Vec::new();
        for (t, result) in &look.results {
            let sel = selector_for(t.version.as_ref());
            let r = SecretRef {
                provider: p.alias.clone(),
                path: t.name.clone(),
                version: t.version.clone(),
                json_key: None,
            };
            match result {
                Ok(info) => {
                    let tagged = expiry_key.as_ref().and_then(|k| {
                        info.tags
                            .iter()
                            .find(|(tk, _)| tk == k)
                            .and_then(|(_, v)| parse_time(v))
                            .map(rfc3339)
                    });
                    let seen = WatchSeen {
                        version: info.version_id.clone(),
                        expires_at: info.expires.clone().or(tagged),
                        next_rotation_at: info.next_rotation.clone(),
                        rotation_enabled: info.rotation_enabled,
                    };
                    let newly = self
                        .store
                        .secrets()
                        .record_watch(&p.id, &t.name, &sel, &seen, &look_started)
                        .await?;
                    if newly {
                        let from = rows
                            .get(&(t.name.clone(), sel.clone()))
                            .and_then(|r| r.version_in_use.clone());
                        let names: Vec<String> = in_use
                            .get(&(t.name.clone(), sel.clone()))
                            .map(|u| {
                                let mut n: Vec<String> =
                                    u.iter().map(|u| u.connection.clone()).collect();
                                n.dedup();
                                n
                            })
                            .unwrap_or_default();
                        self.audit(
                            "secret.rotated_upstream",
                            r.to_string(),
                            AuditOutcome::Ok,
                            format!(
                                "{} → {}; used by {}",
                                from.as_deref().unwrap_or("-"),
                                info.version_id.as_deref().unwrap_or("-"),
                                names.join(", ")
                            ),
                        )
                        .await;
                        rotated.push(WatchRotation {
                            reference: r.to_string(),
                            from,
                            to: info.version_id.clone(),
                            connections: names,
                        });
                    }
                }
                Err(e) => {
                    self.store
                        .secrets()
                        .record_watch_error(&p.id, &t.name, &sel, &e.to_string())
                        .await?;
                    errors.push(format!("{r}: {e}"));
                }
            }
        }
        let outcome_of_calls = match look.backoff_reason() {
            Some(e) if e.is_throttle() => "throttled",
            Some(_) => "failed",
            None if errors.is_empty() => "ok",
            None => "failed",
        };
        self.meter(&p.id, "watch", outcome_of_calls, look.calls.max(1))
            .await;
        let checked = u32::try_from(look.results.len()).unwrap_or(u32::MAX);
        let skipped = targets.len().saturating_sub(look.results.len());
        let c = if let Some(why) = look.backoff_reason() {
            let detail = format!(
                "{why}; the watch waits longer before the next look ({checked} of {} secrets checked)",
                targets.len()
            );
            let c = finish("backing_off", detail, look.calls, failures_before + 1);
            self.watch_failed(p, &c).await;
            c
        } else {
            let mut detail = format!("{checked} secrets checked in {} calls", look.calls);
            if skipped > 0 {
                detail.push_str(&format!(
                    "; {skipped} wait for the next look (at most {} calls a look)",
                    policy.max_calls
                ));
            }
            if !rotated.is_empty() {
                detail.push_str(&format!("; {} rotated upstream", rotated.len()));
            }
            if !errors.is_empty() {
                detail.push_str(&format!(
                    "; {} could not be read: {}",
                    errors.len(),
                    errors.join("; ")
                ));
            }
            if failures_before > 0 {
                self.audit(
                    "watch.recovered",
                    format!("provider:{}", p.alias),
                    AuditOutcome::Ok,
                    detail.clone(),
                )
                .await;
            }
            finish(
                if errors.is_empty() { "ok" } else { "failed" },
                detail,
                look.calls,
                0,
            )
        };
        self.store.watch().put(&c).await?;
        let refreshed = if policy.refresh_and_test && !rotated.is_empty() {
            let ids: BTreeSet<String> = in_use
                .iter()
                .filter(|((path, sel), _)| {
                    rotated.iter().any(|r| {
                        r.reference
                            == SecretRef {
                                provider: p.alias.clone(),
                                path: path.clone(),
                                version: version_of(sel),
                                json_key: None,
                            }
                            .to_string()
                    })
                })
                .flat_map(|(_, u)| u.iter().map(|u| u.connection_id.clone()))
                .collect();
            Some(
                self.refresh(RefreshScope::Connections(ids.into_iter().collect()), true)
                    .await?,
            )
        } else {
            None
        };
        Ok(report(p, &c, checked, rotated, refreshed))
    }

    /// Turns the audited reveal on or off and sets how many days ahead expiry and
    /// rotation-due dates warn (1 to 365).
    pub async fn set_secret_life(
        &self,
        reveal_enabled: bool,
        expiry_warning_days: u32,
    ) -> Result<latchkey_core::WorkspaceSettings> {
        if !(1..=365).contains(&expiry_warning_days) {
            return Err(EngineError::field(
                "expiry_warning_days",
                "Warn 1 to 365 days before a secret expires or is due to rotate: choose a number in that range.",
            ));
        }
        let before = self.store.settings().get().await?;
        self.store
            .settings()
            .set_secret_life(reveal_enabled, expiry_warning_days)
            .await?;
        if before.reveal_enabled != reveal_enabled {
            self.audit(
                "settings.reveal",
                "workspace".into(),
                AuditOutcome::Ok,
                if reveal_enabled {
                    "reveal turned on: the picker and the inventory may show a value, audited"
                        .into()
                } else {
                    "reveal turned off".into()
                },
            )
            .await;
        }
        if before.expiry_warning_days != expiry_warning_days {
            self.audit(
                "settings.expiry_warning",
                "workspace".into(),
                AuditOutcome::Ok,
                format!(
                    "{} → {expiry_warning_days} days ahead",
                    before.expiry_warning_days
                ),
            )
            .await;
        }
        Ok(self.store.settings().get().await?)
    }

    /// Audits the first failed look of a run (later ones only back off further).
    async fn watch_failed(&self, p: &ProviderConfig, c: &WatchCycle) {
        if c.failures == 1 {
            self.audit(
                "watch.failed",
                format!("provider:{}", p.alias),
                AuditOutcome::Failed,
                c.detail.clone(),
            )
            .await;
        }
    }

    /// What the workspace knows about each (manager, secret, selector).
    pub(crate) async fn version_rows(
        &self,
    ) -> Result<BTreeMap<(String, String, String), SecretVersionRow>> {
        Ok(self
            .store
            .secrets()
            .list()
            .await?
            .into_iter()
            .map(|r| {
                (
                    (r.provider_id.clone(), r.path.clone(), r.selector.clone()),
                    r,
                )
            })
            .collect())
    }

    /// A manager's call meter: the last hour and the last day.
    pub async fn provider_stats(&self, provider_id: &str) -> Result<ProviderStats> {
        let p = self.store.providers().get(provider_id).await?;
        let now = Utc::now();
        let hour = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H").to_string();
        // The current hour and the previous 23 make the day; the current hour is the hour.
        let day = self
            .store
            .calls()
            .since(&p.id, &hour(now - chrono::Duration::hours(23)))
            .await?;
        let last = self.store.calls().since(&p.id, &hour(now)).await?;
        let n = |list: &[latchkey_store::CallCount], op: &str, outcome: Option<&str>| -> u32 {
            let total: u64 = list
                .iter()
                .filter(|c| c.op == op && outcome.is_none_or(|o| c.outcome == o))
                .map(|c| c.count)
                .sum();
            u32::try_from(total).unwrap_or(u32::MAX)
        };
        let mut calls = Vec::new();
        for op in ["list", "describe", "read", "watch"] {
            for outcome in ["ok", "failed", "throttled"] {
                let (h, d) = (n(&last, op, Some(outcome)), n(&day, op, Some(outcome)));
                if d > 0 || h > 0 {
                    calls.push(CallStat {
                        op: op.into(),
                        outcome: outcome.into(),
                        last_hour: h,
                        last_day: d,
                    });
                }
            }
        }
        let (hits_h, hits_d) = (n(&last, "cache_hit", None), n(&day, "cache_hit", None));
        let reads_d = n(&day, "read", None);
        let cycles = self.store.watch().list().await?;
        Ok(ProviderStats {
            provider_id: p.id.clone(),
            provider: p.alias.clone(),
            calls,
            cache_hits_hour: hits_h,
            cache_hits_day: hits_d,
            hit_ratio_day: (hits_d + reads_d > 0)
                .then(|| f64::from(hits_d) / f64::from(hits_d + reads_d)),
            watch: status_of(&p, cycles.iter().find(|c| c.provider_id == p.id)),
        })
    }

    /// Reveals one value (or one JSON key of it) to the person at the screen: refused
    /// unless the workspace turned reveal on; every reveal and copy audited with the OS
    /// user, never with the value. Nothing revealed is cached, logged or kept.
    pub async fn reveal_secret(&self, req: RevealRequest) -> Result<Revealed> {
        let p = self.store.providers().get(&req.provider_id).await?;
        let reference = SecretRef {
            provider: p.alias.clone(),
            path: req.secret.clone(),
            version: req
                .version
                .clone()
                .filter(|v| !v.is_empty())
                .map(SecretVersion::Id),
            json_key: req.json_key.clone().filter(|k| !k.is_empty()),
        };
        let purpose = match req.purpose.as_str() {
            "copy" => "copied to the clipboard",
            "reveal" => "revealed on screen",
            _ => {
                return Err(EngineError::field(
                    "purpose",
                    "A reveal is for \"reveal\" (on screen) or \"copy\" (to the clipboard).",
                ));
            }
        };
        if !self.store.settings().get().await?.reveal_enabled {
            self.audit(
                "secret.revealed",
                reference.to_string(),
                AuditOutcome::Denied,
                "refused: reveal is off for this workspace".into(),
            )
            .await;
            return Err(EngineError::Forbidden(
                "Reveal is off for this workspace: an admin can turn it on in Settings › Secrets (every reveal is audited).".into(),
            ));
        }
        let client = self.client(&p).await?;
        let read = client.read(&reference).await;
        self.meter(&p.id, "read", call_outcome(&read), 1).await;
        match read {
            Ok(r) => {
                self.audit(
                    "secret.revealed",
                    reference.to_string(),
                    AuditOutcome::Ok,
                    format!(
                        "{purpose} (version {})",
                        r.version_id.as_deref().unwrap_or("-")
                    ),
                )
                .await;
                Ok(Revealed {
                    value: r.value.expose_secret().to_owned(),
                    version_id: r.version_id,
                    hide_after_secs: 30,
                })
            }
            Err(e) => {
                self.audit(
                    "secret.revealed",
                    reference.to_string(),
                    AuditOutcome::Failed,
                    format!("not {purpose}: {e}"),
                )
                .await;
                Err(e.into())
            }
        }
    }
}

fn status_of(p: &ProviderConfig, c: Option<&WatchCycle>) -> WatchStatus {
    WatchStatus {
        provider_id: p.id.clone(),
        policy: WatchPolicy::of(p),
        last_run_at: c.map(|c| c.last_run_at.clone()),
        next_run_at: c.map(|c| c.next_run_at.clone()),
        outcome: c.map(|c| c.outcome.clone()),
        detail: c.map(|c| c.detail.clone()),
        calls: c.map_or(0, |c| c.calls),
    }
}

fn report(
    p: &ProviderConfig,
    c: &WatchCycle,
    checked: u32,
    rotated: Vec<WatchRotation>,
    refreshed: Option<RefreshReport>,
) -> WatchCycleReport {
    WatchCycleReport {
        provider_id: p.id.clone(),
        provider: p.alias.clone(),
        outcome: c.outcome.clone(),
        detail: c.detail.clone(),
        calls: c.calls,
        checked,
        rotated,
        next_run_at: c.next_run_at.clone(),
        refreshed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(expires: Option<&str>, next: Option<&str>, enabled: bool) -> SecretVersionRow {
        SecretVersionRow {
            expires_at: expires.map(str::to_owned),
            next_rotation_at: next.map(str::to_owned),
            rotation_enabled: enabled,
            ..Default::default()
        }
    }

    #[test]
    fn warnings_start_the_configured_days_ahead_and_name_the_date() {
        let now = parse_time("2026-12-01T12:00:00Z").unwrap();
        let (w, due) = warning(&row(Some("2026-12-04T12:00:00Z"), None, false), 14, now);
        assert_eq!(
            w.as_deref(),
            Some("expires in 3 days (2026-12-04 12:00 UTC)")
        );
        assert_eq!(due.as_deref(), Some("2026-12-04T12:00:00Z"));
        let (w, _) = warning(&row(Some("2026-12-04T12:00:00Z"), None, false), 2, now);
        assert_eq!(w, None, "outside the window");
        let (w, _) = warning(&row(Some("2026-11-30"), None, false), 14, now);
        assert_eq!(w.as_deref(), Some("expired on 2026-11-30 00:00 UTC"));
        // A next-rotation date counts only while rotation is enabled.
        let (w, _) = warning(&row(None, Some("2026-12-03T12:00:00Z"), false), 14, now);
        assert_eq!(w, None);
        let (w, due) = warning(
            &row(
                Some("2027-01-01T00:00:00Z"),
                Some("2026-12-03T12:00:00Z"),
                true,
            ),
            14,
            now,
        );
        assert_eq!(
            w.as_deref(),
            Some("rotation due in 2 days (2026-12-03 12:00 UTC)")
        );
        assert_eq!(
            due.as_deref(),
            Some("2026-12-03T12:00:00Z"),
            "the sooner date"
        );
    }

    #[test]
    fn the_state_follows_the_versions() {
        assert_eq!(state(None), RotationState::NotFetched);
        let mut r = SecretVersionRow {
            version_in_use: Some("v1".into()),
            fetched_at: Some("t".into()),
            upstream_version: Some("v1".into()),
            ..Default::default()
        };
        assert_eq!(state(Some(&r)), RotationState::Unchanged);
        r.upstream_version = Some("v2".into());
        assert_eq!(state(Some(&r)), RotationState::RotatedUpstream);
        r.version_in_use = Some("v2".into());
        r.previous_version = Some("v1".into());
        assert_eq!(state(Some(&r)), RotationState::PickedUp);
    }

    #[test]
    fn a_policy_out_of_range_names_its_field() {
        let bad = WatchPolicy {
            interval_secs: 5,
            ..Default::default()
        };
        match bad.check() {
            Err(EngineError::Validation(e)) => assert_eq!(e[0].field, "watch_interval"),
            other => panic!("{other:?}"),
        }
        assert!(WatchPolicy::default().check().is_ok());
        assert!(
            WatchPolicy {
                interval_secs: 0,
                ..Default::default()
            }
            .check()
            .is_ok()
        );
    }
}
