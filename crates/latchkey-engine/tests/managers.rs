//! The secrets-manager catalogue through the engine: a kept secret never follows a
//! changed address (managers and connections alike), and a workspace written by the
//! previous release (per-kind stored settings) opens and its managers still work.
//! Servers: OpenBao on 127.0.0.1:8200, moto on :5000, PostgreSQL on :5432
//! (scripts/services.sh).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use latchkey_core::{FieldInput, FieldView, ProviderKind, SecretValue};
use latchkey_engine::{Engine, EngineError, StepOutcome};
use latchkey_keychain::{CredentialStore, MemoryKeychain};
use latchkey_testkit::moto::{rotate, seeder};
use latchkey_testkit::openbao::OpenBao;
use latchkey_testkit::target::{PG_PASSWORD, files_containing, pg_input};
use tokio::io::AsyncReadExt;

mod rig;

/// A listener on another loopback port that counts the connections it accepts and
/// the bytes it is sent (a token sent there would be among them).
struct Listener {
    addr: String,
    accepted: Arc<AtomicUsize>,
    bytes: Arc<std::sync::Mutex<Vec<u8>>>,
}

async fn listener() -> Listener {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", l.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let bytes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (a, b) = (Arc::clone(&accepted), Arc::clone(&bytes));
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            a.fetch_add(1, Ordering::SeqCst);
            let b = Arc::clone(&b);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                // Read what the client sends, answer nothing, close after a moment.
                let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
                    while let Ok(n) = sock.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        b.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                })
                .await;
            });
        }
    });
    Listener {
        addr,
        accepted,
        bytes,
    }
}

fn only_field(e: EngineError) -> (String, String) {
    match e {
        EngineError::Validation(errors) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            (errors[0].field.clone(), errors[0].message.clone())
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_kept_vault_token_is_never_sent_to_a_changed_address() {
    let bao = OpenBao::load();
    let w = rig::Workspace::new("latchkey-test-endpoint").await;
    let token = bao.root_token();
    let p = w
        .engine
        .create_provider(rig::vault_token("bao", &bao.addr(), &token))
        .await
        .unwrap();
    assert_eq!(p.fields.get("token"), Some(&FieldView::Literal));
    let other = listener().await;

    // Test with the address changed and the token kept: refused, nothing sent.
    let moved = rig::vault_token("bao", &other.addr, "unused")
        .unset("token")
        .keep("token");
    let (field, message) = only_field(
        w.engine
            .test_provider(Some(&p.id), moved)
            .await
            .unwrap_err(),
    );
    assert_eq!(field, "token");
    assert!(message.contains("Server URL changed"), "{message}");
    assert!(message.contains(&other.addr), "{message}");
    // Save refuses it the same way, and the stored manager is unchanged.
    let moved = rig::vault_token("bao", &other.addr, "unused")
        .unset("token")
        .keep("token");
    let (field, _) = only_field(w.engine.update_provider(&p.id, moved).await.unwrap_err());
    assert_eq!(field, "token");
    let stored = w.engine.get_provider(&p.id).await.unwrap();
    assert_eq!(stored.target, bao.addr());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        other.accepted.load(Ordering::SeqCst),
        0,
        "nothing reached the listener"
    );

    // The same address (a trailing slash is no change) keeps the token.
    let same = rig::vault_token("bao", &format!("{}/", bao.addr()), "unused")
        .unset("token")
        .keep("token");
    assert!(
        w.engine
            .test_provider(Some(&p.id), same)
            .await
            .unwrap()
            .can_list
    );

    // Typed again, the token goes where the admin said: the listener sees the request
    // (so the refusal above was the rule, not a listener that could not be reached).
    let typed = rig::vault_token("bao", &other.addr, "typed-again-canary");
    let _ = w.engine.test_provider(Some(&p.id), typed).await;
    assert!(other.accepted.load(Ordering::SeqCst) >= 1);
    let seen = String::from_utf8_lossy(&other.bytes.lock().unwrap()).into_owned();
    assert!(!seen.contains(&token), "the saved token never went there");
}

#[tokio::test]
async fn a_kept_connection_password_is_not_saved_for_a_changed_host() {
    let w = rig::Workspace::new("latchkey-test-endpoint-conn").await;
    let project = w.project().await;
    let literal = |v: &str| FieldInput::Literal {
        value: SecretValue::from(v.to_owned()),
    };
    let c = w
        .engine
        .create_connection(pg_input(&project, "Billing", literal("pw-canary-31")))
        .await
        .unwrap();
    let mut moved = pg_input(&project, "Billing", FieldInput::KeepLiteral);
    moved.fields.insert(
        "host".into(),
        FieldInput::Plain {
            value: "db.elsewhere.example".into(),
        },
    );
    let (field, message) = only_field(w.engine.update_connection(&c.id, moved).await.unwrap_err());
    assert_eq!(field, "password");
    assert!(
        message.contains("Host changed from 127.0.0.1 to db.elsewhere.example"),
        "{message}"
    );
    assert_eq!(
        w.engine.get_connection(&c.id).await.unwrap().target,
        "latchkey_test@127.0.0.1:5432/latchkey_test"
    );
    // A field that is not a destination (the database) may change under a kept password.
    let mut db = pg_input(&project, "Billing", FieldInput::KeepLiteral);
    db.fields.insert(
        "database".into(),
        FieldInput::Plain {
            value: "other".into(),
        },
    );
    let saved = w.engine.update_connection(&c.id, db).await.unwrap();
    assert_eq!(saved.fields.get("password"), Some(&FieldView::Literal));
}

/// The previous release's workspace: `tests/fixtures/workspace-r12.sql`, a `sqlite3
/// .dump` of a database written by commit 9bf7c5e's engine (AWS on moto with an access
/// key, Vault/OpenBao with a token, Azure Key Vault grouped by separator with a
/// certificate password, a PostgreSQL connection whose password is
/// `secret://moto/r12/billing#password`); its keychain handles are named in the dump.
#[tokio::test]
async fn a_workspace_of_the_previous_release_opens_and_its_managers_still_test_green() {
    let dir = tempfile::tempdir().unwrap();
    let dump = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/workspace-r12.sql"
    ))
    .unwrap();
    let db = dir.path().join(latchkey_store::DB_FILE);
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&db)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::raw_sql(&dump).execute(&pool).await.unwrap();
    // The keychain entries the dump's handles name.
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, keychain_handles FROM providers")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    let kc = Arc::new(MemoryKeychain::default());
    let bao = OpenBao::load();
    for (kind, handles) in rows {
        let handles: std::collections::BTreeMap<String, String> =
            serde_json::from_str(&handles).unwrap();
        for (purpose, handle) in handles {
            let value = match (kind.as_str(), purpose.as_str()) {
                ("aws_secrets_manager", "secret_access_key") => "moto-accepts-any".to_owned(),
                ("vault", "token") => bao.root_token(),
                _ => "pfx-password".to_owned(),
            };
            kc.set(&handle, &SecretValue::from(value)).unwrap();
        }
    }
    let engine = Engine::open(dir.path(), kc).await.unwrap();
    let views = engine.list_providers().await.unwrap();
    let by = |k: ProviderKind| views.iter().find(|v| v.kind == k).unwrap();
    let aws = by(ProviderKind::AwsSecretsManager);
    assert_eq!(
        (aws.target.as_str(), aws.auth_label.as_str()),
        ("us-east-1 · http://127.0.0.1:5000", "Access key")
    );
    assert_eq!(
        aws.fields.get("secret_access_key"),
        Some(&FieldView::Literal)
    );
    let vault = by(ProviderKind::Vault);
    assert_eq!(vault.auth_label, "Token");
    let azure = by(ProviderKind::AzureKeyVault);
    // group_by became the separator's own field; the certificate-password flag went.
    assert_eq!(
        azure.fields.get("separator"),
        Some(&FieldView::Plain { value: "-".into() })
    );
    assert!(!azure.fields.contains_key("group_by"));
    assert_eq!(
        azure.fields.get("certificate_password"),
        Some(&FieldView::Literal)
    );
    assert_eq!(azure.auth_label, "Entra ID app — certificate");

    // AWS and Vault still sign in and list, and the old connection still passes.
    for v in [aws, vault] {
        let input = stored_as_input(v);
        let check = engine.test_provider(Some(&v.id), input).await.unwrap();
        assert!(check.can_list, "{} {check:?}", v.alias);
    }
    let sm = seeder().await;
    let value = format!(r#"{{"password":"{PG_PASSWORD}"}}"#);
    if sm
        .create_secret()
        .name("r12/billing")
        .secret_string(&value)
        .send()
        .await
        .is_err()
    {
        rotate(&sm, "r12/billing", &value).await;
    }
    let c = &engine.list_connections(None).await.unwrap()[0];
    assert_eq!(c.target, "latchkey_test@127.0.0.1:5432/latchkey_test");
    let report = engine.test_connection(&c.id, &|_| {}).await.unwrap();
    assert!(
        report.steps.iter().all(|s| s.outcome == StepOutcome::Ok),
        "{report:?}"
    );
    // The keychain-held secrets stayed there (the root token "root" is also the OS
    // user in the audit, so the AWS secret key is the canary here).
    assert!(files_containing(dir.path(), "moto-accepts-any").is_empty());
}

