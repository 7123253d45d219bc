//! What Latchkey knows about secrets over time, shared by every process on the
//! workspace: versions seen (never a value), the rotation watch's cycles, the call
//! meter and each connection's last test.
//!
//! The SQL is portable (no SQLite-only syntax): `IS DISTINCT FROM`, `ON CONFLICT … DO
//! UPDATE`, `RETURNING` work the same on PostgreSQL.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use crate::{Result, now};

/// What the workspace knows about one (manager, secret, version selector).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretVersionRow {
    pub provider_id: String,
    pub path: String,
    /// `""` (current), `id:…` or `stage:…`.
    pub selector: String,
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
}

impl SecretVersionRow {
    /// Whether the manager has a version the connections have not fetched yet.
    pub fn rotated_upstream(&self) -> bool {
        matches!((&self.upstream_version, &self.version_in_use), (Some(u), Some(i)) if u != i)
    }
}

fn secret_row(row: &SqliteRow) -> Result<SecretVersionRow> {
    Ok(SecretVersionRow {
        provider_id: row.try_get("provider_id")?,
        path: row.try_get("path")?,
        selector: row.try_get("selector")?,
        version_in_use: row.try_get("version_in_use")?,
        fetched_at: row.try_get("fetched_at")?,
        previous_version: row.try_get("previous_version")?,
        changed_at: row.try_get("changed_at")?,
        upstream_version: row.try_get("upstream_version")?,
        upstream_changed_at: row.try_get("upstream_changed_at")?,
        checked_at: row.try_get("checked_at")?,
        watch_error: row.try_get("watch_error")?,
        expires_at: row.try_get("expires_at")?,
        next_rotation_at: row.try_get("next_rotation_at")?,
        rotation_enabled: row.try_get("rotation_enabled")?,
    })
}

/// What a fetch of a value found, compared with what any process fetched before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchRecord {
    /// `Some(previous)` when the version differs from the one in use before.
    pub rotated_from: Option<Option<String>>,
}

/// What the watch read about one secret: metadata only.
#[derive(Clone, Debug, Default)]
pub struct WatchSeen {
    pub version: Option<String>,
    pub expires_at: Option<String>,
    pub next_rotation_at: Option<String>,
    pub rotation_enabled: bool,
}

pub struct SecretsRepo<'a>(pub(crate) &'a SqlitePool);

