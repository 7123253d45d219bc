//! Throttling: the provider retries a throttled call with backoff, and when AWS keeps
//! refusing it says so. The endpoint is a local server that answers
//! `ThrottlingException` (latchkey-testkit), reached through the real SDK.

use latchkey_core::SecretValue;
use latchkey_providers::aws::{AwsAuth, AwsSecretsManager, AwsSettings, MAX_ATTEMPTS};
use latchkey_providers::{ProviderError, SecretsProvider};
use latchkey_testkit::throttle::{LISTED_SECRET, ThrottlingServer};

async fn provider(endpoint: &str) -> AwsSecretsManager {
    AwsSecretsManager::connect(
        "throttled",
        AwsSettings {
            region: "us-east-1".into(),
            endpoint_url: Some(endpoint.into()),
            auth: AwsAuth::AccessKey {
                access_key_id: "AKIATESTLATCHKEY0003".into(),
                secret_access_key: SecretValue::from("not-checked".to_owned()),
            },
        },
    )
    .await
    .expect("connect")
}

#[tokio::test]
async fn a_throttled_call_is_retried_and_then_succeeds() {
    let server = ThrottlingServer::start(2).await;
    let p = provider(&server.url).await;
    let page = p.list(None, None).await.expect("third attempt succeeds");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].name, LISTED_SECRET);
    assert_eq!(
        server.received(),
        3,
        "two throttled attempts, then one answered"
    );
    assert_eq!(p.requests_sent(), 3);
}

#[tokio::test]
async fn throttling_that_does_not_stop_ends_in_a_clear_error_after_the_retries() {
    let server = ThrottlingServer::start(usize::MAX).await;
    let p = provider(&server.url).await;
    let err = p.list(None, None).await.expect_err("always throttled");
    assert_eq!(err.code(), "throttled", "{err}");
    assert!(
        matches!(&err, ProviderError::Throttled { attempts, .. } if *attempts == MAX_ATTEMPTS),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("throttling"), "{message}");
    assert!(
        message.contains(&format!("{MAX_ATTEMPTS} attempts")),
        "{message}"
    );
    assert!(
        message.contains("throttled"),
        "names the provider: {message}"
    );
    assert_eq!(
        server.received(),
        MAX_ATTEMPTS as usize,
        "one first attempt and {} retries, no more",
        MAX_ATTEMPTS - 1
    );
    assert_eq!(p.requests_sent(), u64::from(MAX_ATTEMPTS));
}
