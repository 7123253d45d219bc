//! Azure Key Vault through the engine, against the test kit's local Key Vault (HTTPS,
//! Entra ID client credentials) and PostgreSQL 15 (scripts/services.sh): the setup
//! form's checks, browsing, a connection whose password comes from Key Vault passing
//! the four test steps, and canaries absent from SQLite, its WAL, the logs and every
//! reply.

use std::sync::Arc;

use latchkey_core::FieldView;
use latchkey_engine::{Engine, EngineError, ProviderInput, StepOutcome};
use latchkey_keychain::OsKeychain;
use latchkey_testkit::keyvault::{
    KeyVaultConfig, KeyVaultServer, SetOptions, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TENANT_ID,
};
use latchkey_testkit::moto::unique;
use latchkey_testkit::target::{PG_PASSWORD, files_containing, pg_input, reference};

mod rig;

fn form(kv: &KeyVaultServer, secret: &str) -> ProviderInput {
    rig::azure_secret(
        "kv",
        &kv.url,
        TEST_TENANT_ID,
        TEST_CLIENT_ID,
        secret,
        &kv.authority_host,
        &kv.ca_path().display().to_string(),
    )
}

fn fields(e: EngineError) -> Vec<String> {
    match e {
        EngineError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_postgres_password_from_key_vault_passes_the_four_steps_and_leaks_nowhere() {
    let dir = tempfile::tempdir().unwrap();
    let _log = latchkey_engine::logging::init(&dir.path().join("logs"), false).unwrap();
    let kc = Arc::new(OsKeychain::new(unique("latchkey-test-azure")));
    let e = Engine::open(dir.path(), kc).await.unwrap();
    let kv = KeyVaultServer::start(KeyVaultConfig::default()).await;
    let sibling = "canary-azure-sibling-7d1";
    kv.set(
        "billing-db",
        &format!(r#"{{"username":"latchkey_test","password":"{PG_PASSWORD}"}}"#),
        SetOptions::default(),
    );
    kv.set(
        "billing-smtp",
        &format!(r#"{{"password":"{sibling}"}}"#),
        SetOptions::default(),
    );

    // The form's checks name each field; nothing is saved.
    let bad = form(&kv, TEST_CLIENT_SECRET)
        .set("vault_url", "https://my-vault.example.com/")
        .set("tenant_id", "contoso")
        .set("client_id", "not-a-guid")
        .set("grouping", "tag");
    let mut got = fields(e.create_provider(bad).await.unwrap_err());
    got.sort();
    // The tag grouping's own field is `tag` (it was `group_by`, shared with the separator).
    assert_eq!(got, ["client_id", "tag", "tenant_id", "vault_url"]);
    let no_secret = form(&kv, TEST_CLIENT_SECRET).unset("client_secret");
    assert_eq!(
        fields(e.create_provider(no_secret).await.unwrap_err()),
        ["client_secret"]
    );
    assert!(e.list_providers().await.unwrap().is_empty());

    // "Test" with a wrong secret blames the secret; with the right one, the app.
    let wrong = e
        .test_provider(None, form(&kv, "wrong-secret"))
        .await
        .unwrap_err();
    assert_eq!(fields(wrong), ["client_secret"]);
    let check = e
        .test_provider(None, form(&kv, TEST_CLIENT_SECRET))
        .await
        .unwrap();
    assert!(
        check.identity.contains(TEST_CLIENT_ID) && check.can_list,
        "{check:?}"
    );
    let p = e
        .create_provider(form(&kv, TEST_CLIENT_SECRET))
        .await
        .unwrap();
    assert_eq!(p.fields.get("client_secret"), Some(&FieldView::Literal));
    assert_eq!(p.target, kv.url);

    // Browse: the tree groups by "-"; versions; key names only.
    let page = e.list_secrets(&p.id, None, None).await.unwrap();
    let db = page.items.iter().find(|s| s.name == "billing-db").unwrap();
    assert_eq!(db.path.as_deref(), Some("billing/db"));
    let info = e.describe_secret(&p.id, "billing-db").await.unwrap();
    assert_eq!(info.versions[0].stages, ["latest"]);
    let keys = e
        .secret_json_keys(&p.id, "billing-smtp", None)
        .await
        .unwrap();
    assert_eq!(keys, ["password"]);

    // The connection: four green steps.
    let project = e.list_projects().await.unwrap()[0].project.id.clone();
    let c = e
        .create_connection(pg_input(
            &project,
            "Billing from Key Vault",
            reference("secret://kv/billing-db#password"),
        ))
        .await
        .unwrap();
    let report = e.test_connection(&c.id, &|_| {}).await.unwrap();
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.steps.len(), 4);
    assert!(report.steps.iter().all(|s| s.outcome == StepOutcome::Ok));

    // Canaries: the PG password, a sibling's value whose key was listed, the client secret.
    let replies = [
        serde_json::to_string(&e.list_providers().await.unwrap()).unwrap(),
        serde_json::to_string(&page).unwrap(),
        serde_json::to_string(&info).unwrap(),
        serde_json::to_string(&report).unwrap(),
        serde_json::to_string(&e.list_audit(Default::default()).await.unwrap()).unwrap(),
    ];
    drop(e);
    for canary in [PG_PASSWORD, sibling, TEST_CLIENT_SECRET] {
        for r in &replies {
            assert!(!r.contains(canary), "{canary} in a reply");
        }
        assert_eq!(
            files_containing(dir.path(), canary),
            Vec::<String>::new(),
            "{canary}"
        );
    }
}
