//! The Azure Key Vault provider through Microsoft's official SDK against the test kit's
//! local Key Vault (HTTPS, Entra ID token endpoint, challenge handshake; its responses
//! are checked against the published spec in latchkey-testkit's own tests): paging
//! through `nextLink`, grouping, versions (disabled, expired), JSON keys, and each error
//! the issue names.

use std::collections::BTreeSet;

use latchkey_core::{ExposeSecret, SecretRef, SecretValue, SecretVersion};
use latchkey_providers::azure::{AzureAuth, AzureKeyVault, AzureSettings, Grouping};
use latchkey_providers::{ProviderError, SecretsProvider};
use latchkey_testkit::keyvault::{
    KeyVaultConfig, KeyVaultServer, SetOptions, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TENANT_ID,
};

fn settings(kv: &KeyVaultServer, grouping: Grouping) -> AzureSettings {
    with_app(
        kv,
        grouping,
        TEST_TENANT_ID,
        TEST_CLIENT_ID,
        TEST_CLIENT_SECRET,
    )
}

fn with_app(
    kv: &KeyVaultServer,
    grouping: Grouping,
    tenant: &str,
    client: &str,
    secret: &str,
) -> AzureSettings {
    AzureSettings {
        vault_url: kv.url.clone(),
        auth: AzureAuth::ClientSecret {
            tenant_id: tenant.into(),
            client_id: client.into(),
            secret: SecretValue::from(secret.to_owned()),
        },
        authority_host: Some(kv.authority_host.clone()),
        ca_cert: Some(kv.ca_path().display().to_string()),
        grouping,
    }
}

async fn vault(grouping: Grouping) -> (KeyVaultServer, AzureKeyVault) {
    let kv = KeyVaultServer::start(KeyVaultConfig::default()).await;
    let p = AzureKeyVault::connect("kv", settings(&kv, grouping)).unwrap();
    (kv, p)
}

fn reference(name: &str) -> SecretRef {
    SecretRef::new("kv", name)
}

#[tokio::test]
async fn lists_120_secrets_through_next_link_pages() {
    let (kv, p) = vault(Grouping::None).await;
    let mut names = BTreeSet::new();
    for i in 0..120 {
        let name = format!("app-{i:03}");
        kv.set(&name, "v", SetOptions::default());
        names.insert(name);
    }
    let before = kv.requests();
    let first = p.list(None, None).await.unwrap();
    assert_eq!(first.items.len(), 100, "four service pages of 25");
    let next = first.next.clone().expect("a next page");
    assert!(
        next.starts_with(&kv.url) && next.contains("skiptoken"),
        "{next}"
    );
    let second = p.list(None, Some(next)).await.unwrap();
    assert_eq!(second.items.len(), 20);
    assert!(second.next.is_none());
    let seen: BTreeSet<String> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(seen, names, "every secret once");
    // 5 pages, plus the unauthenticated first request the challenge answers.
    assert_eq!(kv.requests() - before, 6);
    assert_eq!(p.requests_sent(), 6);

    // A filter matches names (Key Vault has none: it is applied here).
    let filtered = p.list(Some("app-11"), None).await.unwrap();
    let got: Vec<_> = filtered.items.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(got.len(), 10, "{got:?}");
    assert!(got.iter().all(|n| n.starts_with("app-11")));
}

