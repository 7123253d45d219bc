//! moto, the AWS emulator, as the tests use it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_secretsmanager::Client;

/// moto started by `scripts/services.sh` (no IAM enforcement).
pub const MOTO: &str = "http://127.0.0.1:5000";

/// The access key id the tests use (moto accepts any).
pub const ACCESS_KEY_ID: &str = "AKIATESTLATCHKEY0001";

/// A raw SDK client for seeding, configured like Latchkey's own.
pub async fn seeder() -> Client {
    let creds = aws_credential_types::Credentials::new(ACCESS_KEY_ID, "x", None, None, "seed");
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(MOTO)
        .credentials_provider(creds)
        .load()
        .await;
    Client::new(&config)
}

/// A name no earlier run used: moto keeps its secrets for as long as it runs.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("{prefix}-{nanos}-{}", N.fetch_add(1, Ordering::SeqCst))
}

/// Creates a secret with a text value.
pub async fn put(client: &Client, name: &str, value: &str) {
    client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create secret {name} in moto: {e:?}"));
}

/// Stores a new current value (the old one becomes AWSPREVIOUS), as a rotation does.
pub async fn rotate(client: &Client, name: &str, value: &str) {
    client
        .put_secret_value()
        .secret_id(name)
        .secret_string(value)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put secret value {name} in moto: {e:?}"));
}
