//! Rotation awareness against real servers: moto (with its own request recorder, so
//! calls are counted at the server), OpenBao, the local Key Vault and PostgreSQL.
//! Version history across engines (as across processes) and with the cache off; the
//! rotation watch (metadata only, fewest calls, back-off); expiry and rotation-due
//! warnings; test before cutover; the audited reveal; an alias rename that lists what
//! it changes before it changes anything; the call meter.

use latchkey_core::{AuditQuery, FieldInput, FieldValue};
use latchkey_engine::{
    CachePolicy, EngineError, Health, ProviderInput, RefreshOutcome, RefreshScope, RevealRequest,
    RotationState, Trial, WatchPolicy,
};
use latchkey_testkit::keyvault::{
    KeyVaultConfig, KeyVaultServer, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TENANT_ID,
};
use latchkey_testkit::moto::{ACCESS_KEY_ID, MOTO, MotoProcess, put, rotate, seeder, unique};
use latchkey_testkit::openbao::OpenBao;
use latchkey_testkit::target::{
    PG_PASSWORD, files_containing, pg_input, pg_input_as, reference, set_role_password,
};

mod rig;

fn aws(alias: &str, endpoint: &str) -> ProviderInput {
    rig::aws_key(alias, endpoint, ACCESS_KEY_ID, Some("moto-accepts-any"))
}

