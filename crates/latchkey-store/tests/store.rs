//! The store against a real SQLite file: migrations from empty, pragmas, every
//! repository, foreign keys, and two writers at once.

use std::collections::BTreeMap;

use latchkey_core::{
    AuditOutcome, AuditQuery, Connection, ConnectionKind, FieldValue, NewAuditEvent, ProviderKind,
    SecretRef, SecretsMode,
};
use latchkey_store::{NewProvider, Store, StoreError};
use sqlx::Row;

async fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).await.unwrap();
    (dir, store)
}

fn pg(project_id: &str, name: &str) -> Connection {
    let mut fields = BTreeMap::new();
    fields.insert(
        "host".into(),
        FieldValue::Plain {
            value: "db.internal".into(),
        },
    );
    fields.insert(
        "password".into(),
        FieldValue::Keychain {
            handle: "connection/abc".into(),
        },
    );
    fields.insert(
        "user".into(),
        FieldValue::Secret {
            reference: SecretRef::parse("secret://aws/prod/db#username").unwrap(),
        },
    );
    Connection {
        id: String::new(),
        project_id: project_id.into(),
        name: name.into(),
        kind: ConnectionKind::Postgres,
        fields,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

#[tokio::test]
async fn migrates_from_empty_and_reopens_idempotently() {
    let (dir, store) = fresh().await;
    let applied: i64 =
        sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success = 1")
            .fetch_one(store.pool())
            .await
            .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    assert_eq!(applied as usize, files);

    let settings = store.settings().get().await.unwrap();
    assert_eq!(settings.secrets_mode, SecretsMode::Workspace);
    assert_eq!(settings.audit_retention_days, 365);
    assert!(
        settings.aws_external_id.starts_with("latchkey-") && settings.aws_external_id.len() == 41
    );
    let projects = store.projects().list().await.unwrap();
    assert_eq!(
        projects.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["Default"]
    );

    store.projects().create("Finance", "").await.unwrap();
    store.close().await;
    let again = Store::open_in(dir.path()).await.unwrap();
    assert_eq!(again.projects().list().await.unwrap().len(), 2);
    let same = again.settings().get().await.unwrap().aws_external_id;
    assert_eq!(
        same, settings.aws_external_id,
        "the external ID is generated once"
    );
}

#[tokio::test]
async fn pragmas_are_wal_foreign_keys_and_busy_timeout() {
    let (_dir, store) = fresh().await;
    let mut conn = store.pool().acquire().await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(busy >= 5000, "busy_timeout {busy}");
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(sync, 1, "synchronous = NORMAL");
}

#[tokio::test]
async fn projects_repository() {
    let (_dir, store) = fresh().await;
    let repo = store.projects();
    let p = repo.create("DevOps", "infra").await.unwrap();
    assert_eq!(repo.get(&p.id).await.unwrap(), p);
    assert_eq!(repo.find_by_name("devops").await.unwrap().unwrap().id, p.id);

    let err = repo.create("DEVOPS", "").await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { field: "name", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("already exists"));

    let renamed = repo.update(&p.id, "Platform", "infra team").await.unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.description.as_str()),
        ("Platform", "infra team")
    );
    assert!(matches!(
        repo.update("nope", "x", "").await,
        Err(StoreError::NotFound { .. })
    ));

    repo.delete(&p.id).await.unwrap();
    assert!(matches!(
        repo.get(&p.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        repo.delete(&p.id).await,
        Err(StoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn providers_repository_scopes_aliases() {
    let (_dir, store) = fresh().await;
    let project = store.projects().create("Finance", "").await.unwrap();
    let new = |alias: &str, project_id: Option<String>| NewProvider {
        alias: alias.into(),
        kind: ProviderKind::AwsSecretsManager,
        project_id,
        settings: serde_json::json!({"region": "eu-west-1"}),
        keychain_handles: BTreeMap::from([("secret_access_key".into(), "provider/1".into())]),
    };
    let ws = store.providers().create(&new("aws", None)).await.unwrap();
    assert_eq!(ws.settings["region"], "eu-west-1");
    assert_eq!(ws.keychain_handles["secret_access_key"], "provider/1");
    // Twice in one scope is refused (case-insensitively).
    let err = store
        .providers()
        .create(&new("AWS", None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { field: "alias", .. }),
        "{err:?}"
    );
    let mut changed = ws.clone();
    changed.settings = serde_json::json!({"region": "us-east-1"});
    assert_eq!(
        store.providers().update(&changed).await.unwrap().settings["region"],
        "us-east-1"
    );
    store.providers().delete(&ws.id).await.unwrap();
    assert!(store.providers().list().await.unwrap().is_empty());

    // In project mode the same alias in two projects is fine; twice in one is not.
    let other = store.projects().create("Ops", "").await.unwrap();
    store
        .settings()
        .switch_secrets_mode(SecretsMode::Project, &[])
        .await
        .unwrap();
    for p in [&project.id, &other.id] {
        store
            .providers()
            .create(&new("aws", Some(p.clone())))
            .await
            .unwrap();
    }
    let err = store
        .providers()
        .create(&new("aws", Some(project.id.clone())))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { field: "alias", .. }),
        "{err:?}"
    );
    assert_eq!(store.providers().list().await.unwrap().len(), 2);
}

#[tokio::test]
async fn connections_repository() {
    let (_dir, store) = fresh().await;
    let project = store.projects().create("Finance", "").await.unwrap();
    let c = store
        .connections()
        .create(&pg(&project.id, "Billing DB"))
        .await
        .unwrap();
    assert!(!c.id.is_empty());
    assert_eq!(
        c.fields,
        pg(&project.id, "x").fields,
        "fields round-trip through JSON"
    );
    assert_eq!(
        store
            .connections()
            .find_by_name("billing db")
            .await
            .unwrap()
            .unwrap()
            .id,
        c.id
    );

    let err = store
        .connections()
        .create(&pg(&project.id, "BILLING DB"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { field: "name", .. }),
        "{err:?}"
    );

    let mut edited = c.clone();
    edited.name = "Billing (primary)".into();
    edited.fields.remove("user");
    let after = store.connections().update(&edited).await.unwrap();
    assert_eq!(after.name, "Billing (primary)");
    assert!(!after.fields.contains_key("user"));

    assert_eq!(
        store
            .connections()
            .list(Some(&project.id))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store.connections().list(Some("other")).await.unwrap().len(),
        0
    );
    store.connections().delete(&c.id).await.unwrap();
    assert!(store.connections().list(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn foreign_keys_refuse_orphans_and_cascade_deletes() {
    let (_dir, store) = fresh().await;
    let err = store
        .connections()
        .create(&pg("no-such-project", "Orphan"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::MissingReference(_)), "{err:?}");

    let project = store.projects().create("Temp", "").await.unwrap();
    store
        .connections()
        .create(&pg(&project.id, "A"))
        .await
        .unwrap();
    store
        .settings()
        .switch_secrets_mode(SecretsMode::Project, &[])
        .await
        .unwrap();
    store
        .providers()
        .create(&NewProvider {
            alias: "vault".into(),
            kind: ProviderKind::Vault,
            project_id: Some(project.id.clone()),
            settings: serde_json::json!({}),
            keychain_handles: BTreeMap::new(),
        })
        .await
        .unwrap();
    store.projects().delete(&project.id).await.unwrap();
    assert!(store.connections().list(None).await.unwrap().is_empty());
    assert!(store.providers().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn schema_checks_refuse_bad_rows_written_directly() {
    let (_dir, store) = fresh().await;
    let bad_mode = sqlx::query("UPDATE workspace_settings SET secrets_mode = 'both'")
        .execute(store.pool())
        .await;
    assert!(
        bad_mode.is_err(),
        "a blended secrets mode is refused by the schema"
    );
    let second = sqlx::query("INSERT INTO workspace_settings (id, updated_at) VALUES (2, 'x')")
        .execute(store.pool())
        .await;
    assert!(second.is_err(), "one settings row only");
    let bad_json = sqlx::query(
        "INSERT INTO connections (id, project_id, name, kind, fields, created_at, updated_at)
         SELECT 'x', id, 'n', 'postgres', 'not json', 'a', 'a' FROM projects LIMIT 1",
    )
    .execute(store.pool())
    .await;
    assert!(bad_json.is_err());
}

#[tokio::test]
async fn audit_repository_filters_and_prunes() {
    let (_dir, store) = fresh().await;
    let ev = |kind: &str, target: &str, outcome| NewAuditEvent {
        actor: "alice".into(),
        kind: kind.into(),
        target: target.into(),
        outcome,
        detail: "d".into(),
    };
    store
        .audit()
        .append(&ev("project.created", "project:Finance", AuditOutcome::Ok))
        .await
        .unwrap();
    store
        .audit()
        .append(&ev(
            "connection.created",
            "connection:Billing",
            AuditOutcome::Ok,
        ))
        .await
        .unwrap();
    store
        .audit()
        .append(&ev(
            "keychain.write",
            "field:password",
            AuditOutcome::Failed,
        ))
        .await
        .unwrap();

    let all = store.audit().list(&AuditQuery::default()).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].kind, "keychain.write", "newest first");
    let conn = AuditQuery {
        kind: Some("connection.".into()),
        ..Default::default()
    };
    assert_eq!(store.audit().list(&conn).await.unwrap().len(), 1);
    let failed = AuditQuery {
        outcome: Some(AuditOutcome::Failed),
        ..Default::default()
    };
    assert_eq!(
        store.audit().list(&failed).await.unwrap()[0].target,
        "field:password"
    );
    let target = AuditQuery {
        target: Some("billing".into()),
        ..Default::default()
    };
    assert_eq!(store.audit().list(&target).await.unwrap().len(), 1);
    let future = AuditQuery {
        since: Some("2999-01-01T00:00:00Z".into()),
        ..Default::default()
    };
    assert!(store.audit().list(&future).await.unwrap().is_empty());

    assert_eq!(
        store.audit().prune("1970-01-01T00:00:00Z").await.unwrap(),
        0
    );
    assert_eq!(
        store.audit().prune("2999-01-01T00:00:00Z").await.unwrap(),
        3
    );
    store.settings().set_audit_retention_days(30).await.unwrap();
    assert_eq!(
        store.settings().get().await.unwrap().audit_retention_days,
        30
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_at_once_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    // Two independent pools on one file, as the desktop app and the CLI would be.
    let a = Store::open_in(dir.path()).await.unwrap();
    let b = Store::open_in(dir.path()).await.unwrap();
    let write = |store: Store, who: &'static str| {
        tokio::spawn(async move {
            for i in 0..150 {
                let project = store
                    .projects()
                    .create(&format!("{who}-{i}"), "")
                    .await
                    .unwrap();
                let mut tx = store.pool().begin().await.unwrap();
                sqlx::query("UPDATE projects SET description = ? WHERE id = ?")
                    .bind(format!("written by {who}"))
                    .bind(&project.id)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        })
    };
    let (ra, rb) = tokio::join!(write(a.clone(), "a"), write(b.clone(), "b"));
    ra.unwrap();
    rb.unwrap();
    let row = sqlx::query(
        "SELECT count(*) AS n, sum(description LIKE 'written by %') AS w FROM projects",
    )
    .fetch_one(a.pool())
    .await
    .unwrap();
    assert_eq!(row.get::<i64, _>("n"), 301, "300 written + Default");
    assert_eq!(row.get::<i64, _>("w"), 300);
}