#[tokio::test]
async fn groups_the_tree_by_a_name_separator_or_by_a_tag() {
    let (kv, by_name) = vault(Grouping::Separator("-".into())).await;
    kv.set("billing-db-password", "x", SetOptions::default());
    kv.set(
        "orders",
        "x",
        SetOptions {
            tags: [("team".to_owned(), "ops".to_owned())].into(),
            ..Default::default()
        },
    );
    let page = by_name.list(None, None).await.unwrap();
    let path = |name: &str| {
        page.items
            .iter()
            .find(|s| s.name == name)
            .unwrap()
            .path
            .clone()
    };
    assert_eq!(
        path("billing-db-password").as_deref(),
        Some("billing/db/password")
    );
    assert_eq!(path("orders"), None);
    // A folder's listing: the prefix is matched against the tree path.
    let folder = by_name.list(Some("billing/"), None).await.unwrap();
    assert_eq!(folder.items.len(), 1);
    assert_eq!(folder.items[0].name, "billing-db-password");

    let by_tag = AzureKeyVault::connect("kv", settings(&kv, Grouping::Tag("team".into()))).unwrap();
    let page = by_tag.list(None, None).await.unwrap();
    let paths: BTreeSet<_> = page.items.iter().filter_map(|s| s.path.clone()).collect();
    assert_eq!(
        paths,
        ["(no team)/billing-db-password", "ops/orders"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    );
}

#[tokio::test]
async fn versions_show_disabled_and_expired_and_only_enabled_ones_read() {
    let (kv, p) = vault(Grouping::None).await;
    let v1 = kv.set(
        "db",
        r#"{"username":"u","password":"one"}"#,
        SetOptions::default(),
    );
    let v2 = kv.set(
        "db",
        r#"{"username":"u","password":"two"}"#,
        SetOptions::default(),
    );
    let v3 = kv.set(
        "db",
        r#"{"username":"u","password":"three"}"#,
        SetOptions::default(),
    );
    kv.disable("db", &v2);

    let d = p.describe("db").await.unwrap();
    let ids: Vec<_> = d.versions.iter().map(|v| v.id.clone()).collect();
    assert_eq!(ids, [v3.clone(), v2.clone(), v1.clone()], "newest first");
    assert_eq!(d.versions[0].stages, ["latest"]);
    assert!(
        d.versions[0].enabled && d.versions[0].created.is_some() && d.versions[0].updated.is_some()
    );
    assert_eq!(d.versions[1].stages, ["disabled"]);
    assert!(!d.versions[1].enabled);

    // Latest, a pinned version, a JSON key, and the keys' names.
    let mut r = reference("db");
    r.json_key = Some("password".into());
    let latest = p.read(&r).await.unwrap();
    assert_eq!(latest.value.expose_secret(), "three");
    assert_eq!(latest.version_id.as_deref(), Some(v3.as_str()));
    r.version = Some(SecretVersion::Id(v1.clone()));
    assert_eq!(p.read(&r).await.unwrap().value.expose_secret(), "one");
    assert_eq!(
        p.json_keys(&reference("db")).await.unwrap(),
        ["password", "username"]
    );
    r.json_key = Some("pasword".into());
    let e = p.read(&r).await.unwrap_err();
    assert!(matches!(e, ProviderError::JsonKeyMissing { .. }), "{e:?}");

    // The disabled version cannot be read.
    r.version = Some(SecretVersion::Id(v2.clone()));
    r.json_key = None;
    match p.read(&r).await.unwrap_err() {
        ProviderError::VersionGone { version, how, .. } => {
            assert_eq!((version.as_str(), how.as_str()), (v2.as_str(), "disabled"));
        }
        other => panic!("expected disabled, got {other:?}"),
    }

    // A disabled latest version cannot serve as "latest"; neither can an expired one.
    kv.disable("db", &v3);
    let e = p.read(&reference("db")).await.unwrap_err();
    assert!(e.to_string().contains("disabled"), "{e}");
    let past = time_now() - 3600;
    kv.set(
        "old",
        "x",
        SetOptions {
            expires: Some(past),
            ..Default::default()
        },
    );
    let e = p.read(&reference("old")).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::VersionGone { how, .. } if how == "expired"),
        "{e:?}"
    );
    let d = p.describe("old").await.unwrap();
    assert_eq!(d.versions[0].stages, ["latest", "expired"]);
    assert!(!d.versions[0].enabled && d.versions[0].expires.is_some());
}

