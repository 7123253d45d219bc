//! Vault / OpenBao through the engine: set up with AppRole (secret ID in the OS
//! keychain), browse, and "Test connection" on PostgreSQL with the password from
//! Vault. Servers: OpenBao on 127.0.0.1:8200 and PostgreSQL on 127.0.0.1:5432, both
//! started and seeded by scripts/services.sh.

use std::sync::Arc;

use latchkey_core::FieldView;
use latchkey_engine::{Engine, EngineError, ProviderInput, StepOutcome};
use latchkey_keychain::OsKeychain;
use latchkey_testkit::moto::unique;
use latchkey_testkit::openbao::OpenBao;
use latchkey_testkit::target::{files_containing, pg_input, reference};

mod rig;

fn approle_form(alias: &str, bao: &OpenBao) -> ProviderInput {
    let (role_id, secret_id) = bao.approle("billing");
    rig::vault_approle(alias, &bao.addr(), &role_id, &secret_id)
}

async fn engine(dir: &std::path::Path) -> Engine {
    let kc = Arc::new(OsKeychain::new(unique("latchkey-test-vault")));
    Engine::open(dir, kc).await.unwrap()
}

#[tokio::test]
async fn a_password_from_vault_passes_all_four_steps_and_leaves_no_trace() {
    let bao = OpenBao::load();
    let (_, secret_id) = bao.approle("billing");
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let view = e.create_provider(approle_form("bao", &bao)).await.unwrap();
    assert_eq!(view.fields.get("secret_id"), Some(&FieldView::Literal));
    assert!(!view.fields.contains_key("token"), "{view:?}");

    let check = e
        .test_provider(Some(&view.id), approle_form("bao", &bao).keep("secret_id"))
        .await
        .unwrap();
    assert!(
        check.identity.contains("billing-read"),
        "{}",
        check.identity
    );
    assert!(check.can_list);

    // Browse as the picker does: mounts, then folders, then keys (names only).
    let top = e.list_secrets(&view.id, None, None).await.unwrap();
    assert!(
        top.items.iter().any(|s| s.name == "secret/"),
        "{:?}",
        top.items
    );
    let billing = e
        .list_secrets(&view.id, Some("secret/apps/billing/".into()), None)
        .await
        .unwrap();
    let names: Vec<_> = billing.items.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["secret/apps/billing/api", "secret/apps/billing/db"]);
    let info = e
        .describe_secret(&view.id, "secret/apps/billing/db")
        .await
        .unwrap();
    // This policy reads data but not metadata: versions are hidden, and it says why.
    assert!(info.versions.is_empty(), "{:?}", info.versions);
    let why = info.secret.description.clone().unwrap_or_default();
    assert!(
        why.contains("read on secret/metadata/apps/billing/db"),
        "{why}"
    );
    let keys = e
        .secret_json_keys(&view.id, "secret/apps/billing/api", None)
        .await
        .unwrap();
    assert_eq!(keys, ["token"]);

    let project = e.list_projects().await.unwrap()[0].project.id.clone();
    let c = e
        .create_connection(pg_input(
            &project,
            "Billing (Vault)",
            reference("secret://bao/secret/apps/billing/db#password"),
        ))
        .await
        .unwrap();
    let report = e.test_connection(&c.id, &|_| {}).await.unwrap();
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.steps.len(), 4);
    assert!(report.steps.iter().all(|s| s.outcome == StepOutcome::Ok));
    assert!(report.steps[3].detail.contains("latchkey_test"));

    // A pinned older version is read as such (and holds a wrong password).
    let pinned = e
        .create_connection(pg_input(
            &project,
            "Billing v1",
            reference("secret://bao/secret/apps/billing/db?version=1#password"),
        ))
        .await
        .unwrap();
    let old = e.test_connection(&pinned.id, &|_| {}).await.unwrap();
    assert_eq!(old.steps[0].outcome, StepOutcome::Ok, "{old:#?}");
    assert_eq!(old.steps[2].outcome, StepOutcome::Failed, "{old:#?}");

    // The policy allows billing only: a neighbour fails at step 1 with the hint.
    let denied = e
        .create_connection(pg_input(
            &project,
            "SMTP",
            reference("secret://bao/secret/shared/smtp#password"),
        ))
        .await
        .unwrap();
    let r = e.test_connection(&denied.id, &|_| {}).await.unwrap();
    assert_eq!(r.steps[0].outcome, StepOutcome::Failed);
    assert_eq!(r.steps[0].code.map(|c| c.as_str()), Some("access_denied"));
    let cause = r.steps[0].cause.clone().unwrap_or_default();
    assert!(
        cause.contains("read on \"secret/data/shared/smtp\""),
        "{cause}"
    );

    // Canaries: the PostgreSQL password, a sibling secret whose keys were listed, and
    // the AppRole secret ID appear in no file of the data folder and in no reply.
    let replies = format!(
        "{:?}{:?}{:?}{:?}{:?}",
        e.list_providers().await.unwrap(),
        report,
        info,
        keys,
        e.list_connections(None).await.unwrap()
    );
    for canary in [
        "latchkey-test-pw",
        "canary-vault-api-token",
        secret_id.as_str(),
    ] {
        assert_eq!(
            files_containing(dir.path(), canary),
            Vec::<String>::new(),
            "{canary}"
        );
        assert!(!replies.contains(canary), "{canary} in a reply");
    }
}

#[tokio::test]
async fn the_vault_form_names_each_bad_field() {
    let bao = OpenBao::load();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let bad = approle_form("bao", &bao)
        .set("address", "vault.example.com")
        .set("ca_cert", "/nonexistent/ca.pem")
        .set("role_id", "")
        .set("mounts", "secret:3");
    let EngineError::Validation(errors) = e.create_provider(bad).await.unwrap_err() else {
        panic!("a validation error")
    };
    let mut fields: Vec<_> = errors.iter().map(|f| f.field.as_str()).collect();
    fields.sort();
    assert_eq!(
        fields,
        ["address", "ca_cert", "mounts", "role_id"],
        "{errors:?}"
    );

    let no_secret = approle_form("bao", &bao).unset("secret_id");
    let err = e.create_provider(no_secret).await.unwrap_err();
    assert!(
        matches!(&err, EngineError::Validation(f) if f[0].field == "secret_id"),
        "{err:?}"
    );
    assert!(
        e.list_providers().await.unwrap().is_empty(),
        "nothing saved"
    );
}