impl SecretsRepo<'_> {
    async fn ensure(&self, provider_id: &str, path: &str, selector: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO secret_versions (provider_id, path, selector) VALUES (?, ?, ?)
             ON CONFLICT (provider_id, path, selector) DO NOTHING",
        )
        .bind(provider_id)
        .bind(path)
        .bind(selector)
        .execute(self.0)
        .await?;
        Ok(())
    }

    /// Records that a value was fetched at `version`; says whether that is a change
    /// from the version in use before (whichever process fetched it). One statement:
    /// concurrent fetches from several processes each see a consistent answer.
    pub async fn record_fetch(
        &self,
        provider_id: &str,
        path: &str,
        selector: &str,
        version: Option<&str>,
    ) -> Result<FetchRecord> {
        self.ensure(provider_id, path, selector).await?;
        let at = now();
        // SET expressions read the row as it was before the update.
        let row = sqlx::query(
            "UPDATE secret_versions SET
                 last_fetch_rotated = CASE WHEN version_in_use IS NOT NULL
                     AND version_in_use IS DISTINCT FROM ?1 THEN 1 ELSE 0 END,
                 previous_version = CASE WHEN version_in_use IS NOT NULL
                     AND version_in_use IS DISTINCT FROM ?1 THEN version_in_use
                     ELSE previous_version END,
                 changed_at = CASE WHEN version_in_use IS NOT NULL
                     AND version_in_use IS DISTINCT FROM ?1 THEN ?2 ELSE changed_at END,
                 version_in_use = ?1,
                 upstream_version = ?1,
                 upstream_changed_at = NULL,
                 fetched_at = ?2
             WHERE provider_id = ?3 AND path = ?4 AND selector = ?5
             RETURNING last_fetch_rotated, previous_version",
        )
        .bind(version)
        .bind(&at)
        .bind(provider_id)
        .bind(path)
        .bind(selector)
        .fetch_one(self.0)
        .await?;
        let rotated: bool = row.try_get("last_fetch_rotated")?;
        Ok(FetchRecord {
            rotated_from: rotated
                .then(|| row.try_get("previous_version"))
                .transpose()?,
        })
    }

    /// Records what the watch read in a look that began at `look_started`. Returns
    /// `true` when this look is the first to see the manager's version differ from the
    /// one in use (a new "rotated upstream").
    pub async fn record_watch(
        &self,
        provider_id: &str,
        path: &str,
        selector: &str,
        seen: &WatchSeen,
        look_started: &str,
    ) -> Result<bool> {
        self.ensure(provider_id, path, selector).await?;
        let before = sqlx::query(
            "SELECT version_in_use, upstream_version, upstream_changed_at, fetched_at FROM secret_versions
             WHERE provider_id = ? AND path = ? AND selector = ?",
        )
        .bind(provider_id)
        .bind(path)
        .bind(selector)
        .fetch_one(self.0)
        .await?;
        // A value fetched while the look was under way is newer than its metadata
        // (which may lag, e.g. an eventually consistent replica): keep what it says.
        let fetched: Option<String> = before.try_get("fetched_at")?;
        if fetched.as_deref().is_some_and(|f| f > look_started) {
            sqlx::query(
                "UPDATE secret_versions SET checked_at = ? WHERE provider_id = ? AND path = ? AND selector = ?",
            )
            .bind(now())
            .bind(provider_id)
            .bind(path)
            .bind(selector)
            .execute(self.0)
            .await?;
            return Ok(false);
        }
        let in_use: Option<String> = before.try_get("version_in_use")?;
        let upstream: Option<String> = before.try_get("upstream_version")?;
        let since: Option<String> = before.try_get("upstream_changed_at")?;
        let differs = matches!((&in_use, &seen.version), (Some(i), Some(s)) if i != s);
        let newly = differs && (upstream != seen.version || since.is_none());
        let at = now();
        let since = match (differs, newly) {
            (false, _) => None,
            (true, true) => Some(at.clone()),
            (true, false) => since,
        };
        sqlx::query(
            "UPDATE secret_versions SET upstream_version = ?, upstream_changed_at = ?,
                 checked_at = ?, watch_error = NULL, expires_at = ?, next_rotation_at = ?,
                 rotation_enabled = ?
             WHERE provider_id = ? AND path = ? AND selector = ?",
        )
        .bind(&seen.version)
        .bind(since)
        .bind(&at)
        .bind(&seen.expires_at)
        .bind(&seen.next_rotation_at)
        .bind(seen.rotation_enabled)
        .bind(provider_id)
        .bind(path)
        .bind(selector)
        .execute(self.0)
        .await?;
        Ok(newly)
    }

    /// Records why the watch could not read a secret's metadata (nothing else changes).
    pub async fn record_watch_error(
        &self,
        provider_id: &str,
        path: &str,
        selector: &str,
        error: &str,
    ) -> Result<()> {
        self.ensure(provider_id, path, selector).await?;
        sqlx::query(
            "UPDATE secret_versions SET watch_error = ?, checked_at = ?
             WHERE provider_id = ? AND path = ? AND selector = ?",
        )
        .bind(error)
        .bind(now())
        .bind(provider_id)
        .bind(path)
        .bind(selector)
        .execute(self.0)
        .await?;
        Ok(())
    }

    pub async fn list(&self) -> Result<Vec<SecretVersionRow>> {
        sqlx::query("SELECT * FROM secret_versions ORDER BY provider_id, path, selector")
            .fetch_all(self.0)
            .await?
            .iter()
            .map(secret_row)
            .collect()
    }
}

/// The rotation watch's last cycle of one manager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchCycle {
    pub provider_id: String,
    pub last_run_at: String,
    pub next_run_at: String,
    /// `ok`, `failed` or `backing_off`.
    pub outcome: String,
    pub detail: String,
    pub calls: u32,
    pub failures: u32,
}

pub struct WatchRepo<'a>(pub(crate) &'a SqlitePool);

