//! How the secret picker's tree performs on a large AWS Secrets Manager: seeds 10,000
//! secrets into moto and prints the time to the first tree level, to a folder, to a
//! server-filtered search and to list everything, with the number of HTTP requests
//! the provider sent for each. A bench, not a test: it asserts completeness (every
//! secret listed once), never a duration.
//!
//! Run it with `bash scripts/bench.sh` (it starts a fresh moto on 127.0.0.1:5002).
//! Settings: LATCHKEY_BENCH_MOTO (endpoint), LATCHKEY_BENCH_SECRETS (default 10000),
//! LATCHKEY_BENCH_RUNS (default 5).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use latchkey_core::SecretValue;
use latchkey_providers::aws::{AwsAuth, AwsSecretsManager, AwsSettings};
use latchkey_providers::{Page, SecretSummary, SecretsProvider};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn name_of(i: usize) -> String {
    format!("team{:02}/app{:03}/secret{i:05}", i % 10, i % 100)
}

async fn seed(endpoint: &str, count: usize) -> Duration {
    let creds = aws_credential_types::Credentials::new("AKIABENCH", "x", None, None, "bench");
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(creds)
        .load()
        .await;
    let client = aws_sdk_secretsmanager::Client::new(&config);
    let started = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let client = client.clone();
        let permit = gate.clone().acquire_owned().await.expect("semaphore");
        tasks.spawn(async move {
            client
                .create_secret()
                .name(name_of(i))
                .secret_string(format!(r#"{{"username":"u{i}","password":"bench-{i}"}}"#))
                .send()
                .await
                .unwrap_or_else(|e| panic!("seed secret {i}: {e:?}"));
            drop(permit);
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("seeding task");
    }
    started.elapsed()
}

/// One measured operation: its duration and the requests it sent.
struct Sample {
    took: Duration,
    requests: u64,
    items: usize,
}

async fn first_page(p: &AwsSecretsManager, prefix: Option<&str>) -> Sample {
    let before = p.requests_sent();
    let started = Instant::now();
    let page: Page<SecretSummary> = p.list(prefix, None).await.expect("list");
    // The picker derives folders from the names it received: part of "showing a level".
    let level: BTreeSet<&str> = page
        .items
        .iter()
        .map(|s| {
            let rest = &s.name[prefix.map_or(0, str::len)..];
            rest.split_once('/').map_or(rest, |(folder, _)| folder)
        })
        .collect();
    std::hint::black_box(level);
    Sample {
        took: started.elapsed(),
        requests: p.requests_sent() - before,
        items: page.items.len(),
    }
}

async fn everything(p: &AwsSecretsManager, expected: usize) -> Sample {
    let before = p.requests_sent();
    let started = Instant::now();
    let mut names = BTreeSet::new();
    let mut listed = 0;
    let mut next = None;
    loop {
        let page = p.list(None, next).await.expect("list");
        listed += page.items.len();
        names.extend(page.items.into_iter().map(|s| s.name));
        next = page.next;
        if next.is_none() {
            break;
        }
    }
    let took = started.elapsed();
    assert_eq!(listed, names.len(), "a secret was listed twice");
    assert_eq!(names.len(), expected, "every secret listed");
    Sample {
        took,
        requests: p.requests_sent() - before,
        items: names.len(),
    }
}

fn report(what: &str, samples: &[Sample]) {
    let mut ms: Vec<f64> = samples
        .iter()
        .map(|s| s.took.as_secs_f64() * 1000.0)
        .collect();
    ms.sort_by(f64::total_cmp);
    let median = ms[ms.len() / 2];
    let s = &samples[0];
    println!(
        "{what:<44} median {median:>9.1} ms  min {:>9.1} ms  max {:>9.1} ms  {:>4} requests  {:>6} items",
        ms[0],
        ms[ms.len() - 1],
        s.requests,
        s.items
    );
}

#[tokio::main]
async fn main() {
    let endpoint = env_or("LATCHKEY_BENCH_MOTO", "http://127.0.0.1:5002".to_owned());
    let count: usize = env_or("LATCHKEY_BENCH_SECRETS", 10_000);
    let runs: usize = env_or("LATCHKEY_BENCH_RUNS", 5).max(1);

    println!("AWS Secrets Manager tree benchmark on moto at {endpoint}");
    let seeded = seed(&endpoint, count).await;
    println!(
        "seeded {count} secrets (10 folders × 10 subfolders each) in {:.1} s",
        seeded.as_secs_f64()
    );

    let p = AwsSecretsManager::connect(
        "bench",
        AwsSettings {
            region: "us-east-1".into(),
            endpoint_url: Some(endpoint.clone()),
            auth: AwsAuth::AccessKey {
                access_key_id: "AKIABENCH".into(),
                secret_access_key: SecretValue::from("x".to_owned()),
            },
        },
    )
    .await
    .expect("connect");

    let mut root = Vec::new();
    let mut folder = Vec::new();
    let mut search = Vec::new();
    let mut all = Vec::new();
    for _ in 0..runs {
        root.push(first_page(&p, None).await);
        folder.push(first_page(&p, Some("team03/")).await);
        search.push(first_page(&p, Some("team07/app047/")).await);
        all.push(everything(&p, count).await);
    }
    println!("{runs} runs each:");
    report("first tree level (first page of 100)", &root);
    report("open a folder (server prefix team03/)", &folder);
    report("filter (server prefix team07/app047/)", &search);
    report("list everything (all pages)", &all);
}
