//! AWS Secrets Manager against moto on 127.0.0.1:5000 (started by scripts/services.sh),
//! through the same SDK calls production makes.

use std::collections::BTreeSet;

use latchkey_core::{ExposeSecret, SecretRef, SecretValue, SecretVersion};
use latchkey_providers::aws::{AwsAuth, AwsSecretsManager, AwsSettings};
use latchkey_providers::{ProviderError, SecretsProvider};
use latchkey_testkit::moto::{ACCESS_KEY_ID, MOTO, put, seeder, unique};

fn settings() -> AwsSettings {
    AwsSettings {
        region: "us-east-1".into(),
        endpoint_url: Some(MOTO.into()),
        auth: AwsAuth::AccessKey {
            access_key_id: ACCESS_KEY_ID.into(),
            secret_access_key: SecretValue::from("moto-does-not-check".to_owned()),
        },
    }
}

async fn provider() -> AwsSecretsManager {
    AwsSecretsManager::connect("aws-test", settings())
        .await
        .expect("connect")
}

#[tokio::test]
async fn paging_returns_every_secret_once_and_the_filter_asks_aws() {
    let client = seeder().await;
    let root = unique("paging");
    for i in 0..250 {
        put(&client, &format!("{root}/app{}/svc{i}", i % 5), "{}").await;
    }
    let p = provider().await;
    let mut names = Vec::new();
    let mut page = None;
    let mut pages = 0;
    loop {
        let got = p.list(Some(&format!("{root}/")), page).await.unwrap();
        pages += 1;
        names.extend(got.items.into_iter().map(|s| s.name));
        page = got.next;
        if page.is_none() {
            break;
        }
    }
    let unique_names: BTreeSet<_> = names.iter().cloned().collect();
    assert_eq!(names.len(), 250, "every secret listed");
    assert_eq!(unique_names.len(), 250, "no duplicates");
    assert!(pages >= 3, "100 a page: {pages} pages");

    let mut filtered = Vec::new();
    let mut page = None;
    loop {
        let got = p.list(Some(&format!("{root}/app3/")), page).await.unwrap();
        filtered.extend(got.items.into_iter().map(|s| s.name));
        page = got.next;
        if page.is_none() {
            break;
        }
    }
    assert_eq!(filtered.len(), 50, "the name filter is applied by AWS");
    assert!(
        filtered
            .iter()
            .all(|n| n.starts_with(&format!("{root}/app3/")))
    );
}

#[tokio::test]
async fn versions_stages_and_json_keys() {
    let client = seeder().await;
    let name = unique("versions/db");
    put(
        &client,
        &name,
        r#"{"username":"app","password":"canary-aws-old"}"#,
    )
    .await;
    let p = provider().await;
    let current = SecretRef {
        json_key: Some("password".into()),
        ..SecretRef::new("aws-test", &name)
    };
    let first = p.read(&current).await.unwrap();
    assert_eq!(first.value.expose_secret(), "canary-aws-old");

    // Rotate: the old version moves to AWSPREVIOUS.
    client
        .put_secret_value()
        .secret_id(&name)
        .secret_string(r#"{"username":"app","password":"canary-aws-new"}"#)
        .send()
        .await
        .unwrap();
    let now = p.read(&current).await.unwrap();
    assert_eq!(now.value.expose_secret(), "canary-aws-new");
    assert_ne!(now.version_id, first.version_id);

    let previous = SecretRef {
        version: Some(SecretVersion::Stage("AWSPREVIOUS".into())),
        ..current.clone()
    };
    assert_eq!(
        p.read(&previous).await.unwrap().value.expose_secret(),
        "canary-aws-old"
    );
    let pinned = SecretRef {
        version: Some(SecretVersion::Id(first.version_id.clone().unwrap())),
        ..current.clone()
    };
    assert_eq!(
        p.read(&pinned).await.unwrap().value.expose_secret(),
        "canary-aws-old"
    );

    let details = p.describe(&name).await.unwrap();
    assert_eq!(details.versions.len(), 2);
    let stages: BTreeSet<String> = details
        .versions
        .iter()
        .flat_map(|v| v.stages.clone())
        .collect();
    assert!(
        stages.contains("AWSCURRENT") && stages.contains("AWSPREVIOUS"),
        "{stages:?}"
    );

    assert_eq!(
        p.json_keys(&current).await.unwrap(),
        ["password", "username"]
    );
    let wrong = SecretRef {
        json_key: Some("pasword".into()),
        ..current.clone()
    };
    let e = p.read(&wrong).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::JsonKeyMissing { available, .. } if available == &["password", "username"])
    );
    assert!(!e.to_string().contains("canary"), "{e}");

    let missing_version = SecretRef {
        version: Some(SecretVersion::Id("no-such-version".into())),
        ..current
    };
    assert!(matches!(
        p.read(&missing_version).await.unwrap_err(),
        ProviderError::VersionNotFound { .. }
    ));
}

#[tokio::test]
async fn plain_text_secrets_and_errors_that_name_the_problem() {
    let client = seeder().await;
    let name = unique("plain/token");
    put(&client, &name, "canary-plain-token").await;
    let p = provider().await;
    let r = SecretRef::new("aws-test", &name);
    assert_eq!(
        p.read(&r).await.unwrap().value.expose_secret(),
        "canary-plain-token"
    );
    assert!(p.json_keys(&r).await.unwrap().is_empty());
    let keyed = SecretRef {
        json_key: Some("password".into()),
        ..r
    };
    let e = p.read(&keyed).await.unwrap_err();
    assert!(matches!(e, ProviderError::NotJson { .. }), "{e:?}");
    assert!(!e.to_string().contains("canary"));

    let e = p
        .read(&SecretRef::new("aws-test", "does/not/exist"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ProviderError::NotFound { secret, .. } if secret == "does/not/exist"),
        "{e:?}"
    );
    assert!(e.to_string().contains("does/not/exist"));

    let e = p
        .read(&SecretRef::new(
            "aws-test",
            "arn:aws:secretsmanager:us-east-1:12345:secret:x",
        ))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("12 digits"), "{e}");

    let e = AwsSecretsManager::connect(
        "x",
        AwsSettings {
            region: "us-esat-1".into(),
            ..settings()
        },
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("did you mean us-east-1"), "{e}");
}

#[tokio::test]
async fn check_access_reports_the_identity() {
    let report = provider().await.check_access().await.unwrap();
    assert!(report.identity.starts_with("arn:aws:"), "{report:?}");
    assert!(report.can_list, "{report:?}");
}

#[tokio::test]
async fn an_unreachable_endpoint_fails_fast_with_a_clear_error() {
    // Nothing listens on port 9 (discard) here.
    let s = AwsSettings {
        endpoint_url: Some("http://127.0.0.1:9".into()),
        ..settings()
    };
    let p = AwsSecretsManager::connect("down", s).await.unwrap();
    let e = p.read(&SecretRef::new("down", "x")).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::Unreachable { endpoint, .. } if endpoint == "http://127.0.0.1:9"),
        "{e:?}"
    );
    assert!(e.to_string().contains("cannot reach"), "{e}");
}
