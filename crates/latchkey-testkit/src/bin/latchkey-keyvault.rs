//! The test kit's local Azure Key Vault as a process, for the end-to-end test (which
//! drives the real window and cannot host a Rust server itself).
//!
//! ```text
//! latchkey-keyvault --info FILE [--client-secret SECRET] [--seed FIXTURE]
//! ```
//!
//! Starts the server (HTTPS on a free port of 127.0.0.1, its own CA, the Entra ID token
//! endpoint), seeds it (default: tests/fixtures/keyvault_seed.json), writes
//! `{url, authority_host, ca_path, tenant_id, client_id}` to FILE once it listens, and
//! serves until it is killed. The client secret is never written to FILE.

use latchkey_testkit::keyvault::{
    KeyVaultConfig, KeyVaultServer, SEED_FIXTURE, TEST_CLIENT_ID, TEST_CLIENT_SECRET,
    TEST_TENANT_ID,
};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (mut info, mut secret, mut seed) =
        (None, TEST_CLIENT_SECRET.to_owned(), SEED_FIXTURE.to_owned());
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--info" => info = Some(value),
            "--client-secret" => secret = value,
            "--seed" => seed = value,
            other => panic!("unknown flag {other}: see the file's documentation"),
        }
    }
    let info = info.expect("--info FILE is required");
    let server =
        KeyVaultServer::start(KeyVaultConfig::new(TEST_TENANT_ID, TEST_CLIENT_ID, &secret)).await;
    let seeded = server.seed_file(&seed);
    let written = serde_json::json!({
        "url": server.url,
        "authority_host": server.authority_host,
        "ca_path": server.ca_path(),
        "tenant_id": TEST_TENANT_ID,
        "client_id": TEST_CLIENT_ID,
        "secrets": seeded,
    });
    // Written whole, then renamed: a reader never sees half a file.
    let partial = format!("{info}.partial");
    std::fs::write(&partial, written.to_string()).expect("write the info file");
    std::fs::rename(&partial, &info).expect("move the info file in place");
    std::future::pending::<()>().await;
}
