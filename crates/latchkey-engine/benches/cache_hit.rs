//! Criterion: one cache hit (a fresh entry looked up and its value cloned), among
//! 1,000 cached secrets. Target: under 1 µs.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use latchkey_core::{SecretRef, SecretValue};
use latchkey_engine::cache::{Key, SecretCache};

fn hit(c: &mut Criterion) {
    let cache = SecretCache::default();
    for i in 0..1000 {
        let key = Key::new(
            "provider",
            &SecretRef::new("aws", format!("prod/app{i}/db")),
        );
        cache.store(
            key,
            SecretValue::from(format!("password-{i}")),
            Some(format!("v{i}")),
        );
    }
    let key = Key::new("provider", &SecretRef::new("aws", "prod/app500/db"));
    let ttl = Duration::from_secs(3600);
    c.bench_function("cache hit (1,000 entries)", |b| {
        b.iter(|| black_box(cache.fresh(black_box(&key), ttl, None)).is_some())
    });
}

criterion_group!(benches, hit);
criterion_main!(benches);
