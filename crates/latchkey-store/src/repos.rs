//! One repository per entity. Each borrows the pool; none caches anything.

use std::collections::BTreeMap;

use latchkey_core::{
    AuditEvent, AuditOutcome, AuditQuery, Connection, ConnectionKind, FieldValue, NewAuditEvent,
    Project, ProviderConfig, ProviderKind, SecretsMode, WorkspaceSettings,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};

use crate::{Result, StoreError, new_id, now};

fn not_found(entity: &'static str) -> StoreError {
    StoreError::NotFound { entity }
}

/// Maps a write error: a unique violation becomes a [`StoreError::Conflict`] on `field`.
fn on_write(e: sqlx::Error, field: &'static str, message: impl FnOnce() -> String) -> StoreError {
    if StoreError::is_unique_violation(&e) {
        StoreError::Conflict {
            field,
            message: message(),
        }
    } else if StoreError::is_foreign_key_violation(&e) {
        StoreError::MissingReference(
            "the project it belongs to does not exist (was it deleted?)".into(),
        )
    } else {
        e.into()
    }
}

// ---------------------------------------------------------------------------------
/// The single row of workspace settings.
pub struct SettingsRepo<'a>(pub(crate) &'a SqlitePool);

impl SettingsRepo<'_> {
    pub async fn get(&self) -> Result<WorkspaceSettings> {
        let row = sqlx::query("SELECT secrets_mode, audit_retention_days, aws_external_id, control_api_enabled, control_api_port, reveal_enabled, expiry_warning_days, updated_at FROM workspace_settings WHERE id = 1")
            .fetch_one(self.0)
            .await?;
        Ok(WorkspaceSettings {
            secrets_mode: SecretsMode::parse(row.try_get("secrets_mode")?)
                .ok_or(StoreError::Corrupt("secrets mode"))?,
            audit_retention_days: row.try_get("audit_retention_days")?,
            aws_external_id: row.try_get("aws_external_id")?,
            control_api_enabled: row.try_get("control_api_enabled")?,
            control_api_port: row.try_get("control_api_port")?,
            reveal_enabled: row.try_get("reveal_enabled")?,
            expiry_warning_days: row.try_get("expiry_warning_days")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    pub async fn set_control_api(&self, enabled: bool, port: u16) -> Result<()> {
        sqlx::query(
            "UPDATE workspace_settings SET control_api_enabled = ?, control_api_port = ?, updated_at = ? WHERE id = 1",
        )
        .bind(enabled)
        .bind(port)
        .bind(now())
        .execute(self.0)
        .await?;
        Ok(())
    }

    /// Switches the secrets mode in one transaction: removes every secrets manager of
    /// the current scope, changes the mode, adds `replacements` (managers of the new
    /// scope). All or nothing: any refusal leaves everything as it was. Returns the
    /// removed managers and the added ones.
    pub async fn switch_secrets_mode(
        &self,
        to: SecretsMode,
        replacements: &[NewProvider],
    ) -> Result<(Vec<ProviderConfig>, Vec<ProviderConfig>)> {
        let mut tx = self.0.begin().await?;
        let removed = sqlx::query(
            "DELETE FROM providers WHERE (project_id IS NULL) = (?1 = 'project') RETURNING *",
        )
        .bind(to.as_str())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(provider)
        .collect::<Result<Vec<_>>>()?;
        sqlx::query("UPDATE workspace_settings SET secrets_mode = ?, updated_at = ? WHERE id = 1")
            .bind(to.as_str())
            .bind(now())
            .execute(&mut *tx)
            .await?;
        let mut added = Vec::new();
        for new in replacements {
            let id = insert_provider(&mut tx, new).await?;
            let row = sqlx::query("SELECT * FROM providers WHERE id = ?")
                .bind(&id)
                .fetch_one(&mut *tx)
                .await?;
            added.push(provider(&row)?);
        }
        tx.commit().await?;
        Ok((removed, added))
    }

    /// Turns the audited reveal on or off, and sets how many days ahead expiry warns.
    pub async fn set_secret_life(
        &self,
        reveal_enabled: bool,
        expiry_warning_days: u32,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE workspace_settings SET reveal_enabled = ?, expiry_warning_days = ?, updated_at = ? WHERE id = 1",
        )
        .bind(reveal_enabled)
        .bind(expiry_warning_days)
        .bind(now())
        .execute(self.0)
        .await?;
        Ok(())
    }

    pub async fn set_audit_retention_days(&self, days: u32) -> Result<()> {
        sqlx::query(
            "UPDATE workspace_settings SET audit_retention_days = ?, updated_at = ? WHERE id = 1",
        )
        .bind(days)
        .bind(now())
        .execute(self.0)
        .await?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
pub struct ProjectsRepo<'a>(pub(crate) &'a SqlitePool);

fn project(row: &SqliteRow) -> Result<Project> {
    Ok(Project {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        aws_external_id: row.try_get("aws_external_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn project_name_taken(name: &str) -> impl FnOnce() -> String + '_ {
    move || format!("A project named \"{name}\" already exists: choose another name.")
}

impl ProjectsRepo<'_> {
    /// All projects, by name.
    pub async fn list(&self) -> Result<Vec<Project>> {
        sqlx::query("SELECT * FROM projects ORDER BY name COLLATE NOCASE")
            .fetch_all(self.0)
            .await?
            .iter()
            .map(project)
            .collect()
    }

    pub async fn get(&self, id: &str) -> Result<Project> {
        let row = sqlx::query("SELECT * FROM projects WHERE id = ?")
            .bind(id)
            .fetch_optional(self.0)
            .await?;
        project(&row.ok_or_else(|| not_found("project"))?)
    }

    pub async fn find_by_name(&self, name: &str) -> Result<Option<Project>> {
        let row = sqlx::query("SELECT * FROM projects WHERE name = ? COLLATE NOCASE")
            .bind(name)
            .fetch_optional(self.0)
            .await?;
        row.as_ref().map(project).transpose()
    }

    pub async fn create(&self, name: &str, description: &str) -> Result<Project> {
        let (id, at) = (new_id(), now());
        sqlx::query("INSERT INTO projects (id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
            .bind(&id)
            .bind(name)
            .bind(description)
            .bind(&at)
            .bind(&at)
            .execute(self.0)
            .await
            .map_err(|e| on_write(e, "name", project_name_taken(name)))?;
        self.get(&id).await
    }

    pub async fn update(&self, id: &str, name: &str, description: &str) -> Result<Project> {
        let done = sqlx::query(
            "UPDATE projects SET name = ?, description = ?, updated_at = ? WHERE id = ?",
        )
        .bind(name)
        .bind(description)
        .bind(now())
        .bind(id)
        .execute(self.0)
        .await
        .map_err(|e| on_write(e, "name", project_name_taken(name)))?;
        if done.rows_affected() == 0 {
            return Err(not_found("project"));
        }
        self.get(id).await
    }

    /// Deletes a project; its connections and project-level providers go with it
    /// (foreign keys cascade).
    pub async fn delete(&self, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM projects WHERE id = ?")
            .bind(id)
            .execute(self.0)
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found("project"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
pub struct ProvidersRepo<'a>(pub(crate) &'a SqlitePool);

/// A secrets manager to add.
#[derive(Clone, Debug)]
pub struct NewProvider {
    pub alias: String,
    pub kind: ProviderKind,
    pub project_id: Option<String>,
    pub settings: serde_json::Value,
    pub keychain_handles: BTreeMap<String, String>,
}

fn provider(row: &SqliteRow) -> Result<ProviderConfig> {
    let settings: String = row.try_get("settings")?;
    let handles: String = row.try_get("keychain_handles")?;
    Ok(ProviderConfig {
        id: row.try_get("id")?,
        alias: row.try_get("alias")?,
        kind: ProviderKind::parse(row.try_get("kind")?)
            .ok_or(StoreError::Corrupt("provider kind"))?,
        project_id: row.try_get("project_id")?,
        settings: serde_json::from_str(&settings)
            .map_err(|_| StoreError::Corrupt("provider settings"))?,
        keychain_handles: serde_json::from_str(&handles)
            .map_err(|_| StoreError::Corrupt("provider handles"))?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn alias_taken(alias: &str) -> impl FnOnce() -> String + '_ {
    move || {
        format!(
            "A secrets manager with the alias \"{alias}\" already exists here: choose another alias."
        )
    }
}

async fn insert_provider(conn: &mut SqliteConnection, new: &NewProvider) -> Result<String> {
    let (id, at) = (new_id(), now());
    sqlx::query(
        "INSERT INTO providers (id, alias, kind, project_id, settings, keychain_handles, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&new.alias)
    .bind(new.kind.as_str())
    .bind(&new.project_id)
    .bind(new.settings.to_string())
    .bind(serde_json::to_string(&new.keychain_handles).expect("a string map serializes"))
    .bind(&at)
    .bind(&at)
    .execute(conn)
    .await
    .map_err(|e| on_write(e, "alias", alias_taken(&new.alias)))?;
    Ok(id)
}

impl ProvidersRepo<'_> {
    /// All providers (workspace-level first, then by project), by alias.
    pub async fn list(&self) -> Result<Vec<ProviderConfig>> {
        sqlx::query("SELECT * FROM providers ORDER BY project_id IS NOT NULL, project_id, alias COLLATE NOCASE")
            .fetch_all(self.0)
            .await?
            .iter()
            .map(provider)
            .collect()
    }

    pub async fn get(&self, id: &str) -> Result<ProviderConfig> {
        let row = sqlx::query("SELECT * FROM providers WHERE id = ?")
            .bind(id)
            .fetch_optional(self.0)
            .await?;
        provider(&row.ok_or_else(|| not_found("secrets manager"))?)
    }

    /// Adds a manager. The secrets-mode rule applies: in workspace mode it cannot
    /// belong to a project, in project mode it must ([`StoreError::Rule`]).
    pub async fn create(&self, new: &NewProvider) -> Result<ProviderConfig> {
        let mut conn = self.0.acquire().await?;
        let id = insert_provider(&mut conn, new).await?;
        drop(conn);
        self.get(&id).await
    }

    pub async fn update(&self, p: &ProviderConfig) -> Result<ProviderConfig> {
        self.update_renaming(p, &[]).await
    }

    /// Updates a manager and, in the same transaction, the connections whose
    /// references follow its new alias: all or nothing.
    pub async fn update_renaming(
        &self,
        p: &ProviderConfig,
        connections: &[Connection],
    ) -> Result<ProviderConfig> {
        let mut tx = self.0.begin().await?;
        let done = sqlx::query(
            "UPDATE providers SET alias = ?, settings = ?, keychain_handles = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&p.alias)
        .bind(p.settings.to_string())
        .bind(serde_json::to_string(&p.keychain_handles).expect("a string map serializes"))
        .bind(now())
        .bind(&p.id)
        .execute(&mut *tx)
        .await
        .map_err(|e| on_write(e, "alias", alias_taken(&p.alias)))?;
        if done.rows_affected() == 0 {
            return Err(not_found("secrets manager"));
        }
        for c in connections {
            sqlx::query("UPDATE connections SET fields = ?, updated_at = ? WHERE id = ?")
                .bind(fields_json(&c.fields))
                .bind(now())
                .bind(&c.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.get(&p.id).await
    }

    pub async fn delete(&self, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM providers WHERE id = ?")
            .bind(id)
            .execute(self.0)
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found("secrets manager"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
pub struct ConnectionsRepo<'a>(pub(crate) &'a SqlitePool);

fn connection(row: &SqliteRow) -> Result<Connection> {
    let fields: String = row.try_get("fields")?;
    Ok(Connection {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        name: row.try_get("name")?,
        kind: ConnectionKind::parse(row.try_get("kind")?)
            .ok_or(StoreError::Corrupt("connection type"))?,
        fields: serde_json::from_str::<BTreeMap<String, FieldValue>>(&fields)
            .map_err(|_| StoreError::Corrupt("connection fields"))?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn fields_json(fields: &BTreeMap<String, FieldValue>) -> String {
    serde_json::to_string(fields).expect("connection fields serialize")
}

fn connection_name_taken(name: &str) -> impl FnOnce() -> String + '_ {
    move || format!("A connection named \"{name}\" already exists: choose another name.")
}

impl ConnectionsRepo<'_> {
    /// Connections, by name; only those of `project_id` when given.
    pub async fn list(&self, project_id: Option<&str>) -> Result<Vec<Connection>> {
        sqlx::query(
            "SELECT * FROM connections WHERE ?1 IS NULL OR project_id = ?1 ORDER BY name COLLATE NOCASE",
        )
        .bind(project_id)
        .fetch_all(self.0)
        .await?
        .iter()
        .map(connection)
        .collect()
    }

    pub async fn get(&self, id: &str) -> Result<Connection> {
        let row = sqlx::query("SELECT * FROM connections WHERE id = ?")
            .bind(id)
            .fetch_optional(self.0)
            .await?;
        connection(&row.ok_or_else(|| not_found("connection"))?)
    }

    pub async fn find_by_name(&self, name: &str) -> Result<Option<Connection>> {
        let row = sqlx::query("SELECT * FROM connections WHERE name = ? COLLATE NOCASE")
            .bind(name)
            .fetch_optional(self.0)
            .await?;
        row.as_ref().map(connection).transpose()
    }

    /// Inserts a connection; `c.id`, `created_at` and `updated_at` are assigned here.
    pub async fn create(&self, c: &Connection) -> Result<Connection> {
        let (id, at) = (
            if c.id.is_empty() {
                new_id()
            } else {
                c.id.clone()
            },
            now(),
        );
        sqlx::query(
            "INSERT INTO connections (id, project_id, name, kind, fields, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&c.project_id)
        .bind(&c.name)
        .bind(c.kind.as_str())
        .bind(fields_json(&c.fields))
        .bind(&at)
        .bind(&at)
        .execute(self.0)
        .await
        .map_err(|e| on_write(e, "name", connection_name_taken(&c.name)))?;
        self.get(&id).await
    }

    pub async fn update(&self, c: &Connection) -> Result<Connection> {
        let done = sqlx::query(
            "UPDATE connections SET project_id = ?, name = ?, kind = ?, fields = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&c.project_id)
        .bind(&c.name)
        .bind(c.kind.as_str())
        .bind(fields_json(&c.fields))
        .bind(now())
        .bind(&c.id)
        .execute(self.0)
        .await
        .map_err(|e| on_write(e, "name", connection_name_taken(&c.name)))?;
        if done.rows_affected() == 0 {
            return Err(not_found("connection"));
        }
        self.get(&c.id).await
    }

    pub async fn delete(&self, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM connections WHERE id = ?")
            .bind(id)
            .execute(self.0)
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found("connection"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
pub struct AuditRepo<'a>(pub(crate) &'a SqlitePool);

fn audit_event(row: &SqliteRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        kind: row.try_get("kind")?,
        target: row.try_get("target")?,
        outcome: AuditOutcome::parse(row.try_get("outcome")?)
            .ok_or(StoreError::Corrupt("audit outcome"))?,
        detail: row.try_get("detail")?,
    })
}

impl AuditRepo<'_> {
    pub async fn append(&self, e: &NewAuditEvent) -> Result<i64> {
        let done = sqlx::query("INSERT INTO audit_events (at, actor, kind, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(now())
            .bind(&e.actor)
            .bind(&e.kind)
            .bind(&e.target)
            .bind(e.outcome.as_str())
            .bind(&e.detail)
            .execute(self.0)
            .await?;
        Ok(done.last_insert_rowid())
    }

    /// Matching events, newest first.
    pub async fn list(&self, f: &AuditQuery) -> Result<Vec<AuditEvent>> {
        sqlx::query(
            "SELECT * FROM audit_events
             WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)
               AND (?3 IS NULL OR substr(kind, 1, length(?3)) = ?3)
               AND (?4 IS NULL OR outcome = ?4)
               AND (?5 IS NULL OR instr(lower(target), lower(?5)) > 0)
             ORDER BY id DESC LIMIT ?6",
        )
        .bind(&f.since)
        .bind(&f.until)
        .bind(&f.kind)
        .bind(f.outcome.map(AuditOutcome::as_str))
        .bind(&f.target)
        .bind(f.limit.unwrap_or(1000))
        .fetch_all(self.0)
        .await?
        .iter()
        .map(audit_event)
        .collect()
    }

    /// Deletes events older than `before` (RFC 3339); returns how many went.
    pub async fn prune(&self, before: &str) -> Result<u64> {
        let done = sqlx::query("DELETE FROM audit_events WHERE at < ?")
            .bind(before)
            .execute(self.0)
            .await?;
        Ok(done.rows_affected())
    }
}
