//! The rotation watch against a value-polling watch, and the inventory's opening time.
//!
//! 50 secrets referenced among 10,000 in a fresh moto (its own request recorder
//! counts the calls at the server): one look of Latchkey's watch (metadata only) next
//! to one cycle of a value-polling watch (one `GetSecretValue` per secret, as n8n and
//! External Secrets poll), then the inventory of 500 connections.
//! Run: `bash scripts/bench.sh watch` (figures printed; nothing asserts a duration).

use std::sync::Arc;
use std::time::Instant;

use latchkey_engine::{CachePolicy, Engine, RefreshScope};
use latchkey_keychain::MemoryKeychain;
use latchkey_testkit::moto::{ACCESS_KEY_ID, MotoProcess};
use latchkey_testkit::target::{pg_input, reference};

const TOTAL: usize = 10_000;
const IN_USE: usize = 50;
const CONNECTIONS: usize = 500;
const RUNS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let moto = MotoProcess::start_recording(5014).await;
    let sm = moto.client().await;
    println!("seeding {TOTAL} secrets in moto…");
    let mut tasks = tokio::task::JoinSet::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(8));
    for i in 0..TOTAL {
        let (sm, gate) = (sm.clone(), gate.clone());
        tasks.spawn(async move {
            let _p = gate.acquire_owned().await;
            // moto's recorder occasionally answers 500 under concurrent writes: retry.
            for attempt in 0.. {
                let done = sm
                    .create_secret()
                    .name(format!("bench/s{i:05}"))
                    .secret_string(r#"{"password":"x"}"#)
                    .send()
                    .await;
                match done {
                    Ok(_) => break,
                    Err(e) if attempt >= 5 => panic!("seeding bench/s{i:05}: {e:?}"),
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let t = Instant::now();
    let mut listed = 0;
    let mut token = None;
    loop {
        let page = sm
            .list_secrets()
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        listed += page.secret_list().len();
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(listed, TOTAL, "moto holds every seeded secret");
    println!(
        "seeded; listing all {TOTAL} takes {:.1} s (100 ListSecrets pages)",
        t.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Arc::new(MemoryKeychain::default()))
        .await
        .unwrap();
    let p = e
        .create_provider(
            latchkey_engine::ProviderInput::new(
                "aws",
                latchkey_core::ProviderKind::AwsSecretsManager,
                &[
                    ("region", "us-east-1"),
                    ("endpoint_url", &moto.url),
                    ("auth", "access_key"),
                    ("access_key_id", ACCESS_KEY_ID),
                ],
            )
            .secret("secret_access_key", "x")
            // The value-polling comparison reads every time, as a poller does.
            .with_cache(CachePolicy {
                ttl_secs: 0,
                stale_if_error: false,
            }),
        )
        .await
        .unwrap();
    let project = e.list_projects().await.unwrap()[0].project.id.clone();
    for i in 0..CONNECTIONS {
        e.create_connection(pg_input(
            &project,
            &format!("c{i}"),
            reference(&format!(
                "secret://aws/bench/s{:05}#password",
                (i % IN_USE) * (TOTAL / IN_USE)
            )),
        ))
        .await
        .unwrap();
    }
    e.refresh(RefreshScope::All, false).await.unwrap();

    let (mut watch_ms, mut poll_ms) = (Vec::new(), Vec::new());
    let (mut watch_calls, mut poll_calls) = (Vec::new(), Vec::new());
    let mut kinds = Vec::new();
    for _ in 0..RUNS {
        moto.reset_recording();
        let t = Instant::now();
        let look = e.watch_now(&p.id).await.unwrap();
        watch_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(look.checked as usize, IN_USE);
        let calls = moto.recorded();
        watch_calls.push(calls.len());
        kinds = calls;

        moto.reset_recording();
        let t = Instant::now();
        // One GetSecretValue per distinct secret: a value-polling cycle.
        let polled = e.refresh(RefreshScope::All, false).await.unwrap();
        poll_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(polled.secrets_fetched as usize, IN_USE);
        poll_calls.push(moto.recorded().len());
    }
    kinds.dedup();
    println!("watch cycle, {IN_USE} secrets in use among {TOTAL} (median of {RUNS}):");
    println!(
        "  Latchkey watch (metadata):   {:>4} calls ({}), {:>7.1} ms",
        watch_calls[0],
        kinds.join(", "),
        median(watch_ms)
    );
    println!(
        "  value polling (GetSecretValue): {:>4} calls, {:>7.1} ms",
        poll_calls[0],
        median(poll_ms)
    );

    let mut open_ms = Vec::new();
    let mut rows = 0;
    for _ in 0..20 {
        let t = Instant::now();
        rows = e.secrets_inventory().await.unwrap().len();
        open_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "inventory of {CONNECTIONS} connections ({rows} secrets): {:.1} ms to open (median of 20)",
        median(open_ms)
    );
    let mut status_ms = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        e.connection_secrets().await.unwrap();
        status_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "status column of {CONNECTIONS} connections: {:.1} ms (median of 20)",
        median(status_ms)
    );
}
