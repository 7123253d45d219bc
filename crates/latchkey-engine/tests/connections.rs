//! The engine over a real SQLite file and the real OS keychain (Secret Service under
//! `dbus-run-session`, see scripts/test.sh). A keychain that refuses writes is
//! simulated with the in-memory store only where a real one cannot be made to fail.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use latchkey_core::{
    ConnectionInput, ConnectionKind, ExposeSecret, FieldInput, FieldValue, FieldView, SecretValue,
};
use latchkey_engine::{AuditQuery, Engine, EngineError};
use latchkey_keychain::{CredentialStore, KeychainError, MemoryKeychain, OsKeychain};
use latchkey_testkit::target::files_containing;

fn os_keychain() -> Arc<OsKeychain> {
    Arc::new(OsKeychain::new(format!(
        "latchkey-test-{}",
        latchkey_keychain::new_handle("engine").replace('/', "-")
    )))
}

fn input(project_id: &str, name: &str, password: FieldInput) -> ConnectionInput {
    let plain = |v: &str| FieldInput::Plain { value: v.into() };
    let mut fields = BTreeMap::new();
    fields.insert("host".into(), plain("db.internal"));
    fields.insert("port".into(), plain("5432"));
    fields.insert("database".into(), plain("billing"));
    fields.insert("user".into(), plain("billing_app"));
    fields.insert("sslmode".into(), plain("require"));
    fields.insert("password".into(), password);
    ConnectionInput {
        project_id: project_id.into(),
        name: name.into(),
        kind: ConnectionKind::Postgres,
        fields,
    }
}

mod rig;

/// An AWS manager (nothing is called until it is used).
fn aws_manager(alias: &str) -> latchkey_engine::ProviderInput {
    rig::aws_default(alias)
}

fn literal(v: &str) -> FieldInput {
    FieldInput::Literal {
        value: SecretValue::from(v.to_owned()),
    }
}

async fn default_project(engine: &Engine) -> String {
    engine.list_projects().await.unwrap()[0].project.id.clone()
}

fn handle_of(engine_view: &latchkey_core::Connection, key: &str) -> String {
    match &engine_view.fields[key] {
        FieldValue::Keychain { handle } => handle.clone(),
        other => panic!("expected a keychain handle, got {other:?}"),
    }
}

#[tokio::test]
async fn a_literal_password_lives_in_the_keychain_and_nowhere_else() {
    let dir = tempfile::tempdir().unwrap();
    let _log = latchkey_engine::logging::init(&dir.path().join("logs"), false).unwrap();
    let kc = os_keychain();
    let engine = Engine::open(dir.path(), kc.clone()).await.unwrap();
    let project = default_project(&engine).await;
    let canary = "canary-pg-5b8e1f0d";

    let view = engine
        .create_connection(input(&project, "Billing DB", literal(canary)))
        .await
        .unwrap();
    assert_eq!(view.fields["password"], FieldView::Literal);
    assert_eq!(
        view.fields["host"],
        FieldView::Plain {
            value: "db.internal".into()
        }
    );
    let stored = engine.store().connections().get(&view.id).await.unwrap();
    let handle = handle_of(&stored, "password");
    assert_eq!(
        kc.get(&handle).unwrap().expose_secret(),
        canary,
        "the value is in the OS keychain"
    );

    // The IPC shape of every read carries no value.
    let listed = serde_json::to_string(&engine.list_connections(None).await.unwrap()).unwrap();
    assert!(!listed.contains(canary));
    let audit =
        serde_json::to_string(&engine.list_audit(AuditQuery::default()).await.unwrap()).unwrap();
    assert!(
        audit.contains("connection.created") && !audit.contains(canary),
        "{audit}"
    );

    // Nothing on disk: database, WAL, logs — while open and after closing.
    assert_eq!(files_containing(dir.path(), canary), Vec::<String>::new());
    engine.store().clone().close().await;
    assert_eq!(files_containing(dir.path(), canary), Vec::<String>::new());
    kc.delete(&handle).unwrap();
}

