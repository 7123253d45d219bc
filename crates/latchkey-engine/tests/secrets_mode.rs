//! Workspace versus project secrets mode through the engine, against moto (AWS Secrets
//! Manager; the IAM-enforcing one on :5001 for AssumeRole) and PostgreSQL 15
//! (scripts/services.sh): the preview lists exactly what breaks and dry-runs the
//! mapping, the switch is atomic (a failure injected in its middle changes nothing),
//! connections keep working across a switch and back, and in project mode each
//! project's own role reads its secrets while the other project's stay out of reach.

use std::sync::Arc;

use latchkey_core::{ExposeSecret, SecretsMode};
use latchkey_engine::{
    Engine, EngineError, ImpactStatus, ModeMapping, ModePreview, ModeRequest, ProviderInput,
};
use latchkey_keychain::{CredentialStore, KeychainError, MemoryKeychain, OsKeychain};
use latchkey_testkit::moto::{ACCESS_KEY_ID, MOTO, put, seeder, unique};
use latchkey_testkit::target::{PG_PASSWORD, files_containing, pg_input, reference};

mod rig;

fn aws(alias: &str, project_id: Option<&str>) -> ProviderInput {
    rig::aws_key(alias, MOTO, ACCESS_KEY_ID, Some("moto-accepts-any")).in_project(project_id)
}

fn to(mode: SecretsMode, mappings: Option<Vec<ModeMapping>>) -> ModeRequest {
    ModeRequest { to: mode, mappings }
}

fn os_keychain() -> Arc<OsKeychain> {
    Arc::new(OsKeychain::new(unique("latchkey-test-mode")))
}