fn time_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn not_found_forbidden_and_throttled_say_what_to_do() {
    let (kv, p) = vault(Grouping::None).await;
    kv.set("shared-smtp", "canary-azure-403", SetOptions::default());
    kv.set("ok", "fine", SetOptions::default());

    let e = p.read(&reference("missing")).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::NotFound { secret, .. } if secret == "missing"),
        "{e:?}"
    );
    let mut pinned = reference("ok");
    pinned.version = Some(SecretVersion::Id("0123456789abcdef0123456789abcdef".into()));
    let e = p.read(&pinned).await.unwrap_err();
    assert!(matches!(e, ProviderError::VersionNotFound { .. }), "{e:?}");

    kv.deny("shared-smtp");
    let e = p.read(&reference("shared-smtp")).await.unwrap_err();
    assert_eq!(e.code(), "access_denied");
    let text = e.to_string();
    assert!(
        text.contains("Key Vault Secrets User") && text.contains("Get and List"),
        "{text}"
    );
    assert!(
        text.contains("secrets/get") && text.contains("shared-smtp"),
        "{text}"
    );
    assert!(!text.contains("canary-azure-403"));

    // Throttled twice: the SDK waits as Retry-After says and the third attempt reads.
    kv.throttle(2, 1);
    let before = kv.requests();
    assert_eq!(
        p.read(&reference("ok"))
            .await
            .unwrap()
            .value
            .expose_secret(),
        "fine"
    );
    assert_eq!(kv.requests() - before, 3);
    // Always throttled: four attempts, then an error that says so.
    kv.throttle(100, 1);
    let before = kv.requests();
    let e = p.read(&reference("ok")).await.unwrap_err();
    assert_eq!(kv.requests() - before, 4);
    match &e {
        ProviderError::ThrottledRetryAfter {
            attempts,
            retry_after,
            ..
        } => {
            assert_eq!(*attempts, 4);
            assert_eq!(retry_after, "1 s");
        }
        other => panic!("expected throttled, got {other:?}"),
    }
    assert!(e.to_string().contains("Retry-After"), "{e}");
}

#[tokio::test]
async fn the_token_endpoint_blames_the_tenant_the_client_or_the_secret() {
    let kv = KeyVaultServer::start(KeyVaultConfig::default()).await;
    let fails = |tenant: &str, client: &str, secret: &str| {
        let p = AzureKeyVault::connect("kv", with_app(&kv, Grouping::None, tenant, client, secret))
            .unwrap();
        async move { p.check_access().await.unwrap_err() }
    };
    for (tenant, client, secret, field, code) in [
        (
            TEST_TENANT_ID,
            TEST_CLIENT_ID,
            "wrong-secret",
            "client_secret",
            "AADSTS7000215",
        ),
        (
            TEST_TENANT_ID,
            "00000000-0000-4000-8000-000000000bad",
            TEST_CLIENT_SECRET,
            "client_id",
            "AADSTS700016",
        ),
        (
            "00000000-0000-4000-8000-00000000dead",
            TEST_CLIENT_ID,
            TEST_CLIENT_SECRET,
            "tenant_id",
            "AADSTS90002",
        ),
    ] {
        match fails(tenant, client, secret).await {
            ProviderError::InvalidSetting { field: f, message } => {
                assert_eq!(f, field, "{message}");
                assert!(message.contains(code), "{message}");
                assert!(!message.contains("wrong-secret") && !message.contains(TEST_CLIENT_SECRET));
            }
            other => panic!("{field}: expected an invalid setting, got {other:?}"),
        }
    }

    // The right app: identity and a listing.
    let p = AzureKeyVault::connect("kv", settings(&kv, Grouping::None)).unwrap();
    let who = p.check_access().await.unwrap();
    assert!(
        who.identity.contains(TEST_CLIENT_ID) && who.can_list,
        "{who:?}"
    );
    kv.deny_all(true);
    let who = p.check_access().await.unwrap();
    assert!(!who.can_list);
    assert!(who.list_error.unwrap().contains("Key Vault Secrets User"));
}

#[tokio::test]
async fn an_unreachable_vault_fails_within_the_timeout() {
    let kv = KeyVaultServer::start(KeyVaultConfig::default()).await;
    let mut s = settings(&kv, Grouping::None);
    // Nothing listens on port 9 of 127.0.0.1.
    s.vault_url = "https://127.0.0.1:9/".into();
    s.authority_host = Some("https://127.0.0.1:9".into());
    let p = AzureKeyVault::connect("kv", s).unwrap();
    let e = p.read(&reference("x")).await.unwrap_err();
    assert!(matches!(e, ProviderError::Unreachable { .. }), "{e:?}");
}