#[tokio::test]
async fn replacing_and_keeping_a_literal_on_edit() {
    let dir = tempfile::tempdir().unwrap();
    let kc = os_keychain();
    let engine = Engine::open(dir.path(), kc.clone()).await.unwrap();
    let project = default_project(&engine).await;
    let view = engine
        .create_connection(input(&project, "Orders", literal("first-pw")))
        .await
        .unwrap();
    let first = handle_of(
        &engine.store().connections().get(&view.id).await.unwrap(),
        "password",
    );

    // Keep: same handle, same value; other fields change.
    let mut keep = input(&project, "Orders (main)", FieldInput::KeepLiteral);
    keep.fields.insert(
        "port".into(),
        FieldInput::Plain {
            value: "6543".into(),
        },
    );
    let edited = engine.update_connection(&view.id, keep).await.unwrap();
    assert_eq!(edited.name, "Orders (main)");
    assert_eq!(
        edited.fields["port"],
        FieldView::Plain {
            value: "6543".into()
        }
    );
    assert_eq!(
        handle_of(
            &engine.store().connections().get(&view.id).await.unwrap(),
            "password"
        ),
        first
    );
    assert_eq!(kc.get(&first).unwrap().expose_secret(), "first-pw");

    // Replace: a new entry, and the old one is removed from the keychain.
    engine
        .update_connection(
            &view.id,
            input(&project, "Orders (main)", literal("second-pw")),
        )
        .await
        .unwrap();
    let second = handle_of(
        &engine.store().connections().get(&view.id).await.unwrap(),
        "password",
    );
    assert_ne!(first, second);
    assert_eq!(kc.get(&second).unwrap().expose_secret(), "second-pw");
    assert!(matches!(kc.get(&first), Err(KeychainError::NotFound(_))));

    // A reference must name a secrets manager that exists (in the connection's scope).
    let unknown = FieldInput::Secret {
        reference: "secret://aws/prod/orders#password".into(),
    };
    let e = engine
        .update_connection(&view.id, input(&project, "Orders (main)", unknown))
        .await
        .unwrap_err();
    assert_eq!(field_errors(e), ["password"]);
    engine.create_provider(aws_manager("aws")).await.unwrap();

    // Switch to a secret reference: the literal goes away.
    let by_ref = FieldInput::Secret {
        reference: "secret://aws/prod/orders#password".into(),
    };
    let v = engine
        .update_connection(&view.id, input(&project, "Orders (main)", by_ref))
        .await
        .unwrap();
    assert_eq!(
        v.fields["password"],
        FieldView::Secret {
            reference: "secret://aws/prod/orders#password".into()
        }
    );
    assert!(matches!(kc.get(&second), Err(KeychainError::NotFound(_))));

    // Deleting the connection is clean.
    engine.delete_connection(&view.id).await.unwrap();
    assert!(engine.list_connections(None).await.unwrap().is_empty());
}

