//! The secret cache: resolved values in memory only, per (manager, secret, version),
//! with the fetch time and the manager's version ID. What is known about a secret
//! across processes (versions seen, rotations) is the database's, not the cache's.
//!
//! - A hit is served while younger than the manager's TTL (0 turns caching off).
//! - Single-flight: concurrent resolves of one key wait for one provider call (a
//!   per-key async lock, re-checked after it is acquired).
//! - Stale-if-error: when a fetch fails, the last good value keeps serving, marked
//!   stale with the reason, unless the manager turned that off.
//! - Values are `SecretValue`s: zeroized when an entry is replaced, evicted or cleared.
//!   Nothing here is written anywhere.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use latchkey_core::{SecretRef, SecretValue, SecretVersion};

/// What is cached: one secret of one manager at one version (the whole value; a
/// JSON key is applied on the way out).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub provider_id: String,
    pub path: String,
    /// `id:…` or `stage:…`; `None` follows the current version.
    pub version: Option<String>,
}

impl Key {
    pub fn new(provider_id: &str, r: &SecretRef) -> Self {
        Self {
            provider_id: provider_id.to_owned(),
            path: r.path.clone(),
            version: r.version.as_ref().map(|v| match v {
                SecretVersion::Id(id) => format!("id:{id}"),
                SecretVersion::Stage(s) => format!("stage:{s}"),
            }),
        }
    }
}

pub struct Entry {
    pub value: SecretValue,
    pub version_id: Option<String>,
    pub fetched: Instant,
    pub hits: u64,
    /// Why the last refresh failed, while the old value keeps serving.
    pub stale: Option<String>,
}

/// A value served from the cache or just fetched.
pub struct Cached {
    pub value: SecretValue,
    pub version_id: Option<String>,
    pub age: Duration,
    pub stale: Option<String>,
}

/// What storing a fresh value found.
pub struct Stored {
    /// The version the cache held before, when it was a different one.
    pub rotated_from: Option<Option<String>>,
}

#[derive(Default)]
pub struct SecretCache {
    entries: Mutex<HashMap<Key, Entry>>,
    flights: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for SecretCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretCache({} entries)", self.entries().len())
    }
}

impl SecretCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A value younger than `ttl` (and, when `after` is given, fetched after it).
    pub fn fresh(&self, key: &Key, ttl: Duration, after: Option<Instant>) -> Option<Cached> {
        if ttl.is_zero() {
            return None;
        }
        let mut entries = self.entries();
        let e = entries.get_mut(key)?;
        let age = e.fetched.elapsed();
        if age >= ttl || e.stale.is_some() || after.is_some_and(|t| e.fetched < t) {
            return None;
        }
        e.hits += 1;
        Some(Cached {
            value: e.value.clone(),
            version_id: e.version_id.clone(),
            age,
            stale: None,
        })
    }

    /// The lock one fetch of `key` holds, so concurrent resolves make one call.
    pub fn flight(&self, key: &Key) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        flights.entry(key.clone()).or_default().clone()
    }

    /// Stores a freshly fetched value; says whether the version changed.
    pub fn store(&self, key: Key, value: SecretValue, version_id: Option<String>) -> Stored {
        let mut entries = self.entries();
        // When and from what it rotated is the workspace database's (see `rotation`).
        let rotated_from = entries
            .get(&key)
            .filter(|old| old.version_id != version_id)
            .map(|old| old.version_id.clone());
        let hits = entries.get(&key).map_or(0, |e| e.hits);
        entries.insert(
            key,
            Entry {
                value,
                version_id,
                fetched: Instant::now(),
                hits,
                stale: None,
            },
        );
        Stored { rotated_from }
    }

    /// After a failed fetch: the last good value, now marked stale with `reason`.
    pub fn serve_stale(&self, key: &Key, reason: String) -> Option<Cached> {
        let mut entries = self.entries();
        let e = entries.get_mut(key)?;
        e.stale = Some(reason.clone());
        e.hits += 1;
        Some(Cached {
            value: e.value.clone(),
            version_id: e.version_id.clone(),
            age: e.fetched.elapsed(),
            stale: Some(reason),
        })
    }

    /// Calls `f` with each entry (metadata only reaches the caller's view).
    pub fn each(&self, mut f: impl FnMut(&Key, &Entry)) {
        for (k, e) in self.entries().iter() {
            f(k, e);
        }
    }

    /// Drops the entries `keep` rejects (all of them with `|_| false`); their values
    /// are zeroized as they drop. Returns how many went.
    pub fn clear(&self, keep: impl Fn(&Key) -> bool) -> usize {
        let mut entries = self.entries();
        let before = entries.len();
        entries.retain(|k, _| keep(k));
        before - entries.len()
    }
}

