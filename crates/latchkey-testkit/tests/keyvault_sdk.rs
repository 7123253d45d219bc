//! The official Azure SDK (azure_identity 1 + azure_security_keyvault_secrets 1) against
//! the local Key Vault server, unchanged except for three options: the transport trusts
//! the server's CA, the credential's authority host is the server, and the client does
//! not require the challenge resource to match the vault's host (127.0.0.1).
//!
//! These tests prove the server is faithful enough for the SDK, and pin down what the
//! SDK does with the server's answers (request counts, retries, error shapes), which
//! Latchkey's provider relies on.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::error::ErrorKind;
use azure_core::http::{
    ClientOptions, ExponentialRetryOptions, RetryOptions, StatusCode, Transport,
};
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};
use azure_security_keyvault_secrets::models::{
    SecretAttributes, SecretClientGetSecretOptions, SetSecretParameters,
    UpdateSecretPropertiesParameters,
};
use azure_security_keyvault_secrets::{ResourceExt, SecretClient, SecretClientOptions};
use futures::TryStreamExt;
use latchkey_testkit::keyvault::{
    KeyVaultConfig, KeyVaultServer, SEED_FIXTURE, TEST_CLIENT_ID, TEST_CLIENT_SECRET,
    TEST_TENANT_ID,
};

fn transport(server: &KeyVaultServer) -> Transport {
    Transport::new(Arc::new(common::https_client(server)))
}

/// `ClientSecretCredential` pointed at the server (`CustomConfiguration` is
/// `#[non_exhaustive]`: it is built from its default, not with a struct literal).
fn credential(server: &KeyVaultServer, secret: &str) -> Arc<ClientSecretCredential> {
    let mut cloud = CustomConfiguration::default();
    cloud.authority_host = server.authority_host.clone();
    let options = ClientSecretCredentialOptions {
        client_options: ClientOptions {
            cloud: Some(Arc::new(CloudConfiguration::Custom(cloud))),
            transport: Some(transport(server)),
            ..ClientOptions::default()
        },
    };
    ClientSecretCredential::new(
        TEST_TENANT_ID,
        TEST_CLIENT_ID.to_owned(),
        Secret::new(secret.to_owned()),
        Some(options),
    )
    .expect("a valid credential")
}

fn client_with(server: &KeyVaultServer, secret: &str, retry: RetryOptions) -> SecretClient {
    let options = SecretClientOptions {
        verify_challenge_resource: Some(false),
        client_options: ClientOptions {
            transport: Some(transport(server)),
            retry,
            ..ClientOptions::default()
        },
        ..SecretClientOptions::default()
    };
    SecretClient::new(&server.url, credential(server, secret), Some(options))
        .expect("a valid client")
}

fn client(server: &KeyVaultServer) -> SecretClient {
    client_with(server, TEST_CLIENT_SECRET, RetryOptions::default())
}

async fn seeded() -> KeyVaultServer {
    let server = KeyVaultServer::start(KeyVaultConfig::default()).await;
    server.seed_file(SEED_FIXTURE);
    server
}

/// The HTTP status and service error code of an SDK error.
fn http_error(error: &azure_core::Error) -> (StatusCode, Option<String>) {
    match error.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => (*status, error_code.clone()),
        other => panic!("not an HTTP error: {other:?}: {error}"),
    }
}

