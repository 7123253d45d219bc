//! The secret cache and Refresh through the engine, against moto (AWS Secrets Manager)
//! and PostgreSQL 15 (scripts/services.sh): single-flight, rotation (the role's
//! password really changes), stale-if-error with moto really stopped.

use std::sync::Arc;

use latchkey_engine::{Engine, ProviderInput, RefreshOutcome, RefreshScope, StepOutcome};
use latchkey_keychain::OsKeychain;
use latchkey_testkit::moto::{ACCESS_KEY_ID, MOTO, MotoProcess, put, rotate, seeder, unique};
use latchkey_testkit::target::{PG_PASSWORD, pg_input, pg_input_as, reference, set_role_password};

mod rig;

fn aws(alias: &str, endpoint: &str) -> ProviderInput {
    rig::aws_key(alias, endpoint, ACCESS_KEY_ID, Some("moto-accepts-any"))
}

async fn engine(dir: &std::path::Path) -> Engine {
    let kc = Arc::new(OsKeychain::new(unique("latchkey-test-refresh")));
    Engine::open(dir, kc).await.unwrap()
}

async fn project(e: &Engine) -> String {
    e.list_projects().await.unwrap()[0].project.id.clone()
}

#[tokio::test]
async fn refresh_all_fetches_each_shared_secret_once() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let p = e.create_provider(aws("aws", MOTO)).await.unwrap();
    let project = project(&e).await;
    let sm = seeder().await;
    let root = unique("shared");
    for i in 0..50 {
        put(
            &sm,
            &format!("{root}/db{i}"),
            &format!(r#"{{"password":"pw-{i}"}}"#),
        )
        .await;
    }
    for i in 0..500 {
        e.create_connection(pg_input(
            &project,
            &format!("conn {i}"),
            reference(&format!("secret://aws/{root}/db{}#password", i % 50)),
        ))
        .await
        .unwrap();
    }
    let before = e.provider_requests(&p.id).await.unwrap();
    let report = e.refresh(RefreshScope::All, false).await.unwrap();
    let calls = e.provider_requests(&p.id).await.unwrap() - before;
    assert_eq!(report.items.len(), 500);
    assert_eq!(report.secrets_fetched, 50);
    assert_eq!(
        calls, 50,
        "one GetSecretValue per distinct secret, not per connection"
    );
    assert!(
        report
            .items
            .iter()
            .all(|i| i.outcome == RefreshOutcome::Unchanged)
    );

    // Everything is cached now: a second look at the secrets costs no call.
    let entries = e.cache_entries().await.unwrap();
    assert_eq!(entries.len(), 50);
    assert!(
        entries
            .iter()
            .all(|x| x.ttl_secs == 3600 && x.stale.is_none())
    );
    let status = e.connection_secrets().await.unwrap();
    assert_eq!(status.len(), 500);
    assert!(
        status
            .iter()
            .all(|s| s.fetched_at.is_some() && s.stale.is_none())
    );
    assert_eq!(e.clear_cache(None).await.unwrap(), 50);
    assert!(e.cache_entries().await.unwrap().is_empty());
}

#[tokio::test]
async fn concurrent_tests_of_connections_sharing_a_secret_make_one_call() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let p = e.create_provider(aws("aws", MOTO)).await.unwrap();
    let project = project(&e).await;
    let name = unique("flight/db");
    put(
        &seeder().await,
        &name,
        &format!(r#"{{"password":"{PG_PASSWORD}"}}"#),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let c = e
            .create_connection(pg_input(
                &project,
                &format!("c{i}"),
                reference(&format!("secret://aws/{name}#password")),
            ))
            .await
            .unwrap();
        ids.push(c.id);
    }
    let before = e.provider_requests(&p.id).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids {
        let e = e.clone();
        tasks.spawn(async move { e.test_connection(&id, &|_| {}).await.unwrap() });
    }
    while let Some(r) = tasks.join_next().await {
        let report = r.unwrap();
        assert!(report.ok, "{report:#?}");
    }
    assert_eq!(e.provider_requests(&p.id).await.unwrap() - before, 1);
}