impl WatchRepo<'_> {
    pub async fn list(&self) -> Result<Vec<WatchCycle>> {
        sqlx::query("SELECT * FROM provider_watch ORDER BY provider_id")
            .fetch_all(self.0)
            .await?
            .iter()
            .map(|r| {
                Ok(WatchCycle {
                    provider_id: r.try_get("provider_id")?,
                    last_run_at: r.try_get("last_run_at")?,
                    next_run_at: r.try_get("next_run_at")?,
                    outcome: r.try_get("outcome")?,
                    detail: r.try_get("detail")?,
                    calls: r.try_get("calls")?,
                    failures: r.try_get("failures")?,
                })
            })
            .collect()
    }

    pub async fn put(&self, c: &WatchCycle) -> Result<()> {
        sqlx::query(
            "INSERT INTO provider_watch (provider_id, last_run_at, next_run_at, outcome, detail, calls, failures)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (provider_id) DO UPDATE SET last_run_at = excluded.last_run_at,
                 next_run_at = excluded.next_run_at, outcome = excluded.outcome,
                 detail = excluded.detail, calls = excluded.calls, failures = excluded.failures",
        )
        .bind(&c.provider_id)
        .bind(&c.last_run_at)
        .bind(&c.next_run_at)
        .bind(&c.outcome)
        .bind(&c.detail)
        .bind(c.calls)
        .bind(c.failures)
        .execute(self.0)
        .await?;
        Ok(())
    }
}

/// Calls of one kind to one manager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallCount {
    pub op: String,
    pub outcome: String,
    pub count: u64,
}

pub struct CallsRepo<'a>(pub(crate) &'a SqlitePool);

impl CallsRepo<'_> {
    /// Adds `n` calls of `op` with `outcome` in the current hour.
    pub async fn add(&self, provider_id: &str, op: &str, outcome: &str, n: u32) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        let hour = now()[..13].to_owned();
        sqlx::query(
            "INSERT INTO provider_calls (provider_id, hour, op, outcome, count) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (provider_id, hour, op, outcome) DO UPDATE
             SET count = provider_calls.count + excluded.count",
        )
        .bind(provider_id)
        .bind(hour)
        .bind(op)
        .bind(outcome)
        .bind(n)
        .execute(self.0)
        .await?;
        Ok(())
    }

    /// Totals per operation and outcome since `since_hour` (`YYYY-MM-DDTHH`, inclusive).
    pub async fn since(&self, provider_id: &str, since_hour: &str) -> Result<Vec<CallCount>> {
        sqlx::query(
            "SELECT op, outcome, SUM(count) AS n FROM provider_calls
             WHERE provider_id = ? AND hour >= ? GROUP BY op, outcome ORDER BY op, outcome",
        )
        .bind(provider_id)
        .bind(since_hour)
        .fetch_all(self.0)
        .await?
        .iter()
        .map(|r| {
            Ok(CallCount {
                op: r.try_get("op")?,
                outcome: r.try_get("outcome")?,
                count: u64::try_from(r.try_get::<i64, _>("n")?).unwrap_or(0),
            })
        })
        .collect()
    }

    /// Drops hours older than `before_hour` (the meter keeps a day and a bit).
    pub async fn prune(&self, before_hour: &str) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM provider_calls WHERE hour < ?")
            .bind(before_hour)
            .execute(self.0)
            .await?
            .rows_affected())
    }
}

/// A connection's last test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastTest {
    pub connection_id: String,
    pub at: String,
    pub ok: bool,
    pub detail: String,
}

pub struct TestsRepo<'a>(pub(crate) &'a SqlitePool);

impl TestsRepo<'_> {
    pub async fn put(&self, t: &LastTest) -> Result<()> {
        sqlx::query(
            "INSERT INTO connection_tests (connection_id, at, ok, detail) VALUES (?, ?, ?, ?)
             ON CONFLICT (connection_id) DO UPDATE
             SET at = excluded.at, ok = excluded.ok, detail = excluded.detail",
        )
        .bind(&t.connection_id)
        .bind(&t.at)
        .bind(t.ok)
        .bind(&t.detail)
        .execute(self.0)
        .await?;
        Ok(())
    }

    pub async fn list(&self) -> Result<Vec<LastTest>> {
        sqlx::query("SELECT * FROM connection_tests")
            .fetch_all(self.0)
            .await?
            .iter()
            .map(|r| {
                Ok(LastTest {
                    connection_id: r.try_get("connection_id")?,
                    at: r.try_get("at")?,
                    ok: r.try_get("ok")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }
}