/// Statuses by connection name.
fn statuses(p: &ModePreview) -> Vec<(String, ImpactStatus)> {
    let mut out: Vec<_> = p
        .references
        .iter()
        .map(|r| (r.connection.clone(), r.status))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn field_of(e: EngineError) -> Vec<(String, String)> {
    match e {
        EngineError::Validation(errors) => {
            errors.into_iter().map(|e| (e.field, e.message)).collect()
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

struct World {
    _dir: tempfile::TempDir,
    engine: Engine,
    default: String,
    ops: String,
    root: String,
}

/// Workspace mode; projects Default, Empty, Ops; managers "aws" and "spare" (moto);
/// Default's "app" (a real PostgreSQL password) and "gone" (a secret that does not
/// exist); Ops's "ops" and "ops key" (a JSON key the secret does not have).
async fn world(kc: Arc<dyn CredentialStore>) -> World {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path(), kc).await.unwrap();
    let default = engine.list_projects().await.unwrap()[0].project.id.clone();
    engine.create_project("Empty", "").await.unwrap();
    let ops = engine.create_project("Ops", "").await.unwrap().id;
    engine.create_provider(aws("aws", None)).await.unwrap();
    engine.create_provider(aws("spare", None)).await.unwrap();
    let root = unique("mode");
    let sm = seeder().await;
    let value = format!(r#"{{"password":"{PG_PASSWORD}"}}"#);
    put(&sm, &format!("{root}/app"), &value).await;
    put(&sm, &format!("{root}/ops"), &value).await;
    for (project, name, r) in [
        (&default, "app", format!("secret://aws/{root}/app#password")),
        (
            &default,
            "gone",
            format!("secret://aws/{root}/missing#password"),
        ),
        (&ops, "ops", format!("secret://aws/{root}/ops#password")),
        (&ops, "ops key", format!("secret://aws/{root}/ops#nokey")),
    ] {
        engine
            .create_connection(pg_input(project, name, reference(&r)))
            .await
            .unwrap();
    }
    World {
        _dir: dir,
        engine,
        default,
        ops,
        root,
    }
}

async fn id_of(e: &Engine, name: &str) -> String {
    e.list_connections(None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap()
        .id
}

async fn passes(e: &Engine, name: &str) -> bool {
    let report = e
        .test_connection(&id_of(e, name).await, &|_| {})
        .await
        .unwrap();
    assert!(!report.ok || report.steps.len() == 4, "{report:?}");
    report.ok
}

#[tokio::test]
async fn the_preview_lists_exactly_what_breaks_and_dry_runs_the_mapping() {
    let w = world(os_keychain()).await;
    let e = &w.engine;
    let providers_before = e.list_providers().await.unwrap();
    let aws_id = providers_before
        .iter()
        .find(|p| p.alias == "aws")
        .unwrap()
        .id
        .clone();

    // The proposal: "aws" copied into the two projects that use it, nothing for Empty.
    let p = e
        .preview_mode(to(SecretsMode::Project, None))
        .await
        .unwrap();
    assert_eq!(
        (p.from, p.to),
        (SecretsMode::Workspace, SecretsMode::Project)
    );
    assert_eq!(
        p.proposals.len(),
        6,
        "every project × every workspace manager"
    );
    let mut selected: Vec<_> = p
        .proposals
        .iter()
        .filter(|m| m.selected)
        .map(|m| (m.alias.as_str(), m.to_scope.as_str(), m.serves))
        .collect();
    selected.sort_unstable();
    assert_eq!(selected, [("aws", "Default", 2), ("aws", "Ops", 2)]);
    assert_eq!(
        statuses(&p),
        [
            ("app".to_owned(), ImpactStatus::Works),
            ("gone".to_owned(), ImpactStatus::Fails),
            ("ops".to_owned(), ImpactStatus::Works),
            ("ops key".to_owned(), ImpactStatus::Fails),
        ]
    );
    let gone = p
        .references
        .iter()
        .find(|r| r.connection == "gone")
        .unwrap();
    assert!(gone.detail.contains("missing"), "{}", gone.detail);
    assert_eq!(gone.manager_now.as_deref(), Some("aws (workspace)"));
    assert_eq!(gone.manager_after.as_deref(), Some("aws (Default)"));
    assert_eq!(p.breaking, 2);
    assert_eq!(p.without_manager, ["Empty"]);
    assert_eq!(p.removed, ["aws (workspace)", "spare (workspace)"]);

    // Only Default gets a copy: Ops's references stop working.
    let only_default = vec![ModeMapping {
        source_id: aws_id.clone(),
        project_id: Some(w.default.clone()),
    }];
    let p = e
        .preview_mode(to(SecretsMode::Project, Some(only_default)))
        .await
        .unwrap();
    assert_eq!(
        statuses(&p),
        [
            ("app".to_owned(), ImpactStatus::Works),
            ("gone".to_owned(), ImpactStatus::Fails),
            ("ops".to_owned(), ImpactStatus::Stops),
            ("ops key".to_owned(), ImpactStatus::Stops),
        ]
    );
    let ops = p.references.iter().find(|r| r.connection == "ops").unwrap();
    assert_eq!(ops.manager_after, None);
    assert!(ops.detail.contains("project \"Ops\""), "{}", ops.detail);
    assert_eq!(p.breaking, 3);
    assert_eq!(p.without_manager, ["Empty", "Ops"]);

    // Nothing changed, and nothing secret came back or was written.
    let settings = e.workspace_info().await.unwrap().settings;
    assert_eq!(settings.secrets_mode, SecretsMode::Workspace);
    assert_eq!(
        serde_json::to_string(&e.list_providers().await.unwrap()).unwrap(),
        serde_json::to_string(&providers_before).unwrap()
    );
    assert!(!serde_json::to_string(&p).unwrap().contains(PG_PASSWORD));
    assert!(files_containing(w._dir.path(), PG_PASSWORD).is_empty());

    // Bad requests name the problem.
    let wrong = vec![ModeMapping {
        source_id: "no-such-manager".into(),
        project_id: Some(w.ops.clone()),
    }];
    let errors = field_of(
        e.preview_mode(to(SecretsMode::Project, Some(wrong)))
            .await
            .unwrap_err(),
    );
    assert_eq!(errors[0].0, "mappings");
    let errors = field_of(
        e.preview_mode(to(SecretsMode::Workspace, None))
            .await
            .unwrap_err(),
    );
    assert_eq!(errors[0].0, "to");
    assert!(
        errors[0].1.contains("already in workspace mode"),
        "{errors:?}"
    );
}

#[tokio::test]
async fn switching_to_project_mode_and_back_keeps_working_connections_working() {
    let kc = os_keychain();
    let w = world(kc.clone()).await;
    let e = &w.engine;
    assert!(passes(e, "app").await);
    assert!(!e.cache_entries().await.unwrap().is_empty());
    let old = e.store().providers().list().await.unwrap();

    let report = e.switch_mode(to(SecretsMode::Project, None)).await.unwrap();
    assert_eq!(report.mode, SecretsMode::Project);
    assert_eq!(report.removed, ["aws (workspace)", "spare (workspace)"]);
    assert_eq!(report.added.len(), 2);
    assert_eq!(report.broken, 0);
    let now = e.store().providers().list().await.unwrap();
    let mut scopes: Vec<_> = now.iter().map(|p| p.project_id.clone().unwrap()).collect();
    scopes.sort();
    let mut expected = vec![w.default.clone(), w.ops.clone()];
    expected.sort();
    assert_eq!(scopes, expected);
    // The old managers' keychain entries and cached values are gone; the copies have
    // their own entries.
    for p in &old {
        for h in p.keychain_handles.values() {
            assert!(matches!(kc.get(h), Err(KeychainError::NotFound(_))), "{h}");
        }
    }
    assert!(e.cache_entries().await.unwrap().is_empty());
    for p in &now {
        let h = &p.keychain_handles["secret_access_key"];
        assert_eq!(kc.get(h).unwrap().expose_secret(), "moto-accepts-any");
    }
    assert!(passes(e, "app").await);
    assert!(passes(e, "ops").await);

    // Project mode refuses a workspace manager, and a reference to another project's.
    let errors = field_of(e.create_provider(aws("shared", None)).await.unwrap_err());
    assert_eq!(errors[0].0, "project_id");
    e.create_provider(aws("opsonly", Some(&w.ops)))
        .await
        .unwrap();
    let errors = field_of(
        e.create_connection(pg_input(
            &w.default,
            "peeking",
            reference(&format!("secret://opsonly/{}/ops#password", w.root)),
        ))
        .await
        .unwrap_err(),
    );
    assert_eq!(errors[0].0, "password");
    assert!(
        errors[0].1.contains("project \"Ops\"") && errors[0].1.contains("its own project"),
        "{errors:?}"
    );
    let audit = e
        .list_audit(latchkey_engine::AuditQuery {
            kind: Some("mode.".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.kind == "mode.switched" && a.detail.contains("workspace → project"))
    );

    // And back: one "aws" (either project's copy) and "opsonly" become the workspace's.
    let back = e
        .preview_mode(to(SecretsMode::Workspace, None))
        .await
        .unwrap();
    let chosen: Vec<_> = back
        .proposals
        .iter()
        .filter(|m| m.selected)
        .map(|m| m.alias.as_str())
        .collect();
    assert_eq!(chosen.len(), 2, "{chosen:?}");
    assert!(chosen.contains(&"aws") && chosen.contains(&"opsonly"));
    assert_eq!(back.breaking, 2, "only the two that never resolved");
    let report = e
        .switch_mode(to(SecretsMode::Workspace, None))
        .await
        .unwrap();
    assert_eq!(report.mode, SecretsMode::Workspace);
    assert!(passes(e, "app").await);
    assert!(passes(e, "ops").await);
    assert!(files_containing(w._dir.path(), PG_PASSWORD).is_empty());
}

#[tokio::test]
async fn a_failure_in_the_middle_of_a_switch_leaves_everything_as_it_was() {
    let kc = Arc::new(MemoryKeychain::default());
    let w = world(kc.clone()).await;
    let e = &w.engine;
    assert!(passes(e, "app").await);
    let cached = e.cache_entries().await.unwrap().len();
    let before = e.store().providers().list().await.unwrap();
    let entries = kc.len();
    assert_eq!(entries, 2, "one secret key per manager");

    // The copy for Ops is refused by the database after the old managers were removed,
    // the mode changed and Default's copy was added, inside the transaction.
    sqlx::query(&format!(
        "CREATE TRIGGER inject_failure BEFORE INSERT ON providers WHEN NEW.project_id = '{}'
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        w.ops
    ))
    .execute(e.store().pool())
    .await
    .unwrap();
    let err = e
        .switch_mode(to(SecretsMode::Project, None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");

    assert_eq!(
        e.workspace_info().await.unwrap().settings.secrets_mode,
        SecretsMode::Workspace
    );
    assert_eq!(e.store().providers().list().await.unwrap(), before);
    assert_eq!(
        kc.len(),
        entries,
        "the copies' keychain entries were removed"
    );
    for p in &before {
        for h in p.keychain_handles.values() {
            assert!(kc.get(h).is_ok());
        }
    }
    assert_eq!(e.cache_entries().await.unwrap().len(), cached);
    assert!(passes(e, "app").await);
    let audit = e
        .list_audit(latchkey_engine::AuditQuery {
            kind: Some("mode.switched".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(audit[0].detail.starts_with("nothing changed"), "{audit:?}");

    sqlx::query("DROP TRIGGER inject_failure")
        .execute(e.store().pool())
        .await
        .unwrap();
    e.switch_mode(to(SecretsMode::Project, None)).await.unwrap();
    assert_eq!(
        kc.len(),
        2,
        "two copies of \"aws\"; the old entries are gone"
    );
    assert!(passes(e, "ops").await);
}

// ---------------------------------------------------------------------------------
// Project mode with AssumeRole on moto with IAM enforcement.

const IAM_MOTO: &str = "http://127.0.0.1:5001";

fn iam_seed() -> serde_json::Value {
    let dir = std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into());
    let path = format!("{dir}/latchkey-services/moto-iam.json");
    serde_json::from_str(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/services.sh)")),
    )
    .unwrap()
}

/// A role on the IAM moto that trusts only `external_id`, and a secret it may read.
fn project_role(role: &str, external_id: &str, secret: &str) -> String {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/moto_iam_project_role.py"
    );
    let out = std::process::Command::new("python3")
        .args([
            script,
            IAM_MOTO,
            role,
            external_id,
            secret,
            &format!(r#"{{"password":"{PG_PASSWORD}"}}"#),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn assume(alias: &str, project_id: &str, role_arn: &str) -> ProviderInput {
    let seed = iam_seed();
    rig::aws_assume(
        alias,
        IAM_MOTO,
        seed["access_key_id"].as_str().unwrap(),
        seed["secret_access_key"].as_str().unwrap(),
        role_arn,
    )
    .in_project(Some(project_id))
}

#[tokio::test]
async fn in_project_mode_each_project_assumes_its_own_role_and_cannot_reach_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), os_keychain()).await.unwrap();
    let alpha = e.create_project("Alpha", "").await.unwrap();
    let beta = e.create_project("Beta", "").await.unwrap();
    assert_ne!(alpha.aws_external_id, beta.aws_external_id);
    e.switch_mode(to(SecretsMode::Project, Some(Vec::new())))
        .await
        .unwrap();

    let tag = unique("p");
    let alpha_role = project_role(
        &format!("{tag}-alpha"),
        &alpha.aws_external_id,
        &format!("{tag}/alpha/db"),
    );
    let beta_role = project_role(
        &format!("{tag}-beta"),
        &beta.aws_external_id,
        &format!("{tag}/beta/db"),
    );
    e.create_provider(assume("alpha-aws", &alpha.id, &alpha_role))
        .await
        .unwrap();
    e.create_provider(assume("beta-aws", &beta.id, &beta_role))
        .await
        .unwrap();

    // Each project's connection reads its secret through its own role.
    for (project, name, r) in [
        (
            &alpha.id,
            "alpha db",
            format!("secret://alpha-aws/{tag}/alpha/db#password"),
        ),
        (
            &beta.id,
            "beta db",
            format!("secret://beta-aws/{tag}/beta/db#password"),
        ),
    ] {
        e.create_connection(pg_input(project, name, reference(&r)))
            .await
            .unwrap();
        assert!(passes(&e, name).await, "{name}");
    }

    // Alpha's connection cannot name Beta's manager…
    let errors = field_of(
        e.create_connection(pg_input(
            &alpha.id,
            "alpha peeks",
            reference(&format!("secret://beta-aws/{tag}/beta/db#password")),
        ))
        .await
        .unwrap_err(),
    );
    assert_eq!(errors[0].0, "password");
    assert!(errors[0].1.contains("project \"Beta\""), "{errors:?}");
    // …and a manager of Alpha's pointed at Beta's role is refused by AWS: it sends
    // Alpha's external ID, which Beta's trust policy does not accept.
    let err = e
        .test_provider(None, assume("alpha-peek", &alpha.id, &beta_role))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.code(), "access_denied", "{text}");
    assert!(
        text.contains("sts:AssumeRole")
            && text.contains(&beta_role)
            && text.contains("external ID"),
        "{text}"
    );
    assert!(!text.contains(PG_PASSWORD));
    // Beta's own settings in Beta work (the same form, Beta's external ID).
    e.test_provider(None, assume("beta-check", &beta.id, &beta_role))
        .await
        .unwrap();
    assert!(files_containing(dir.path(), PG_PASSWORD).is_empty());
}