/// A JSON secret on moto holding the test role's password, a manager "aws", and a
/// PostgreSQL connection `conn` taking the secret's password key.
async fn one_connection(
    ws: &rig::Workspace,
    prefix: &str,
    conn: &str,
) -> (
    String,
    latchkey_engine::ProviderView,
    latchkey_core::ConnectionView,
) {
    let sm = seeder().await;
    let name = unique(prefix);
    put(&sm, &name, &format!(r#"{{"password":"{PG_PASSWORD}"}}"#)).await;
    let p = ws.engine.create_provider(aws("aws", MOTO)).await.unwrap();
    let project = ws.project().await;
    let c = ws
        .engine
        .create_connection(pg_input(
            &project,
            conn,
            reference(&format!("secret://aws/{name}#password")),
        ))
        .await
        .unwrap();
    (name, p, c)
}

fn no_cache() -> CachePolicy {
    CachePolicy {
        ttl_secs: 0,
        stale_if_error: false,
    }
}

/// A version history that lives in the database: a second engine on the same
/// workspace (a new process, for all it knows) reports the rotation with the exact
/// version IDs moto gives, with the cache off too; no value reaches the database.
#[tokio::test]
async fn a_rotation_is_seen_by_another_process_and_with_the_cache_off() {
    let ws = rig::Workspace::new("latchkey-test-rotation-history").await;
    let sm = seeder().await;
    let name = unique("history/db");
    let canary_old = format!("canary-old-{}", unique("v"));
    let canary_new = format!("canary-new-{}", unique("v"));
    put(&sm, &name, &format!(r#"{{"password":"{canary_old}"}}"#)).await;
    let p = ws
        .engine
        .create_provider(aws("aws", MOTO).with_cache(no_cache()))
        .await
        .unwrap();
    let project = ws.project().await;
    ws.engine
        .create_connection(pg_input(
            &project,
            "History",
            reference(&format!("secret://aws/{name}#password")),
        ))
        .await
        .unwrap();
    let first = ws.engine.refresh(RefreshScope::All, false).await.unwrap();
    assert_eq!(first.items[0].outcome, RefreshOutcome::Unchanged);
    let v1 = sm
        .describe_secret()
        .secret_id(&name)
        .send()
        .await
        .unwrap()
        .version_ids_to_stages()
        .unwrap()
        .iter()
        .find(|(_, s)| s.iter().any(|s| s == "AWSCURRENT"))
        .map(|(id, _)| id.clone())
        .unwrap();

    // The rotation happens outside Latchkey, like a rotation Lambda.
    let put_out = sm
        .put_secret_value()
        .secret_id(&name)
        .secret_string(format!(r#"{{"password":"{canary_new}"}}"#))
        .send()
        .await
        .unwrap();
    let v2 = put_out.version_id().unwrap().to_owned();

    // Another engine on the same workspace: no shared memory.
    let other = ws.reopen().await;
    let second = other.refresh(RefreshScope::All, false).await.unwrap();
    let item = &second.items[0];
    assert_eq!(item.outcome, RefreshOutcome::Rotated, "{item:#?}");
    assert!(
        item.detail.contains(&format!("{v1} → {v2}")),
        "{}",
        item.detail
    );
    // And the first engine, cache off, now sees it unchanged (the database says so).
    let third = ws.engine.refresh(RefreshScope::All, false).await.unwrap();
    assert_eq!(third.items[0].outcome, RefreshOutcome::Unchanged);

    let inventory = other.secrets_inventory().await.unwrap();
    let i = &inventory[0];
    assert_eq!(i.state, RotationState::PickedUp);
    assert_eq!(i.previous_version.as_deref(), Some(v1.as_str()));
    assert_eq!(i.version_in_use.as_deref(), Some(v2.as_str()));
    assert_eq!(i.provider_id.as_deref(), Some(p.id.as_str()));
    assert_eq!(i.used_by[0].connection, "History");

    drop(other);
    for canary in [&canary_old, &canary_new] {
        assert!(
            files_containing(ws.dir.path(), canary).is_empty(),
            "a value reached the workspace folder (database, WAL or logs)"
        );
    }
}

/// 50 secrets in use among 2,000: a rotation of 3 marks those 3 connections and only
/// those, in ⌈50/10⌉ = 5 ListSecrets calls counted by moto itself, never a
/// GetSecretValue. moto stopped: the watch backs off and reports; nothing else changes.
#[tokio::test]
async fn the_watch_finds_exactly_the_rotated_secrets_in_the_fewest_calls() {
    let mut moto = MotoProcess::start_recording(5011).await;
    let sm = moto.client().await;
    let ws = rig::Workspace::new("latchkey-test-rotation-watch").await;
    let p = ws
        .engine
        .create_provider(aws("aws", &moto.url))
        .await
        .unwrap();
    let project = ws.project().await;
    for i in 0..2000 {
        put(
            &sm,
            &format!("fleet/app{i:04}"),
            &format!(r#"{{"password":"pw{i}"}}"#),
        )
        .await;
    }
    let mut ids = Vec::new();
    for i in 0..50 {
        let c = ws
            .engine
            .create_connection(pg_input(
                &project,
                &format!("app {i}"),
                reference(&format!("secret://aws/fleet/app{:04}#password", i * 40)),
            ))
            .await
            .unwrap();
        ids.push(c.id);
    }
    ws.engine.refresh(RefreshScope::All, false).await.unwrap();

    for i in [0, 7, 49] {
        rotate(
            &sm,
            &format!("fleet/app{:04}", i * 40),
            r#"{"password":"new"}"#,
        )
        .await;
    }
    moto.reset_recording();
    let report = ws.engine.watch_now(&p.id).await.unwrap();
    let calls = moto.recorded();
    assert_eq!(report.outcome, "ok", "{report:#?}");
    assert_eq!(report.checked, 50);
    assert_eq!(
        calls,
        vec!["secretsmanager.ListSecrets".to_owned(); 5],
        "five name-filtered listings, no value read"
    );
    assert_eq!(report.calls, 5);
    let mut rotated: Vec<&str> = report
        .rotated
        .iter()
        .map(|r| r.reference.as_str())
        .collect();
    rotated.sort_unstable();
    assert_eq!(
        rotated,
        [
            "secret://aws/fleet/app0000",
            "secret://aws/fleet/app0280",
            "secret://aws/fleet/app1960"
        ]
    );
    let health = ws.engine.connection_secrets().await.unwrap();
    let mut marked: Vec<&str> = health
        .iter()
        .filter(|h| h.health == Health::RotatedUpstream)
        .map(|h| h.connection_id.as_str())
        .collect();
    marked.sort_unstable();
    let mut expected = [ids[0].as_str(), ids[7].as_str(), ids[49].as_str()];
    expected.sort_unstable();
    assert_eq!(marked, expected);
    let audit = ws
        .engine
        .list_audit(AuditQuery {
            kind: Some("secret.rotated_upstream".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 3);
    // A second look finds nothing new (the state stays until a refresh).
    let again = ws.engine.watch_now(&p.id).await.unwrap();
    assert!(again.rotated.is_empty());
    let inventory = ws.engine.secrets_inventory().await.unwrap();
    assert_eq!(
        inventory
            .iter()
            .filter(|i| i.state == RotationState::RotatedUpstream)
            .count(),
        3
    );
    // A refresh picks them up.
    let refreshed = ws.engine.refresh(RefreshScope::All, false).await.unwrap();
    assert_eq!(
        refreshed
            .items
            .iter()
            .filter(|i| i.outcome == RefreshOutcome::Rotated)
            .count(),
        3
    );
    assert!(
        ws.engine
            .connection_secrets()
            .await
            .unwrap()
            .iter()
            .all(|h| h.health != Health::RotatedUpstream)
    );

    // moto down: the watch backs off, reports once, and changes nothing else.
    let before = ws.engine.secrets_inventory().await.unwrap();
    moto.stop();
    let down = ws.engine.watch_now(&p.id).await.unwrap();
    assert_eq!(down.outcome, "backing_off", "{down:#?}");
    assert!(down.detail.contains("cannot reach"), "{}", down.detail);
    let wait = |engine: &latchkey_engine::Engine| {
        let engine = engine.clone();
        let id = p.id.clone();
        async move {
            let s = engine
                .watch_status()
                .await
                .unwrap()
                .into_iter()
                .find(|s| s.provider_id == id)
                .unwrap();
            let at = |t: &Option<String>| {
                chrono::DateTime::parse_from_rfc3339(t.as_deref().unwrap()).unwrap()
            };
            (at(&s.next_run_at) - at(&s.last_run_at)).num_seconds()
        }
    };
    let first_wait = wait(&ws.engine).await;
    assert_eq!(first_wait, 600, "one failure: twice the 300 s interval");
    let down2 = ws.engine.watch_now(&p.id).await.unwrap();
    assert_eq!(down2.outcome, "backing_off");
    assert_eq!(
        wait(&ws.engine).await,
        1200,
        "each failure waits twice as long"
    );
    assert!(
        ws.engine
            .watch_due()
            .await
            .unwrap()
            .iter()
            .all(|r| r.provider_id != p.id),
        "a manager backing off is not looked at before its next look"
    );
    let after = ws.engine.secrets_inventory().await.unwrap();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(
            (&b.version_in_use, &b.upstream_version, b.state),
            (&a.version_in_use, &a.upstream_version, a.state)
        );
    }
    let failed = ws
        .engine
        .list_audit(AuditQuery {
            kind: Some("watch.failed".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(failed.len(), 1, "reported once, not every look");
    let stats = ws.engine.provider_stats(&p.id).await.unwrap();
    assert!(
        stats
            .calls
            .iter()
            .any(|c| c.op == "watch" && c.outcome == "failed"),
        "{stats:#?}"
    );
}

/// A call budget smaller than the secrets in use: the look stops at it and says how
/// many wait; the next look starts with those.
#[tokio::test]
async fn the_watch_keeps_to_its_call_budget() {
    let mut moto = MotoProcess::start_recording(5012).await;
    let sm = moto.client().await;
    let ws = rig::Workspace::new("latchkey-test-rotation-budget").await;
    let p = ws
        .engine
        .create_provider(aws("aws", &moto.url).with_watch(WatchPolicy {
            max_calls: 2,
            ..WatchPolicy::default()
        }))
        .await
        .unwrap();
    let project = ws.project().await;
    for i in 0..30 {
        put(&sm, &format!("budget/s{i:02}"), "x").await;
        ws.engine
            .create_connection(pg_input(
                &project,
                &format!("b{i}"),
                reference(&format!("secret://aws/budget/s{i:02}")),
            ))
            .await
            .unwrap();
    }
    moto.reset_recording();
    let first = ws.engine.watch_now(&p.id).await.unwrap();
    assert_eq!(moto.recorded().len(), 2);
    assert_eq!(first.checked, 20, "{first:#?}");
    assert!(
        first.detail.contains("10 wait for the next look"),
        "{}",
        first.detail
    );
    let second = ws.engine.watch_now(&p.id).await.unwrap();
    assert!(second.checked >= 10);
    let unchecked = ws
        .engine
        .secrets_inventory()
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.checked_at.is_none())
        .count();
    assert_eq!(
        unchecked, 0,
        "the second look began with those the first left"
    );
    moto.stop();
}

/// OpenBao KV v2: a new version is a rotation upstream; an expiry date in a custom
/// metadata key the admin names is a warning.
#[tokio::test]
async fn vault_versions_and_an_expiry_in_custom_metadata() {
    let bao = OpenBao::load();
    let ws = rig::Workspace::new("latchkey-test-rotation-vault").await;
    let p = ws
        .engine
        .create_provider(
            rig::vault_token("bao", &bao.addr(), &bao.root_token())
                .set("expiry_metadata_key", "expires_at"),
        )
        .await
        .unwrap();
    let path = unique("watch/app");
    bao.put(&path, &serde_json::json!({"password": PG_PASSWORD}));
    let in_3_days = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    bao.put_metadata(&path, &serde_json::json!({"expires_at": in_3_days}));
    let project = ws.project().await;
    let c = ws
        .engine
        .create_connection(pg_input(
            &project,
            "Bao app",
            reference(&format!("secret://bao/secret/{path}#password")),
        ))
        .await
        .unwrap();
    assert!(ws.engine.test_connection(&c.id, &|_| {}).await.unwrap().ok);
    let quiet = ws.engine.watch_now(&p.id).await.unwrap();
    assert!(quiet.rotated.is_empty(), "{quiet:#?}");
    bao.put(&path, &serde_json::json!({"password": "rotated"}));
    let look = ws.engine.watch_now(&p.id).await.unwrap();
    assert_eq!(look.rotated.len(), 1, "{look:#?}");
    assert_eq!(look.rotated[0].from.as_deref(), Some("1"));
    assert_eq!(look.rotated[0].to.as_deref(), Some("2"));
    let item = &ws.engine.secrets_inventory().await.unwrap()[0];
    assert_eq!(item.state, RotationState::RotatedUpstream);
    let warning = item.warning.as_deref().unwrap_or_default();
    assert!(
        warning.starts_with("expires in 2 days") || warning.starts_with("expires in 3 days"),
        "{warning}"
    );
    assert!(warning.contains(&in_3_days), "{warning}");
    let health = ws.engine.connection_secrets().await.unwrap();
    assert!(health[0].warning.is_some());
}

/// Key Vault: the watch reads version properties (never a value); a secret expiring
/// in 3 days warns with its date; a new version is a rotation upstream. AWS: a
/// rotation schedule's next date warns while rotation is enabled.
#[tokio::test]
async fn expiry_and_rotation_due_warnings_with_their_dates() {
    let kv = KeyVaultServer::start(KeyVaultConfig::new(
        TEST_TENANT_ID,
        TEST_CLIENT_ID,
        TEST_CLIENT_SECRET,
    ))
    .await;
    let ws = rig::Workspace::new("latchkey-test-rotation-expiry").await;
    let akv = ws
        .engine
        .create_provider(rig::azure_secret(
            "kv",
            &kv.url,
            TEST_TENANT_ID,
            TEST_CLIENT_ID,
            TEST_CLIENT_SECRET,
            &kv.authority_host,
            &kv.ca_path().display().to_string(),
        ))
        .await
        .unwrap();
    let expires = chrono::Utc::now() + chrono::Duration::days(3);
    kv.set(
        "billing-db",
        PG_PASSWORD,
        latchkey_testkit::keyvault::SetOptions {
            expires: Some(expires.timestamp()),
            ..Default::default()
        },
    );
    let sm = seeder().await;
    let aws_name = unique("due/db");
    put(&sm, &aws_name, PG_PASSWORD).await;
    sm.rotate_secret()
        .secret_id(&aws_name)
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder()
                .automatically_after_days(2)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let aws_p = ws.engine.create_provider(aws("aws", MOTO)).await.unwrap();
    let project = ws.project().await;
    ws.engine
        .create_connection(pg_input(
            &project,
            "Billing",
            reference("secret://kv/billing-db"),
        ))
        .await
        .unwrap();
    ws.engine
        .create_connection(pg_input(
            &project,
            "Due",
            reference(&format!("secret://aws/{aws_name}")),
        ))
        .await
        .unwrap();
    ws.engine.refresh(RefreshScope::All, false).await.unwrap();
    let before = kv.responses().len();
    ws.engine.watch_now(&akv.id).await.unwrap();
    let value_reads = kv
        .responses()
        .iter()
        .skip(before)
        .filter(|r| r.route == "/secrets/{secret-name}/{secret-version}")
        .count();
    assert_eq!(value_reads, 0, "the watch never reads a value");
    ws.engine.watch_now(&aws_p.id).await.unwrap();

    let inventory = ws.engine.secrets_inventory().await.unwrap();
    let by = |name: &str| inventory.iter().find(|i| i.secret == name).unwrap();
    let billing = by("billing-db");
    let date = expires.format("%Y-%m-%d").to_string();
    let w = billing.warning.as_deref().unwrap_or_default();
    assert!(w.contains("expires in") && w.contains(&date), "{w}");
    let due = by(&aws_name);
    let w = due.warning.as_deref().unwrap_or_default();
    assert!(w.starts_with("rotation due in"), "{w}");
    assert!(due.rotation_enabled);
    // "Expires next" first: the AWS rotation (2 days) before the Key Vault expiry (3).
    assert_eq!(inventory[0].secret, aws_name);
    assert_eq!(inventory[1].secret, "billing-db");

    // A new Key Vault version is a rotation upstream.
    kv.set("billing-db", "rotated", Default::default());
    let look = ws.engine.watch_now(&akv.id).await.unwrap();
    assert_eq!(look.rotated.len(), 1, "{look:#?}");
    // A shorter window: no warning for 3 days ahead.
    ws.engine.set_secret_life(false, 1).await.unwrap();
    let quiet = ws.engine.secrets_inventory().await.unwrap();
    assert!(
        quiet
            .iter()
            .find(|i| i.secret == "billing-db")
            .unwrap()
            .warning
            .is_none()
    );
    assert!(matches!(
        ws.engine.set_secret_life(false, 0).await,
        Err(EngineError::Validation(_))
    ));
}

/// Test before cutover: the pending password (AWSPENDING) is checked against the
/// database while the connection still reads AWSCURRENT; audited; nothing cached.
#[tokio::test]
async fn a_pending_password_is_tested_before_it_is_promoted() {
    let ws = rig::Workspace::new("latchkey-test-rotation-cutover").await;
    let sm = seeder().await;
    let name = unique("cutover/db");
    let old = "cutover-old-pw";
    let new = format!("cutover-new-{}", unique("pw").replace('-', ""));
    set_role_password("latchkey_rotate", old);
    put(&sm, &name, &format!(r#"{{"password":"{old}"}}"#)).await;
    sm.put_secret_value()
        .secret_id(&name)
        .secret_string(format!(r#"{{"password":"{new}"}}"#))
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap();
    ws.engine.create_provider(aws("aws", MOTO)).await.unwrap();
    let project = ws.project().await;
    let c = ws
        .engine
        .create_connection(pg_input_as(
            &project,
            "Cutover",
            "latchkey_rotate",
            reference(&format!("secret://aws/{name}#password")),
        ))
        .await
        .unwrap();
    assert!(ws.engine.test_connection(&c.id, &|_| {}).await.unwrap().ok);

    // The rotation's "set secret" step: the database takes the pending password.
    set_role_password("latchkey_rotate", &new);
    let pending = Trial {
        secret: None,
        version: None,
        stage: Some("AWSPENDING".into()),
    };
    let trial = ws
        .engine
        .test_connection_with(&c.id, Some(pending), &|_| {})
        .await
        .unwrap();
    assert!(trial.ok, "{trial:#?}");
    assert_eq!(
        trial.trial.as_deref(),
        Some(format!("{name} at stage AWSPENDING").as_str())
    );
    assert!(
        trial.steps[0].detail.contains("AWSPENDING"),
        "{}",
        trial.steps[0].detail
    );
    // The connection still reads AWSCURRENT: the old password, now refused.
    let normal = ws.engine.test_connection(&c.id, &|_| {}).await.unwrap();
    assert!(!normal.ok);
    let audit = ws
        .engine
        .list_audit(AuditQuery {
            kind: Some("connection.tested".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        audit.iter().any(|a| a.detail.starts_with(&format!(
            "before cutover, with {name} at stage AWSPENDING: all 4 steps passed"
        ))),
        "{audit:#?}"
    );
    // The last test kept is the normal one.
    let health = ws.engine.connection_secrets().await.unwrap();
    assert_eq!(health[0].health, Health::Failed);
    // Bad trials name their field.
    let both = Trial {
        secret: None,
        version: Some("x".into()),
        stage: Some("y".into()),
    };
    assert_eq!(
        rig::fields(
            ws.engine
                .test_connection_with(&c.id, Some(both), &|_| {})
                .await
                .unwrap_err()
        ),
        ["version"]
    );
    let elsewhere = Trial {
        secret: Some("not/used".into()),
        version: None,
        stage: Some("AWSPENDING".into()),
    };
    assert_eq!(
        rig::fields(
            ws.engine
                .test_connection_with(&c.id, Some(elsewhere), &|_| {})
                .await
                .unwrap_err()
        ),
        ["secret"]
    );
    set_role_password("latchkey_rotate", "rotate-initial");
}

/// Reveal: refused while off (audited as denied); once on, the value comes back once,
/// the audit row names the secret and the OS user but not the value, and the value is
/// nowhere in the workspace folder (database, WAL, logs) afterwards.
#[tokio::test]
async fn reveal_is_off_until_turned_on_and_audited_without_the_value() {
    let ws = rig::Workspace::new("latchkey-test-rotation-reveal").await;
    let sm = seeder().await;
    let name = unique("reveal/db");
    let canary = format!("reveal-canary-{}", unique("c"));
    put(
        &sm,
        &name,
        &format!(r#"{{"password":"{canary}","user":"app"}}"#),
    )
    .await;
    let p = ws.engine.create_provider(aws("aws", MOTO)).await.unwrap();
    let ask = |purpose: &str| RevealRequest {
        provider_id: p.id.clone(),
        secret: name.clone(),
        version: None,
        json_key: Some("password".into()),
        purpose: purpose.into(),
    };
    let off = ws.engine.reveal_secret(ask("reveal")).await.unwrap_err();
    assert!(matches!(off, EngineError::Forbidden(_)), "{off:?}");
    ws.engine.set_secret_life(true, 14).await.unwrap();
    let shown = ws.engine.reveal_secret(ask("reveal")).await.unwrap();
    assert_eq!(shown.value, canary);
    assert_eq!(shown.hide_after_secs, 30);
    assert!(!format!("{shown:?}").contains(&canary), "Debug redacts");
    ws.engine.reveal_secret(ask("copy")).await.unwrap();
    assert!(matches!(
        ws.engine.reveal_secret(ask("print")).await,
        Err(EngineError::Validation(_))
    ));
    let audit = ws
        .engine
        .list_audit(AuditQuery {
            kind: Some("secret.revealed".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let details: Vec<(&str, &str)> = audit
        .iter()
        .map(|a| (a.outcome.as_str(), a.detail.as_str()))
        .collect();
    assert_eq!(details.len(), 3, "{details:?}");
    assert!(
        details
            .iter()
            .any(|(o, d)| *o == "denied" && d.contains("reveal is off"))
    );
    assert!(
        details
            .iter()
            .any(|(o, d)| *o == "ok" && d.starts_with("revealed on screen"))
    );
    assert!(
        details
            .iter()
            .any(|(o, d)| *o == "ok" && d.starts_with("copied to the clipboard"))
    );
    assert!(audit.iter().all(|a| !a.actor.is_empty()));
    drop(ws.engine);
    assert!(
        files_containing(ws.dir.path(), &canary).is_empty(),
        "the revealed value reached the workspace folder"
    );
}

/// Renaming a manager that connections reference lists what would change and changes
/// nothing; confirmed, the references follow the new alias and still work.
#[tokio::test]
async fn an_alias_rename_lists_what_it_changes_before_changing_it() {
    let ws = rig::Workspace::new("latchkey-test-rotation-rename").await;
    let (_, p, c) = one_connection(&ws, "rename/db", "Renamed").await;
    let input = || {
        let mut input = aws("aws-prod", MOTO);
        input
            .fields
            .insert("secret_access_key".into(), FieldInput::KeepLiteral);
        input
    };
    let refused = ws.engine.update_provider(&p.id, input()).await.unwrap_err();
    match &refused {
        EngineError::Confirm(m) => {
            assert!(m.contains("Renamed (password)"), "{m}");
            assert!(m.contains("1 reference"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ws.engine.get_provider(&p.id).await.unwrap().alias, "aws");
    let unchanged = ws.engine.store().connections().get(&c.id).await.unwrap();
    assert!(
        matches!(&unchanged.fields["password"], FieldValue::Secret { reference } if reference.provider == "aws")
    );

    let renamed = ws
        .engine
        .update_provider(&p.id, input().confirming_rename())
        .await
        .unwrap();
    assert_eq!(renamed.alias, "aws-prod");
    let moved = ws.engine.store().connections().get(&c.id).await.unwrap();
    assert!(
        matches!(&moved.fields["password"], FieldValue::Secret { reference } if reference.provider == "aws-prod")
    );
    assert!(ws.engine.test_connection(&c.id, &|_| {}).await.unwrap().ok);
    // Deleting it is refused while it is used, naming the connection.
    match ws.engine.delete_provider(&p.id).await.unwrap_err() {
        EngineError::InUse(m) => assert!(m.contains("Renamed"), "{m}"),
        other => panic!("{other:?}"),
    }
}

/// The call meter: value reads and cache hits, per hour and day, with the ratio;
/// the picker's "used by" names the connection field.
#[tokio::test]
async fn the_call_meter_counts_reads_and_cache_hits() {
    let ws = rig::Workspace::new("latchkey-test-rotation-meter").await;
    let (name, p, c) = one_connection(&ws, "meter/db", "Metered").await;
    for _ in 0..3 {
        ws.engine.test_connection(&c.id, &|_| {}).await.unwrap();
    }
    let stats = ws.engine.provider_stats(&p.id).await.unwrap();
    let reads: u32 = stats
        .calls
        .iter()
        .filter(|c| c.op == "read")
        .map(|c| c.last_hour)
        .sum();
    assert_eq!(reads, 1, "{stats:#?}");
    assert_eq!(stats.cache_hits_hour, 2);
    assert_eq!(stats.hit_ratio_day.map(|r| (r * 100.0).round()), Some(67.0));
    assert_eq!(stats.watch.policy, WatchPolicy::default());
    let used = ws.engine.secret_used_by(&p.id, &name).await.unwrap();
    assert_eq!(used.len(), 1);
    assert_eq!(
        (used[0].connection.as_str(), used[0].field.as_str()),
        ("Metered", "password")
    );
    assert_eq!(used[0].json_key.as_deref(), Some("password"));
    // Out-of-range watch settings are refused, naming the field.
    let bad = aws("aws2", MOTO).with_watch(WatchPolicy {
        interval_secs: 3,
        ..WatchPolicy::default()
    });
    assert_eq!(
        rig::fields(ws.engine.create_provider(bad).await.unwrap_err()),
        ["watch_interval"]
    );
}

/// A manager that throttles every request: the look stops at the first throttle (no
/// call storm), backs off, counts the throttles in the meter; hostile calls get clear
/// errors.
#[tokio::test]
async fn a_throttling_manager_makes_the_watch_back_off() {
    let server = latchkey_testkit::throttle::ThrottlingServer::start(usize::MAX).await;
    let ws = rig::Workspace::new("latchkey-test-rotation-throttle").await;
    let p = ws
        .engine
        .create_provider(aws("slow", &server.url))
        .await
        .unwrap();
    let project = ws.project().await;
    for i in 0..25 {
        ws.engine
            .create_connection(pg_input(
                &project,
                &format!("t{i}"),
                reference(&format!("secret://slow/throttled/s{i}")),
            ))
            .await
            .unwrap();
    }
    let look = ws.engine.watch_now(&p.id).await.unwrap();
    assert_eq!(look.outcome, "backing_off", "{look:#?}");
    assert!(look.detail.contains("throttling"), "{}", look.detail);
    assert_eq!(look.calls, 1, "one listing refused: the look stops there");
    let attempts = server.received();
    assert!(
        (1..=5).contains(&attempts),
        "the SDK's bounded retries only: {attempts}"
    );
    assert!(
        ws.engine.watch_due().await.unwrap().is_empty(),
        "backing off: not looked at again at the next tick"
    );
    let stats = ws.engine.provider_stats(&p.id).await.unwrap();
    assert!(
        stats
            .calls
            .iter()
            .any(|c| c.op == "watch" && c.outcome == "throttled" && c.last_hour == 1),
        "{stats:#?}"
    );
    // Hostile or stale input to the new surfaces: clear errors, nothing done.
    assert!(matches!(
        ws.engine.watch_now("no-such-manager").await,
        Err(EngineError::NotFound(_))
    ));
    assert!(matches!(
        ws.engine
            .reveal_secret(RevealRequest {
                provider_id: "no-such-manager".into(),
                secret: "x".into(),
                version: None,
                json_key: None,
                purpose: "reveal".into(),
            })
            .await,
        Err(EngineError::NotFound(_))
    ));
    assert!(
        ws.engine
            .secret_used_by("no-such-manager", "x")
            .await
            .unwrap()
            .is_empty()
    );
}

/// What the app's background loop runs: a manager is looked at when its interval has
/// passed since its last look (a changed interval applies at once), never when off.
#[tokio::test]
async fn the_background_watch_looks_when_a_managers_interval_has_passed() {
    let ws = rig::Workspace::new("latchkey-test-rotation-due").await;
    let sm = seeder().await;
    let name = unique("due-loop/db");
    put(&sm, &name, "x").await;
    let on = ws.engine.create_provider(aws("on", MOTO)).await.unwrap();
    ws.engine
        .create_provider(aws("off", MOTO).with_watch(WatchPolicy {
            interval_secs: 0,
            ..WatchPolicy::default()
        }))
        .await
        .unwrap();
    let project = ws.project().await;
    for alias in ["on", "off"] {
        ws.engine
            .create_connection(pg_input(
                &project,
                alias,
                reference(&format!("secret://{alias}/{name}")),
            ))
            .await
            .unwrap();
    }
    let idle = ws.engine.create_provider(aws("idle", MOTO)).await.unwrap();
    let first = ws.engine.watch_due().await.unwrap();
    assert_eq!(
        first
            .iter()
            .map(|r| r.provider.as_str())
            .collect::<Vec<_>>(),
        ["idle", "on"],
        "never looked at: due; off: never"
    );
    let nothing = first.iter().find(|r| r.provider_id == idle.id).unwrap();
    assert_eq!(nothing.outcome, "idle", "{nothing:#?}");
    assert_eq!(nothing.calls, 0);
    assert!(
        ws.engine.watch_due().await.unwrap().is_empty(),
        "5 minutes have not passed"
    );
    // Shortened to 10 s: due 10 s after the last look, not at the old next look.
    let mut input = aws("on", MOTO).with_watch(WatchPolicy {
        interval_secs: 10,
        ..WatchPolicy::default()
    });
    input
        .fields
        .insert("secret_access_key".into(), FieldInput::KeepLiteral);
    ws.engine.update_provider(&on.id, input).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    let later = ws.engine.watch_due().await.unwrap();
    assert_eq!(later.len(), 1);
    let status = ws.engine.watch_status().await.unwrap();
    assert!(
        status
            .iter()
            .any(|s| s.provider_id == on.id && s.outcome.as_deref() == Some("ok"))
    );
}

/// A manager set to "refresh and re-test": the look that finds a rotation refreshes the
/// connections that use it (only those) and tests them; the new version is then in use.
#[tokio::test]
async fn a_rotation_found_by_the_watch_is_refreshed_and_retested_when_asked() {
    let ws = rig::Workspace::new("latchkey-test-rotation-autorefresh").await;
    let sm = seeder().await;
    let value = format!(r#"{{"password":"{PG_PASSWORD}"}}"#);
    let (used, other) = (unique("auto/db"), unique("auto/other"));
    put(&sm, &used, &value).await;
    put(&sm, &other, &value).await;
    let p = ws
        .engine
        .create_provider(aws("aws", MOTO).with_watch(WatchPolicy {
            refresh_and_test: true,
            ..WatchPolicy::default()
        }))
        .await
        .unwrap();
    let project = ws.project().await;
    let mut ids = Vec::new();
    for (conn, name) in [("Auto", &used), ("Untouched", &other)] {
        let c = ws
            .engine
            .create_connection(pg_input(
                &project,
                conn,
                reference(&format!("secret://aws/{name}#password")),
            ))
            .await
            .unwrap();
        assert!(ws.engine.test_connection(&c.id, &|_| {}).await.unwrap().ok);
        ids.push(c.id);
    }
    rotate(&sm, &used, &value).await;
    let look = ws.engine.watch_now(&p.id).await.unwrap();
    assert_eq!(look.rotated.len(), 1, "{look:#?}");
    let refreshed = look.refreshed.expect("refreshed and re-tested");
    assert_eq!(refreshed.items.len(), 1, "only the connection that uses it");
    let item = &refreshed.items[0];
    assert_eq!(item.connection, "Auto");
    assert_eq!(item.outcome, RefreshOutcome::Rotated);
    assert!(item.test.as_ref().is_some_and(|t| t.ok), "{item:#?}");
    let inventory = ws.engine.secrets_inventory().await.unwrap();
    let auto = inventory.iter().find(|i| i.secret == used).unwrap();
    assert_eq!(auto.state, RotationState::PickedUp);
    let health = ws.engine.connection_secrets().await.unwrap();
    assert!(health.iter().all(|h| h.health == Health::Ok), "{health:#?}");
}