/// The error's text and its sources', one per line.
fn chain(error: &azure_core::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text.push('\n');
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn raw_body(error: &azure_core::Error) -> serde_json::Value {
    match error.kind() {
        ErrorKind::HttpResponse {
            raw_response: Some(raw),
            ..
        } => serde_json::from_slice(raw.body()).expect("a JSON body"),
        other => panic!("no raw response: {other:?}"),
    }
}

#[tokio::test]
async fn sdk_gets_lists_sets_and_updates() {
    let server = seeded().await;
    let client = client(&server);

    // First call: the challenge (no token), one token request, the call again.
    let secret = client
        .get_secret("app-billing-db", None)
        .await
        .expect("get_secret")
        .into_model()
        .expect("a Secret");
    assert_eq!(
        secret.value.as_deref(),
        Some(r#"{"username":"latchkey_test","password":"latchkey-test-pw"}"#)
    );
    assert_eq!(secret.content_type.as_deref(), Some("application/json"));
    let id = secret.resource_id().expect("an id");
    assert_eq!(id.name, "app-billing-db");
    assert_eq!(id.version.as_ref().map(String::len), Some(32));
    assert_eq!((server.requests(), server.token_requests()), (2, 1));
    let first = &server.responses()[0];
    assert_eq!(first.status, 401);
    assert_eq!(
        first.path, "/secrets/app-billing-db/",
        "no version: a trailing slash"
    );
    assert_eq!(first.query, ["api-version"]);

    // Listing: 5 pages of 25 through nextLink, one request each, the token reused.
    let mut names = Vec::new();
    let mut pager = client.list_secret_properties(None).expect("a pager");
    while let Some(item) = pager.try_next().await.expect("a page") {
        names.push(item.resource_id().expect("an id").name);
    }
    assert_eq!(names.len(), 120);
    assert_eq!((server.requests(), server.token_requests()), (7, 1));

    // Versions and a version by id; a disabled version is listed, not served.
    let mut versions = Vec::new();
    let mut pager = client
        .list_secret_properties_versions("app-payments-api-key", None)
        .expect("a pager");
    while let Some(item) = pager.try_next().await.expect("a page") {
        let enabled = item.attributes.and_then(|a| a.enabled);
        versions.push((item.id.expect("an id"), enabled));
    }
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[1].1, Some(false));
    let options = SecretClientGetSecretOptions {
        secret_version: Some("5b0e7d1c9f3a4e2b8c6d0a1f2e3b4c01".to_owned()),
        ..Default::default()
    };
    let v1 = client
        .get_secret("app-payments-api-key", Some(options))
        .await
        .expect("get v1")
        .into_model()
        .expect("a Secret");
    assert_eq!(
        v1.value.as_deref(),
        Some("latchkey-test-payments-api-key-v1")
    );

    // Set (the body is withheld until the challenge is answered, then sent) and update.
    let parameters = SetSecretParameters {
        value: Some("s3cret".to_owned()),
        content_type: Some("text/plain".to_owned()),
        ..Default::default()
    };
    let set = client
        .set_secret("app-new", parameters.try_into().expect("a body"), None)
        .await
        .expect("set_secret")
        .into_model()
        .expect("a Secret");
    assert_eq!(set.value.as_deref(), Some("s3cret"));
    let parameters = UpdateSecretPropertiesParameters {
        secret_attributes: Some(SecretAttributes {
            enabled: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    };
    let updated = client
        .update_secret_properties("app-new", parameters.try_into().expect("a body"), None)
        .await
        .expect("update_secret_properties")
        .into_model()
        .expect("a Secret");
    assert_eq!(updated.attributes.and_then(|a| a.enabled), Some(false));
    assert_eq!(updated.value, None);
    common::check_all(&server);
}

#[tokio::test]
async fn sdk_errors_carry_the_service_codes() {
    let server = seeded().await;
    let client = client(&server);

    let missing = client
        .get_secret("no-such-secret", None)
        .await
        .expect_err("404");
    assert_eq!(
        http_error(&missing),
        (StatusCode::NotFound, Some("SecretNotFound".to_owned()))
    );
    assert!(
        missing
            .to_string()
            .starts_with("A secret with (name/id) no-such-secret was not found in this key vault."),
        "{missing}"
    );
    let disabled = client
        .get_secret("app-search-webhook-secret", None)
        .await
        .expect_err("403");
    assert_eq!(
        http_error(&disabled),
        (StatusCode::Forbidden, Some("Forbidden".to_owned()))
    );
    assert_eq!(
        raw_body(&disabled)["error"]["innererror"]["code"],
        "SecretDisabled"
    );

    // The RBAC message has `\r\n` line breaks; the SDK parses error bodies into borrowed
    // strings, which JSON escapes defeat, so it falls back to the status as the code
    // and "403: <whole body>" as the message. The raw body is still there to read.
    server.deny("app-orders-api-key");
    let denied = client
        .get_secret("app-orders-api-key", None)
        .await
        .expect_err("403");
    assert_eq!(
        http_error(&denied),
        (StatusCode::Forbidden, Some("403".to_owned()))
    );
    assert_eq!(
        raw_body(&denied)["error"]["innererror"]["code"],
        "ForbiddenByRbac"
    );
    assert!(
        denied.to_string().starts_with("403: {\"error\""),
        "{denied}"
    );
    // A wrong client secret: the credential's error, with Entra's code and description.
    let wrong = client_with(&server, "wrong-secret", RetryOptions::default());
    let error = wrong
        .get_secret("app-billing-db", None)
        .await
        .expect_err("401");
    let text = chain(&error);
    assert!(
        matches!(error.kind(), ErrorKind::Credential),
        "{:?}",
        error.kind()
    );
    // Its own text is the retry policy's note; Entra's words are in its sources.
    assert_eq!(
        error.to_string(),
        "non-transport error occurred which will not be retried"
    );
    assert!(text.contains("ClientSecretCredential authentication failed. AADSTS7000215: Invalid client secret provided."), "{text}");
    common::check_all(&server);
}

#[tokio::test]
async fn sdk_retries_429_honouring_retry_after() {
    let server = seeded().await;
    let client = client(&server);
    client
        .get_secret("app-billing-db", None)
        .await
        .expect("warm up");
    let before = server.requests();

    server.throttle(2, 1);
    let started = Instant::now();
    client
        .get_secret("app-billing-db", None)
        .await
        .expect("served after two 429s");
    assert_eq!(
        server.requests() - before,
        3,
        "two throttled attempts, then the answer"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After: 1 honoured twice: {:?}",
        started.elapsed()
    );

    // With the retries used up the caller sees the 429 and its code.
    let quick = RetryOptions::exponential(ExponentialRetryOptions {
        initial_delay: azure_core::time::Duration::milliseconds(10),
        max_retries: 2,
        max_total_elapsed: azure_core::time::Duration::seconds(10),
        max_delay: azure_core::time::Duration::seconds(1),
    });
    let impatient = client_with(&server, TEST_CLIENT_SECRET, quick);
    impatient
        .get_secret("app-billing-db", None)
        .await
        .expect("warm up");
    let before = server.requests();
    server.throttle(100, 0);
    let error = impatient
        .get_secret("app-billing-db", None)
        .await
        .expect_err("throttled throughout");
    server.throttle(0, 0);
    assert_eq!(
        http_error(&error),
        (StatusCode::TooManyRequests, Some("Throttled".to_owned()))
    );
    assert_eq!(server.requests() - before, 3, "1 attempt + max_retries");
    common::check_all(&server);
}

#[tokio::test]
async fn sdk_keeps_a_refused_token_until_it_nears_expiry() {
    let server = seeded().await;
    let client = client(&server);
    client
        .get_secret("app-billing-db", None)
        .await
        .expect("warm up");
    let (requests, tokens) = (server.requests(), server.token_requests());

    // The vault now refuses the token; the bearer policy answers the 401 challenge, but
    // the credential's cache hands back the same token, so the call fails after 2 requests.
    server.expire_tokens();
    let error = client
        .get_secret("app-billing-db", None)
        .await
        .expect_err("401");
    assert_eq!(
        http_error(&error),
        (StatusCode::Unauthorized, Some("Unauthorized".to_owned()))
    );
    assert_eq!(server.requests() - requests, 2);
    assert_eq!(
        server.token_requests(),
        tokens,
        "no new token was asked for"
    );
    common::check_all(&server);

    // A credential whose tokens expire within 300 s asks for a new one on every call.
    let config = KeyVaultConfig {
        token_lifetime_secs: 200,
        ..KeyVaultConfig::default()
    };
    let short = KeyVaultServer::start(config).await;
    short.set("a", "1", Default::default());
    let credential = credential(&short, TEST_CLIENT_SECRET);
    for _ in 0..2 {
        credential
            .get_token(&["https://vault.azure.net/.default"], None)
            .await
            .expect("a token");
    }
    assert_eq!(short.token_requests(), 2);
}
