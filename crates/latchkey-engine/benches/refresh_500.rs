//! Refresh-and-test of 500 PostgreSQL connections sharing 50 secrets in AWS Secrets
//! Manager (moto on 127.0.0.1:5000, PostgreSQL on :5432: `bash scripts/services.sh`),
//! with the cache (60-minute TTL) and without it (TTL 0). Prints wall time and
//! provider requests for each. Run: `bash scripts/bench.sh refresh`.

use std::sync::Arc;
use std::time::Instant;

use latchkey_core::ProviderKind;
use latchkey_engine::{CachePolicy, Engine, ProviderInput, RefreshScope};
use latchkey_keychain::MemoryKeychain;
use latchkey_testkit::moto::{ACCESS_KEY_ID, MOTO, put, seeder, unique};
use latchkey_testkit::target::{PG_PASSWORD, pg_input, reference};

async fn run(ttl_secs: u32) -> (f64, u64, usize) {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Arc::new(MemoryKeychain::default()))
        .await
        .unwrap();
    let p = e
        .create_provider(
            ProviderInput::new(
                "aws",
                ProviderKind::AwsSecretsManager,
                &[
                    ("region", "us-east-1"),
                    ("endpoint_url", MOTO),
                    ("auth", "access_key"),
                    ("access_key_id", ACCESS_KEY_ID),
                ],
            )
            .secret("secret_access_key", "x")
            .with_cache(CachePolicy {
                ttl_secs,
                stale_if_error: true,
            }),
        )
        .await
        .unwrap();
    let project = e.list_projects().await.unwrap()[0].project.id.clone();
    let sm = seeder().await;
    let root = unique("bench-refresh");
    for i in 0..50 {
        put(
            &sm,
            &format!("{root}/db{i}"),
            &format!(r#"{{"password":"{PG_PASSWORD}"}}"#),
        )
        .await;
    }
    for i in 0..500 {
        e.create_connection(pg_input(
            &project,
            &format!("c{i}"),
            reference(&format!("secret://aws/{root}/db{}#password", i % 50)),
        ))
        .await
        .unwrap();
    }
    let before = e.provider_requests(&p.id).await.unwrap();
    let started = Instant::now();
    let report = e.refresh(RefreshScope::All, true).await.unwrap();
    let took = started.elapsed().as_secs_f64();
    let passed = report
        .items
        .iter()
        .filter(|i| i.test.as_ref().is_some_and(|t| t.ok))
        .count();
    (
        took,
        e.provider_requests(&p.id).await.unwrap() - before,
        passed,
    )
}

#[tokio::main]
async fn main() {
    println!(
        "refresh-and-test: 500 PostgreSQL connections, 50 shared secrets (moto + PostgreSQL 15)"
    );
    for (label, ttl) in [
        ("with the cache (TTL 60 min)", 3600),
        ("without the cache (TTL 0)", 0),
    ] {
        let (secs, calls, passed) = run(ttl).await;
        println!(
            "{label:<30} {secs:>7.2} s   {calls:>4} GetSecretValue requests   {passed}/500 tests passed"
        );
    }
}
