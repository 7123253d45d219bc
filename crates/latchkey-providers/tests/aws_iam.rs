//! AssumeRole against moto with IAM enforcement on (127.0.0.1:5001, seeded by
//! scripts/services.sh through tests/fixtures/moto_iam_seed.py): a role allowed
//! secretsmanager:GetSecretValue reads the secret; a role without it is denied, and
//! the error names the action and the secret.

use latchkey_core::{ExposeSecret, SecretRef, SecretValue};
use latchkey_providers::aws::{AwsAuth, AwsSecretsManager, AwsSettings};
use latchkey_providers::{ProviderError, SecretsProvider};

fn seeded() -> serde_json::Value {
    let dir = std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into());
    let path = format!("{dir}/latchkey-services/moto-iam.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/services.sh)"));
    serde_json::from_str(&text).unwrap()
}

async fn assume(role: &str) -> AwsSecretsManager {
    let s = seeded();
    let settings = AwsSettings {
        region: "us-east-1".into(),
        endpoint_url: Some("http://127.0.0.1:5001".into()),
        auth: AwsAuth::AssumeRole {
            role_arn: s[role].as_str().unwrap().into(),
            external_id: "latchkey-test-external-id".into(),
            source: Some((
                s["access_key_id"].as_str().unwrap().into(),
                SecretValue::from(s["secret_access_key"].as_str().unwrap().to_owned()),
            )),
        },
    };
    AwsSecretsManager::connect("iam", settings).await.unwrap()
}

#[tokio::test]
async fn an_assumed_role_with_get_secret_value_reads_and_one_without_is_denied() {
    let r = SecretRef {
        json_key: Some("password".into()),
        ..SecretRef::new("iam", "iam/db")
    };
    let reader = assume("reader").await;
    assert_eq!(
        reader.read(&r).await.unwrap().value.expose_secret(),
        "iam-canary"
    );
    let who = reader.check_access().await.unwrap();
    assert!(who.identity.contains("latchkey-reader"), "{who:?}");

    let e = assume("lister").await.read(&r).await.unwrap_err();
    match &e {
        ProviderError::AccessDenied { action, target, .. } => {
            assert_eq!(action, "secretsmanager:GetSecretValue");
            assert_eq!(target, "iam/db");
        }
        other => panic!("expected access denied, got {other:?}"),
    }
    assert!(e.to_string().starts_with("access denied"), "{e}");
    assert!(!e.to_string().contains("iam-canary"));
}
