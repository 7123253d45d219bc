//! Secrets managers and "Test connection" end to end through the engine: AWS Secrets
//! Manager on moto (127.0.0.1:5000), PostgreSQL 15 (127.0.0.1:5432, role
//! `latchkey_test` / `latchkey-test-pw`, started by scripts/services.sh), the real OS
//! keychain, a real SQLite file.

use std::sync::{Arc, Mutex};

use latchkey_core::{FieldInput, FieldView, SecretValue};
use latchkey_engine::{
    AuditQuery, Engine, EngineError, ProviderInput, StepOutcome, StepReport, TestReport,
};
use latchkey_keychain::OsKeychain;
use latchkey_testkit::moto::{ACCESS_KEY_ID, MOTO, put, rotate, seeder, unique};
use latchkey_testkit::target::{PG_PASSWORD, files_containing, pg_input, reference};

mod rig;

fn aws_form(alias: &str, secret_key: Option<&str>) -> ProviderInput {
    rig::aws_key(alias, MOTO, ACCESS_KEY_ID, secret_key)
}

struct World {
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
    engine: Engine,
    project: String,
    alias: String,
    sm: aws_sdk_secretsmanager::Client,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let kc = Arc::new(OsKeychain::new(unique("latchkey-test-aws")));
    let engine = Engine::open(dir.path(), kc).await.unwrap();
    let alias = unique("aws").replace('-', "_");
    engine
        .create_provider(aws_form(&alias, Some("canary-aws-secret-key")))
        .await
        .unwrap();
    let project = engine.list_projects().await.unwrap()[0].project.id.clone();
    World {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        engine,
        project,
        alias,
        sm: seeder().await,
    }
}

async fn run_test(engine: &Engine, id: &str) -> (TestReport, Vec<StepReport>) {
    let seen = Mutex::new(Vec::new());
    let report = engine
        .test_connection(id, &|s: &StepReport| seen.lock().unwrap().push(s.clone()))
        .await
        .unwrap();
    (report, seen.into_inner().unwrap())
}