#[tokio::test]
async fn a_rotation_is_reported_with_both_versions_and_the_next_test_uses_the_new_password() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    e.create_provider(aws("aws", MOTO)).await.unwrap();
    let project = project(&e).await;
    let sm = seeder().await;
    let name = unique("rotation/db");
    let first = unique("pw-first");
    set_role_password("latchkey_rotate", &first);
    put(&sm, &name, &format!(r#"{{"password":"{first}"}}"#)).await;
    let c = e
        .create_connection(pg_input_as(
            &project,
            "Rotating",
            "latchkey_rotate",
            reference(&format!("secret://aws/{name}#password")),
        ))
        .await
        .unwrap();
    assert!(e.test_connection(&c.id, &|_| {}).await.unwrap().ok);
    let old_version = e.cache_entries().await.unwrap()[0]
        .version_id
        .clone()
        .unwrap();

    // The rotation: a new value in AWS and on the server.
    let second = unique("pw-second");
    rotate(&sm, &name, &format!(r#"{{"password":"{second}"}}"#)).await;
    set_role_password("latchkey_rotate", &second);

    // The cache still holds the old password: the test says so at step 1 and fails at 3.
    let cached = e.test_connection(&c.id, &|_| {}).await.unwrap();
    assert!(cached.steps[0].detail.contains("from cache"), "{cached:#?}");
    assert_eq!(cached.steps[2].outcome, StepOutcome::Failed);

    let report = e
        .refresh(RefreshScope::Connection(c.id.clone()), true)
        .await
        .unwrap();
    let item = &report.items[0];
    assert_eq!(item.outcome, RefreshOutcome::Rotated, "{item:#?}");
    let new_version = e.cache_entries().await.unwrap()[0]
        .version_id
        .clone()
        .unwrap();
    assert_ne!(old_version, new_version);
    assert!(
        item.detail
            .contains(&format!("{old_version} → {new_version}")),
        "{}",
        item.detail
    );
    let test = item.test.as_ref().expect("refresh and test");
    assert!(test.ok, "{test:#?}");
    let status = e.connection_secrets().await.unwrap();
    assert!(status[0].rotated_at.is_some());

    // The audit log has the refresh and the reads, never a value.
    let events = e.list_audit(Default::default()).await.unwrap();
    assert!(events.iter().any(|ev| ev.kind == "cache.refreshed"));
    let all = format!("{events:?}");
    assert!(!all.contains(&first) && !all.contains(&second));
}

#[tokio::test]
async fn when_the_manager_is_down_the_last_value_serves_marked_stale() {
    let mut moto = MotoProcess::start(5003).await;
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let p = e.create_provider(aws("aws", &moto.url)).await.unwrap();
    let project = project(&e).await;
    let value = format!(r#"{{"password":"{PG_PASSWORD}"}}"#);
    put(&moto.client().await, "stale/db", &value).await;
    let c = e
        .create_connection(pg_input(
            &project,
            "Stale",
            reference("secret://aws/stale/db#password"),
        ))
        .await
        .unwrap();
    assert!(e.test_connection(&c.id, &|_| {}).await.unwrap().ok);

    moto.stop();
    let report = e
        .refresh(RefreshScope::Provider(p.id.clone()), false)
        .await
        .unwrap();
    let item = &report.items[0];
    assert_eq!(item.outcome, RefreshOutcome::Failed, "{item:#?}");
    assert!(item.stale, "the last value keeps serving");
    assert!(item.detail.contains("cannot reach"), "{}", item.detail);
    let status = e.connection_secrets().await.unwrap();
    assert!(status[0].stale.is_some(), "{status:?}");
    let test = e.test_connection(&c.id, &|_| {}).await.unwrap();
    assert!(test.ok, "{test:#?}");
    assert!(
        test.steps[0].detail.contains("STALE"),
        "{}",
        test.steps[0].detail
    );

    moto.restart().await;
    put(&moto.client().await, "stale/db", &value).await;
    let report = e.refresh(RefreshScope::All, false).await.unwrap();
    assert_ne!(
        report.items[0].outcome,
        RefreshOutcome::Failed,
        "{report:#?}"
    );
    assert!(!report.items[0].stale);
    assert!(e.connection_secrets().await.unwrap()[0].stale.is_none());
}
