//! The secrets-mode rule in the database itself: whatever calls the store (a UI bug, a
//! script, raw SQL), no blended state and no cross-scope reference can be written, and
//! a mode switch is all or nothing.

use std::collections::BTreeMap;

use latchkey_core::{Connection, ConnectionKind, FieldValue, ProviderKind, SecretRef, SecretsMode};
use latchkey_store::{NewProvider, Store, StoreError};

async fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).await.unwrap();
    (dir, store)
}

fn manager(alias: &str, project_id: Option<&str>) -> NewProvider {
    NewProvider {
        alias: alias.into(),
        kind: ProviderKind::AwsSecretsManager,
        project_id: project_id.map(str::to_owned),
        settings: serde_json::json!({"region": "us-east-1"}),
        keychain_handles: BTreeMap::new(),
    }
}

fn using(project_id: &str, name: &str, reference: &str) -> Connection {
    let mut fields = BTreeMap::new();
    fields.insert(
        "password".into(),
        FieldValue::Secret {
            reference: SecretRef::parse(reference).unwrap(),
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

fn rule(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::Rule(m)) => m,
        other => panic!("expected the secrets-mode rule to refuse, got {other:?}"),
    }
}

async fn mode(store: &Store) -> SecretsMode {
    store.settings().get().await.unwrap().secrets_mode
}

#[tokio::test]
async fn workspace_mode_refuses_a_project_manager_and_a_mode_change_that_would_blend() {
    let (_dir, store) = fresh().await;
    let p = store.projects().create("Billing", "").await.unwrap();
    store
        .providers()
        .create(&manager("prod", None))
        .await
        .unwrap();

    let m = rule(store.providers().create(&manager("own", Some(&p.id))).await);
    assert!(m.contains("workspace mode"), "{m}");

    // Raw SQL cannot flip the mode under the workspace's managers either.
    let raw = sqlx::query("UPDATE workspace_settings SET secrets_mode = 'project' WHERE id = 1")
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(raw.to_string().contains("blended"), "{raw}");
    // Nor move a manager into a project.
    let moved = sqlx::query("UPDATE providers SET project_id = ?")
        .bind(&p.id)
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(moved.to_string().contains("another scope"), "{moved}");

    assert_eq!(mode(&store).await, SecretsMode::Workspace);
    let all = store.providers().list().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].project_id, None);
}

#[tokio::test]
async fn project_mode_refuses_a_workspace_manager_and_cross_scope_references() {
    let (_dir, store) = fresh().await;
    let billing = store.projects().create("Billing", "").await.unwrap();
    let ops = store.projects().create("Ops", "").await.unwrap();
    let (removed, added) = store
        .settings()
        .switch_secrets_mode(
            SecretsMode::Project,
            &[manager("billing-aws", Some(&billing.id))],
        )
        .await
        .unwrap();
    assert!(removed.is_empty());
    assert_eq!(added[0].project_id.as_deref(), Some(billing.id.as_str()));
    assert_eq!(mode(&store).await, SecretsMode::Project);

    let m = rule(store.providers().create(&manager("shared", None)).await);
    assert!(m.contains("project mode"), "{m}");
    store
        .providers()
        .create(&manager("ops-aws", Some(&ops.id)))
        .await
        .unwrap();

    // Billing's connection may name Billing's manager, not Ops's.
    let own = store
        .connections()
        .create(&using(
            &billing.id,
            "billing db",
            "secret://billing-aws/db#password",
        ))
        .await
        .unwrap();
    let m = rule(
        store
            .connections()
            .create(&using(
                &billing.id,
                "sneaky",
                "secret://OPS-AWS/db#password",
            ))
            .await,
    );
    assert!(m.contains("its own project"), "{m}");
    // Moving the connection to Ops would make its reference cross-scope.
    let moved = Connection {
        project_id: ops.id.clone(),
        ..own.clone()
    };
    rule(store.connections().update(&moved).await);
    // A raw UPDATE of the fields is refused the same way.
    let raw = sqlx::query("UPDATE connections SET fields = json_set(fields, '$.password.reference', 'secret://ops-aws/x') WHERE id = ?")
        .bind(&own.id)
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(raw.to_string().contains("its own project"), "{raw}");
    assert_eq!(store.connections().get(&own.id).await.unwrap(), own);
}

#[tokio::test]
async fn a_refused_switch_changes_nothing() {
    let (_dir, store) = fresh().await;
    let billing = store.projects().create("Billing", "").await.unwrap();
    let before = store
        .providers()
        .create(&manager("prod", None))
        .await
        .unwrap();
    // The second replacement is a workspace manager: refused after the first was added
    // and the old ones removed, inside the transaction.
    let m = rule(
        store
            .settings()
            .switch_secrets_mode(
                SecretsMode::Project,
                &[manager("prod", Some(&billing.id)), manager("oops", None)],
            )
            .await,
    );
    assert!(m.contains("project mode"), "{m}");
    assert_eq!(mode(&store).await, SecretsMode::Workspace);
    assert_eq!(store.providers().list().await.unwrap(), vec![before]);
}

#[tokio::test]
async fn every_project_gets_its_own_external_id_once() {
    let (_dir, store) = fresh().await;
    let a = store.projects().create("A", "").await.unwrap();
    let b = store.projects().create("B", "").await.unwrap();
    let default = store
        .projects()
        .find_by_name("Default")
        .await
        .unwrap()
        .unwrap();
    let workspace = store.settings().get().await.unwrap().aws_external_id;
    for id in [
        &a.aws_external_id,
        &b.aws_external_id,
        &default.aws_external_id,
    ] {
        assert!(id.starts_with("latchkey-") && id.len() == 41, "{id}");
        assert_ne!(id, &workspace);
    }
    assert_ne!(a.aws_external_id, b.aws_external_id);
    let renamed = store.projects().update(&a.id, "A2", "").await.unwrap();
    assert_eq!(renamed.aws_external_id, a.aws_external_id);
    let changed = sqlx::query("UPDATE projects SET aws_external_id = 'mine' WHERE id = ?")
        .bind(&a.id)
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(changed.to_string().contains("never changes"), "{changed}");
}