#[tokio::test]
async fn a_password_from_aws_passes_all_four_steps_and_leaves_no_trace() {
    let w = world().await;
    let name = unique("prod/billing/db");
    put(&w.sm, &name, &format!(r#"{{"username":"latchkey_test","password":"{PG_PASSWORD}","canary":"canary-json-sibling"}}"#)).await;
    let c = w
        .engine
        .create_connection(pg_input(
            &w.project,
            "Billing",
            reference(&format!("secret://{}/{name}#password", w.alias)),
        ))
        .await
        .unwrap();
    let (report, streamed) = run_test(&w.engine, &c.id).await;
    assert!(report.ok, "{report:#?}");
    assert_eq!(
        streamed, report.steps,
        "every step was streamed as it finished"
    );
    let outcomes: Vec<_> = report.steps.iter().map(|s| (s.step, s.outcome)).collect();
    assert_eq!(
        outcomes,
        [
            (1, StepOutcome::Ok),
            (2, StepOutcome::Ok),
            (3, StepOutcome::Ok),
            (4, StepOutcome::Ok)
        ]
    );
    assert!(
        report.steps[0].detail.contains(&name),
        "{}",
        report.steps[0].detail
    );
    assert!(
        report.steps[3]
            .detail
            .contains("current_user = latchkey_test"),
        "{}",
        report.steps[3].detail
    );
    assert!(report.steps[3].detail.contains("PostgreSQL 15"));

    // The picker's calls: listing, metadata and key names (never values).
    let page = w
        .engine
        .list_secrets(&provider_id(&w).await, Some(name.clone()), None)
        .await
        .unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        [name.as_str()]
    );
    let info = w
        .engine
        .describe_secret(&provider_id(&w).await, &name)
        .await
        .unwrap();
    assert_eq!(info.versions.len(), 1);
    assert!(info.versions[0].stages.contains(&"AWSCURRENT".to_owned()));
    let keys = w
        .engine
        .secret_json_keys(&provider_id(&w).await, &name, None)
        .await
        .unwrap();
    assert_eq!(keys, ["canary", "password", "username"]);

    // Canaries: nothing in the data dir (SQLite, WAL, logs), nothing in any reply.
    let replies = serde_json::json!({
        "report": report,
        "providers": w.engine.list_providers().await.unwrap(),
        "connections": w.engine.list_connections(None).await.unwrap(),
        "audit": w.engine.list_audit(AuditQuery::default()).await.unwrap(),
        "page": page,
        "info": info,
    })
    .to_string();
    for canary in [PG_PASSWORD, "canary-json-sibling", "canary-aws-secret-key"] {
        assert!(!replies.contains(canary), "{canary} reached a reply");
        assert_eq!(
            files_containing(&w.dir, canary),
            Vec::<String>::new(),
            "{canary} reached the disk"
        );
    }
    let audit = w
        .engine
        .list_audit(AuditQuery {
            kind: Some("secret.read".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        audit.iter().any(|e| e.target.contains(&name)),
        "secret reads are audited"
    );
}

async fn provider_id(w: &World) -> String {
    w.engine
        .list_providers()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.alias == w.alias)
        .unwrap()
        .id
}

#[tokio::test]
async fn each_failure_names_its_step() {
    let w = world().await;
    let wrong = unique("wrong/db");
    put(&w.sm, &wrong, r#"{"password":"canary-not-the-password"}"#).await;

    // Wrong password in the secret: step 3 with PostgreSQL's reason.
    let c = w
        .engine
        .create_connection(pg_input(
            &w.project,
            "Wrong",
            reference(&format!("secret://{}/{wrong}#password", w.alias)),
        ))
        .await
        .unwrap();
    let (r, _) = run_test(&w.engine, &c.id).await;
    assert!(!r.ok);
    assert_eq!(r.steps[2].outcome, StepOutcome::Failed, "{r:#?}");
    assert_eq!(r.steps[2].code.map(|c| c.as_str()), Some("bad_credentials"));
    assert!(
        r.steps[2]
            .cause
            .as_deref()
            .unwrap()
            .contains("password authentication failed")
    );
    assert_eq!(r.steps[3].outcome, StepOutcome::Skipped);
    assert!(
        !serde_json::to_string(&r)
            .unwrap()
            .contains("canary-not-the-password")
    );

    // Missing secret: step 1, naming it.
    let c = w
        .engine
        .create_connection(pg_input(
            &w.project,
            "Missing",
            reference(&format!("secret://{}/no/such/secret", w.alias)),
        ))
        .await
        .unwrap();
    let (r, _) = run_test(&w.engine, &c.id).await;
    assert_eq!(r.steps[0].outcome, StepOutcome::Failed);
    assert_eq!(
        r.steps[0].code.map(|c| c.as_str()),
        Some("secret_not_found")
    );
    assert!(
        r.steps[0]
            .cause
            .as_deref()
            .unwrap()
            .contains("no/such/secret")
    );
    assert!(
        r.steps[1..]
            .iter()
            .all(|s| s.outcome == StepOutcome::Skipped)
    );

    // Wrong JSON key: step 2, listing the keys that exist.
    let c = w
        .engine
        .create_connection(pg_input(
            &w.project,
            "Key",
            reference(&format!("secret://{}/{wrong}#pasword", w.alias)),
        ))
        .await
        .unwrap();
    let (r, _) = run_test(&w.engine, &c.id).await;
    assert_eq!(r.steps[1].outcome, StepOutcome::Failed, "{r:#?}");
    assert_eq!(
        r.steps[1].code.map(|c| c.as_str()),
        Some("json_key_missing")
    );
    assert!(
        r.steps[1]
            .cause
            .as_deref()
            .unwrap()
            .contains("its keys are: password")
    );

    // An unknown provider alias is refused when saved, naming the field…
    let e = w
        .engine
        .create_connection(pg_input(
            &w.project,
            "Alias",
            reference("secret://nobody/x#password"),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, latchkey_engine::EngineError::Validation(f) if f[0].field == "password" && f[0].message.contains("\"nobody\"")),
        "{e:?}"
    );
    // …and one that names no manager any more (as after a mode switch) fails step 1.
    let mut stored = w.engine.store().connections().get(&c.id).await.unwrap();
    stored.name = "Alias".into();
    stored.id = String::new();
    stored.fields.insert(
        "password".into(),
        latchkey_core::FieldValue::Secret {
            reference: latchkey_core::SecretRef::parse("secret://nobody/x#password").unwrap(),
        },
    );
    let c = w
        .engine
        .store()
        .connections()
        .create(&stored)
        .await
        .unwrap();
    let (r, _) = run_test(&w.engine, &c.id).await;
    assert_eq!(r.steps[0].code.map(|c| c.as_str()), Some("not_found"));
    assert!(r.steps[0].cause.as_deref().unwrap().contains("\"nobody\""));
}

#[tokio::test]
async fn a_pinned_awsprevious_reads_the_old_value_after_rotation() {
    let w = world().await;
    let name = unique("rotating/db");
    put(&w.sm, &name, &format!(r#"{{"password":"{PG_PASSWORD}"}}"#)).await;
    rotate(&w.sm, &name, r#"{"password":"rotated-but-not-applied"}"#).await;

    let pinned = w
        .engine
        .create_connection(pg_input(
            &w.project,
            "Pinned",
            reference(&format!(
                "secret://{}/{name}?stage=AWSPREVIOUS#password",
                w.alias
            )),
        ))
        .await
        .unwrap();
    assert!(run_test(&w.engine, &pinned.id).await.0.ok);
    let current = w
        .engine
        .create_connection(pg_input(
            &w.project,
            "Current",
            reference(&format!("secret://{}/{name}#password", w.alias)),
        ))
        .await
        .unwrap();
    let (r, _) = run_test(&w.engine, &current.id).await;
    assert_eq!(
        r.steps[2].code.map(|c| c.as_str()),
        Some("bad_credentials"),
        "AWSCURRENT has the new, wrong value"
    );
}

#[tokio::test]
async fn a_literal_password_resolves_the_same_way() {
    let w = world().await;
    let c = w
        .engine
        .create_connection(pg_input(
            &w.project,
            "Literal",
            FieldInput::Literal {
                value: SecretValue::from(PG_PASSWORD.to_owned()),
            },
        ))
        .await
        .unwrap();
    let (r, _) = run_test(&w.engine, &c.id).await;
    assert!(r.ok, "{r:#?}");
    assert!(r.steps[0].detail.contains("OS keychain"));
}

fn fields(e: EngineError) -> Vec<String> {
    match e {
        EngineError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected validation, got {other:?}"),
    }
}

#[tokio::test]
async fn provider_setup_checks_and_tests() {
    let w = world().await;
    let bad = aws_form("x y", Some("k"))
        .set("region", "eu-wset-1")
        .set("endpoint_url", "ftp://x");
    assert_eq!(
        fields(w.engine.create_provider(bad).await.unwrap_err()),
        ["alias", "region", "endpoint_url"]
    );
    assert_eq!(
        fields(
            w.engine
                .create_provider(aws_form("nokey", None))
                .await
                .unwrap_err()
        ),
        ["secret_access_key"]
    );
    assert_eq!(
        fields(
            w.engine
                .create_provider(aws_form(&w.alias, Some("k")))
                .await
                .unwrap_err()
        ),
        ["alias"]
    );
    let role = aws_form("role", None)
        .set("auth", "assume_role")
        .unset("access_key_id")
        .set("role_arn", "arn:aws:iam::123:role/x");
    assert_eq!(
        fields(w.engine.create_provider(role).await.unwrap_err()),
        ["role_arn"]
    );

    let check = w
        .engine
        .test_provider(None, aws_form("probe", Some("k")))
        .await
        .unwrap();
    assert!(check.identity.starts_with("arn:aws:"), "{check:?}");
    assert!(check.can_list);
    let stored = w.engine.list_providers().await.unwrap();
    let p = stored.iter().find(|p| p.alias == w.alias).unwrap();
    assert_eq!(p.fields.get("secret_access_key"), Some(&FieldView::Literal));
    let keep = aws_form(&w.alias, None).keep("secret_access_key");
    assert!(
        w.engine
            .test_provider(Some(&p.id), keep)
            .await
            .unwrap()
            .can_list
    );

    // A manager in use cannot be deleted.
    w.engine
        .create_connection(pg_input(
            &w.project,
            "Uses",
            reference(&format!("secret://{}/x#password", w.alias)),
        ))
        .await
        .unwrap();
    let e = w.engine.delete_provider(&p.id).await.unwrap_err();
    assert_eq!(e.code(), "in_use");
    assert!(e.to_string().contains("Uses"));
}