#[cfg(test)]
mod tests {
    use latchkey_core::ExposeSecret;

    use super::*;

    fn key(path: &str) -> Key {
        Key::new("p1", &SecretRef::new("aws", path))
    }

    #[test]
    fn a_value_is_served_until_its_ttl_and_not_when_caching_is_off() {
        let c = SecretCache::default();
        c.store(
            key("a"),
            SecretValue::from("v".to_owned()),
            Some("1".into()),
        );
        let hit = c.fresh(&key("a"), Duration::from_secs(60), None).unwrap();
        assert_eq!(hit.value.expose_secret(), "v");
        assert!(c.fresh(&key("a"), Duration::ZERO, None).is_none());
        assert!(c.fresh(&key("a"), Duration::from_nanos(1), None).is_none());
        assert!(c.fresh(&key("b"), Duration::from_secs(60), None).is_none());
        // Fetched before the caller asked: not good enough for a refresh.
        assert!(
            c.fresh(&key("a"), Duration::from_secs(60), Some(Instant::now()))
                .is_none()
        );
    }

    #[test]
    fn a_new_version_is_a_rotation_and_the_same_one_is_not() {
        let c = SecretCache::default();
        assert!(
            c.store(
                key("a"),
                SecretValue::from("1".to_owned()),
                Some("v1".into())
            )
            .rotated_from
            .is_none()
        );
        assert!(
            c.store(
                key("a"),
                SecretValue::from("1".to_owned()),
                Some("v1".into())
            )
            .rotated_from
            .is_none()
        );
        let s = c.store(
            key("a"),
            SecretValue::from("2".to_owned()),
            Some("v2".into()),
        );
        assert_eq!(s.rotated_from, Some(Some("v1".into())));
    }

    #[test]
    fn a_failed_fetch_serves_the_last_value_as_stale_until_a_good_one() {
        let c = SecretCache::default();
        assert!(c.serve_stale(&key("a"), "down".into()).is_none());
        c.store(
            key("a"),
            SecretValue::from("old".to_owned()),
            Some("v1".into()),
        );
        let stale = c.serve_stale(&key("a"), "down".into()).unwrap();
        assert_eq!(stale.value.expose_secret(), "old");
        assert_eq!(stale.stale.as_deref(), Some("down"));
        assert!(
            c.fresh(&key("a"), Duration::from_secs(60), None).is_none(),
            "stale is not fresh"
        );
        c.store(
            key("a"),
            SecretValue::from("new".to_owned()),
            Some("v1".into()),
        );
        assert!(c.fresh(&key("a"), Duration::from_secs(60), None).is_some());
    }

    #[test]
    fn clear_drops_what_it_is_told() {
        let c = SecretCache::default();
        c.store(key("a"), SecretValue::from("1".to_owned()), None);
        c.store(key("b"), SecretValue::from("2".to_owned()), None);
        assert_eq!(c.clear(|k| k.path == "b"), 1);
        assert_eq!(c.clear(|_| false), 1);
        assert_eq!(c.clear(|_| false), 0);
    }
}