/// A self-signed RSA certificate and its key, as the PEM an admin downloads.
fn certificate() -> (
    openssl::x509::X509,
    openssl::pkey::PKey<openssl::pkey::Private>,
) {
    use openssl::{asn1::Asn1Time, bn::BigNum, hash::MessageDigest, pkey::PKey, rsa::Rsa, x509};
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = x509::X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "latchkey-test-app")
        .unwrap();
    let name = name.build();
    let mut b = x509::X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    (b.build(), key)
}

fn with_certificate(
    kv: &KeyVaultServer,
    path: &std::path::Path,
    password: Option<&str>,
) -> AzureSettings {
    AzureSettings {
        auth: AzureAuth::ClientCertificate {
            tenant_id: TEST_TENANT_ID.into(),
            client_id: TEST_CLIENT_ID.into(),
            path: path.display().to_string(),
            password: password.map(|p| SecretValue::from(p.to_owned())),
        },
        ..settings(kv, Grouping::None)
    }
}

#[tokio::test]
async fn signs_in_with_a_certificate_from_a_pem_or_a_pfx_file() {
    let (cert, key) = certificate();
    let cert_pem = String::from_utf8(cert.to_pem().unwrap()).unwrap();
    let kv = KeyVaultServer::start(KeyVaultConfig {
        client_certificate_pem: Some(cert_pem.clone()),
        ..KeyVaultConfig::default()
    })
    .await;
    kv.set("db", "from-a-certificate", SetOptions::default());
    let dir = tempfile::tempdir().unwrap();

    // PEM: certificate + key in one file, the key unencrypted or with a passphrase.
    let pem = dir.path().join("app.pem");
    let key_pem = String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    std::fs::write(&pem, format!("{cert_pem}{key_pem}")).unwrap();
    let p = AzureKeyVault::connect("kv", with_certificate(&kv, &pem, None)).unwrap();
    assert_eq!(
        p.read(&reference("db"))
            .await
            .unwrap()
            .value
            .expose_secret(),
        "from-a-certificate"
    );
    assert!(
        p.check_access()
            .await
            .unwrap()
            .identity
            .contains("certificate")
    );

    // PFX with a password; a wrong password is refused naming the file.
    let pfx = dir.path().join("app.pfx");
    let bundle = openssl::pkcs12::Pkcs12::builder()
        .name("app")
        .pkey(&key)
        .cert(&cert)
        .build2("pfx-pass")
        .unwrap();
    std::fs::write(&pfx, bundle.to_der().unwrap()).unwrap();
    let p = AzureKeyVault::connect("kv", with_certificate(&kv, &pfx, Some("pfx-pass"))).unwrap();
    assert_eq!(
        p.read(&reference("db"))
            .await
            .unwrap()
            .value
            .expose_secret(),
        "from-a-certificate"
    );
    let e = AzureKeyVault::connect("kv", with_certificate(&kv, &pfx, Some("wrong"))).unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::InvalidSetting {
                field: "certificate_path",
                ..
            }
        ),
        "{e:?}"
    );

    // A certificate the app does not have: Entra ID's AADSTS700027 blames the certificate.
    let (other, other_key) = certificate();
    let stranger = dir.path().join("other.pem");
    std::fs::write(
        &stranger,
        [
            other.to_pem().unwrap(),
            other_key.private_key_to_pem_pkcs8().unwrap(),
        ]
        .concat(),
    )
    .unwrap();
    let p = AzureKeyVault::connect("kv", with_certificate(&kv, &stranger, None)).unwrap();
    match p.check_access().await.unwrap_err() {
        ProviderError::InvalidSetting { field, message } => {
            assert_eq!(field, "certificate_path");
            assert!(message.contains("AADSTS700027"), "{message}");
        }
        other => panic!("expected the certificate to be blamed, got {other:?}"),
    }
}