/// A stored manager as its edit form would send it back: plain fields, secrets kept.
fn stored_as_input(v: &latchkey_engine::ProviderView) -> latchkey_engine::ProviderInput {
    let mut input = latchkey_engine::ProviderInput::new(&v.alias, v.kind, &[]);
    for (k, f) in &v.fields {
        input = match f {
            FieldView::Plain { value } => input.set(k, value),
            _ => input.keep(k),
        };
    }
    input
}

#[tokio::test]
async fn a_pasted_secret_is_checked_for_its_shape_and_an_unused_one_is_not_kept() {
    let bao = OpenBao::load();
    let w = rig::Workspace::new("latchkey-test-secret-shape").await;
    // A token pasted with a line break in it, and one far too long: refused, not echoed.
    for bad in ["canary-tok\nen-77".to_owned(), "x".repeat(20_000)] {
        let (field, message) = only_field(
            w.engine
                .create_provider(rig::vault_token("bao", &bao.addr(), &bad))
                .await
                .unwrap_err(),
        );
        assert_eq!(field, "token");
        assert!(
            !message.contains("canary") && message.len() < 200,
            "{message}"
        );
    }
    assert!(w.engine.list_providers().await.unwrap().is_empty());

    // Assume role without a source key ID uses no secret key: none is stored.
    let role = rig::aws_assume(
        "role",
        "http://127.0.0.1:5000",
        "AKIAUNUSED",
        "unused-secret-key",
        "arn:aws:iam::123456789012:role/reader",
    )
    .unset("access_key_id");
    let v = w.engine.create_provider(role).await.unwrap();
    assert!(!v.fields.contains_key("secret_access_key"), "{v:?}");
    assert!(files_containing(w.dir.path(), "unused-secret-key").is_empty());
}