fn field_errors(e: EngineError) -> Vec<String> {
    match e {
        EngineError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_input_names_the_field_and_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let kc = Arc::new(MemoryKeychain::default());
    let engine = Engine::open(dir.path(), kc.clone()).await.unwrap();
    let project = default_project(&engine).await;
    engine
        .create_connection(input(&project, "Existing", literal("pw")))
        .await
        .unwrap();
    assert_eq!(kc.len(), 1);

    let e = engine
        .create_connection(input(&project, "   ", literal("pw")))
        .await
        .unwrap_err();
    assert_eq!(field_errors(e), ["name"]);
    let e = engine
        .create_connection(input(&project, "existing", literal("pw")))
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(e),
        ["name"],
        "duplicate names are refused, case-insensitively"
    );

    let mut bad_port = input(&project, "New", literal("pw"));
    bad_port.fields.insert(
        "port".into(),
        FieldInput::Plain {
            value: "70000".into(),
        },
    );
    let e = engine.create_connection(bad_port).await.unwrap_err();
    assert!(e.to_string().contains("65535"), "{e}");
    assert_eq!(field_errors(e), ["port"]);

    let mut bad_host = input(&project, "New", literal("pw"));
    bad_host.fields.insert(
        "host".into(),
        FieldInput::Plain {
            value: "db server".into(),
        },
    );
    assert_eq!(
        field_errors(engine.create_connection(bad_host).await.unwrap_err()),
        ["host"]
    );

    let e = engine
        .create_connection(input(&project, "New", literal("")))
        .await
        .unwrap_err();
    assert_eq!(field_errors(e), ["password"]);
    let e = engine
        .create_connection(input(&project, "New", FieldInput::KeepLiteral))
        .await
        .unwrap_err();
    assert_eq!(field_errors(e), ["password"]);
    let e = engine
        .create_connection(input("no-such-project", "New", literal("pw")))
        .await
        .unwrap_err();
    assert_eq!(field_errors(e), ["project_id"]);

    assert_eq!(
        engine.list_connections(None).await.unwrap().len(),
        1,
        "nothing half-saved"
    );
    assert_eq!(
        kc.len(),
        1,
        "no credential written for a refused submission"
    );

    // Projects too.
    assert_eq!(
        field_errors(engine.create_project("", "").await.unwrap_err()),
        ["name"]
    );
    assert_eq!(
        field_errors(engine.create_project("default", "").await.unwrap_err()),
        ["name"]
    );
    let p = engine.create_project("Finance", "").await.unwrap();
    assert_eq!(
        field_errors(
            engine
                .update_project(&p.id, "DEFAULT", "")
                .await
                .unwrap_err()
        ),
        ["name"]
    );
    assert_eq!(
        engine.store().projects().get(&p.id).await.unwrap().name,
        "Finance"
    );
}

#[tokio::test]
async fn a_keychain_that_refuses_writes_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let kc = Arc::new(MemoryKeychain::default());
    let engine = Engine::open(dir.path(), kc.clone()).await.unwrap();
    let project = default_project(&engine).await;
    let view = engine
        .create_connection(input(&project, "Existing", literal("old")))
        .await
        .unwrap();

    kc.fail_writes.store(true, Ordering::SeqCst);
    let e = engine
        .create_connection(input(&project, "New", literal("pw")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "keychain_unavailable");
    assert!(e.to_string().contains("Secret Service"), "{e}");
    let e = engine
        .update_connection(&view.id, input(&project, "Renamed", literal("new")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "keychain_unavailable");

    let all = engine.list_connections(None).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].name, "Existing", "the failed edit changed nothing");
    let handle = handle_of(
        &engine.store().connections().get(&view.id).await.unwrap(),
        "password",
    );
    assert_eq!(kc.get(&handle).unwrap().expose_secret(), "old");
    let audit = engine
        .list_audit(AuditQuery {
            kind: Some("keychain.".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2, "failed keychain writes are audited");
}

#[tokio::test]
async fn deleting_a_project_removes_its_connections_and_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let kc = os_keychain();
    let engine = Engine::open(dir.path(), kc.clone()).await.unwrap();
    let p = engine.create_project("Temp", "short-lived").await.unwrap();
    let v = engine
        .create_connection(input(&p.id, "Temp DB", literal("temp-pw")))
        .await
        .unwrap();
    let handle = handle_of(
        &engine.store().connections().get(&v.id).await.unwrap(),
        "password",
    );
    let summary = engine.list_projects().await.unwrap();
    assert_eq!(
        summary
            .iter()
            .find(|s| s.project.id == p.id)
            .unwrap()
            .connection_count,
        1
    );

    engine.delete_project(&p.id).await.unwrap();
    assert!(engine.list_connections(None).await.unwrap().is_empty());
    assert!(matches!(kc.get(&handle), Err(KeychainError::NotFound(_))));
    let kinds: Vec<String> = engine
        .list_audit(AuditQuery::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        ["project.deleted", "connection.created", "project.created"]
    );
}
