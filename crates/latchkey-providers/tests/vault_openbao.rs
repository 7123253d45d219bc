//! HashiCorp Vault / OpenBao against OpenBao 2.7.2 dev servers (HTTP 127.0.0.1:8200,
//! HTTPS 127.0.0.1:8210), started and seeded by scripts/services.sh
//! (tests/fixtures/vault_seed.sh): KV v2 at `secret/` with versions (one deleted, one
//! destroyed), KV v1 at `kv1/`, a policy that reads `secret/data/apps/billing/*` only,
//! AppRole (`billing`, and `shortlived` with a 5-second token TTL), userpass, and a
//! namespace `team-a`.

use latchkey_core::{ExposeSecret, SecretRef, SecretValue, SecretVersion};
use latchkey_providers::vault::{KvMount, Vault, VaultAuth, VaultSettings};
use latchkey_providers::{ProviderError, SecretsProvider};
use latchkey_testkit::openbao::OpenBao;

fn settings(addr: String, auth: VaultAuth) -> VaultSettings {
    VaultSettings {
        address: addr,
        namespace: None,
        ca_cert: None,
        auth,
        manual_mounts: Vec::new(),
    }
}

fn root() -> Vault {
    let bao = OpenBao::load();
    let token = VaultAuth::Token(SecretValue::from(bao.root_token()));
    Vault::connect("bao", settings(bao.addr(), token)).unwrap()
}

fn approle(role: &str) -> Vault {
    let bao = OpenBao::load();
    let (role_id, secret_id) = bao.approle(role);
    let auth = VaultAuth::AppRole {
        mount: "approle".into(),
        role_id,
        secret_id: SecretValue::from(secret_id),
    };
    Vault::connect("bao-approle", settings(bao.addr(), auth)).unwrap()
}

fn r(path: &str) -> SecretRef {
    SecretRef::new("bao", path)
}

fn with_key(path: &str, key: &str) -> SecretRef {
    SecretRef {
        json_key: Some(key.into()),
        ..r(path)
    }
}

fn at_version(path: &str, v: &str, key: Option<&str>) -> SecretRef {
    SecretRef {
        version: Some(SecretVersion::Id(v.into())),
        json_key: key.map(Into::into),
        ..r(path)
    }
}

async fn names(p: &Vault, prefix: Option<&str>) -> Vec<String> {
    p.list(prefix, None)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.name)
        .collect()
}

#[tokio::test]
async fn kv_v2_and_kv_v1_side_by_side_browse_read_and_version() {
    let p = root();
    let mounts = p.mounts().await.unwrap();
    assert!(
        mounts.contains(&KvMount {
            path: "secret/".into(),
            version: 2
        }),
        "{mounts:?}"
    );
    assert!(
        mounts.contains(&KvMount {
            path: "kv1/".into(),
            version: 1
        }),
        "{mounts:?}"
    );

    // The tree: mounts → folders (LIST) → secrets.
    let top = names(&p, None).await;
    assert!(
        top.contains(&"secret/".to_owned()) && top.contains(&"kv1/".to_owned()),
        "{top:?}"
    );
    assert_eq!(
        names(&p, Some("secret/apps/")).await,
        ["secret/apps/billing/", "secret/apps/crm/"]
    );
    assert_eq!(
        names(&p, Some("secret/apps/billing/")).await,
        ["secret/apps/billing/api", "secret/apps/billing/db"]
    );
    assert_eq!(
        names(&p, Some("kv1/legacy/")).await,
        ["kv1/legacy/db", "kv1/legacy/nested/"]
    );
    // The filter narrows a folder's children by the rest of the prefix.
    assert_eq!(
        names(&p, Some("secret/apps/bil")).await,
        ["secret/apps/billing/"]
    );

    // Reads: current, an older version, a KV v1 secret, JSON keys.
    let pw = p
        .read(&with_key("secret/apps/billing/db", "password"))
        .await
        .unwrap();
    assert_eq!(pw.value.expose_secret(), "latchkey-test-pw");
    let old = p
        .read(&at_version("secret/apps/billing/db", "1", Some("password")))
        .await
        .unwrap();
    assert_eq!(old.value.expose_secret(), "old-password-v1");
    assert_eq!(old.version_id.as_deref(), Some("1"));
    let v1 = p
        .read(&with_key("kv1/legacy/db", "password"))
        .await
        .unwrap();
    assert_eq!(v1.value.expose_secret(), "canary-vault-kv1");
    assert_eq!(
        p.json_keys(&r("secret/apps/billing/db")).await.unwrap(),
        ["host", "password", "username"]
    );

    // Versions with their state: current, deleted, destroyed.
    let d = p.describe("secret/versions/demo").await.unwrap();
    let by_id = |id: &str| d.versions.iter().find(|v| v.id == id).unwrap();
    assert_eq!(d.versions.len(), 3);
    assert_eq!(by_id("3").stages, ["current"]);
    assert!(by_id("3").enabled);
    assert_eq!(by_id("2").stages, ["deleted"]);
    assert!(!by_id("2").enabled);
    assert_eq!(by_id("1").stages, ["destroyed"]);
    assert!(d.summary.last_changed.is_some());

    let deleted = p
        .read(&at_version("secret/versions/demo", "2", None))
        .await
        .unwrap_err();
    assert_eq!(deleted.code(), "version_gone", "{deleted}");
    assert!(deleted.to_string().contains("deleted on"), "{deleted}");
    assert!(deleted.to_string().contains("undelete"), "{deleted}");
    let destroyed = p
        .read(&at_version("secret/versions/demo", "1", None))
        .await
        .unwrap_err();
    assert_eq!(destroyed.code(), "version_gone");
    assert!(destroyed.to_string().contains("destroyed"), "{destroyed}");
}

#[tokio::test]
async fn bad_references_get_errors_that_name_the_fix() {
    let p = root();
    let missing = p.read(&r("secret/apps/billing/nope")).await.unwrap_err();
    assert_eq!(missing.code(), "secret_not_found", "{missing}");

    let unknown_mount = p.read(&r("nosuch/x")).await.unwrap_err();
    assert!(
        matches!(
            &unknown_mount,
            ProviderError::InvalidSetting { field: "mount", .. }
        ),
        "{unknown_mount:?}"
    );
    assert!(
        unknown_mount.to_string().contains("secret/ (v2)"),
        "lists the mounts: {unknown_mount}"
    );

    let stage = SecretRef {
        version: Some(SecretVersion::Stage("AWSCURRENT".into())),
        ..r("secret/apps/billing/db")
    };
    assert!(
        p.read(&stage)
            .await
            .unwrap_err()
            .to_string()
            .contains("?version=N")
    );

    let kv1_version = p
        .read(&at_version("kv1/legacy/db", "1", None))
        .await
        .unwrap_err();
    assert!(kv1_version.to_string().contains("KV v1"), "{kv1_version}");

    let key = p
        .read(&with_key("secret/apps/billing/db", "pasword"))
        .await
        .unwrap_err();
    assert_eq!(key.code(), "json_key_missing");
    let msg = key.to_string();
    assert!(msg.contains("host, password, username"), "{msg}");
    assert!(!msg.contains("latchkey-test-pw"), "never a value: {msg}");
}

#[tokio::test]
async fn approle_reads_its_path_and_a_neighbour_fails_with_the_policy_hint() {
    let p = approle("billing");
    // The token may not read sys/mounts: the mounts come from sys/internal/ui/mounts.
    let mounts = p.mounts().await.unwrap();
    assert!(
        mounts.iter().any(|m| m.path == "secret/" && m.version == 2),
        "{mounts:?}"
    );

    let pw = p
        .read(&with_key("secret/apps/billing/db", "password"))
        .await
        .unwrap();
    assert_eq!(pw.value.expose_secret(), "latchkey-test-pw");
    assert_eq!(p.logins(), 1);

    let denied = p
        .read(&with_key("secret/shared/smtp", "password"))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), "access_denied", "{denied}");
    let msg = denied.to_string();
    assert!(msg.contains("read on \"secret/data/shared/smtp\""), "{msg}");
    assert!(msg.contains("Vault policy"), "{msg}");
    assert!(!msg.contains("canary-vault-smtp"), "{msg}");

    let list_denied = p.list(Some("secret/apps/crm/"), None).await.unwrap_err();
    assert!(
        list_denied
            .to_string()
            .contains("list on \"secret/metadata/apps/crm/\""),
        "{list_denied}"
    );

    let check = p.check_access().await.unwrap();
    assert!(
        check.identity.contains("billing-read"),
        "{}",
        check.identity
    );
    assert!(check.can_list);
}

#[tokio::test]
async fn a_five_second_approle_token_expires_mid_run_and_the_provider_logs_in_again() {
    let p = approle("shortlived");
    let key = with_key("secret/apps/billing/db", "password");
    assert_eq!(
        p.read(&key).await.unwrap().value.expose_secret(),
        "latchkey-test-pw"
    );
    assert_eq!(p.logins(), 1);
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert_eq!(
        p.read(&key).await.unwrap().value.expose_secret(),
        "latchkey-test-pw",
        "the expired token was replaced without the caller noticing"
    );
    assert_eq!(p.logins(), 2);
}

#[tokio::test]
async fn a_renewable_token_is_renewed_before_it_runs_out() {
    let bao = OpenBao::load();
    let admin = vaultrs::client::VaultClient::new(
        vaultrs::client::VaultClientSettingsBuilder::default()
            .address(bao.addr())
            .token(bao.root_token())
            .build()
            .unwrap(),
    )
    .unwrap();
    // A renewable 6-second token: without renewal it is dead 9 seconds later.
    let mut opts = vaultrs::api::token::requests::CreateTokenRequest::builder();
    opts.ttl("6s").renewable(true);
    let token = vaultrs::token::new(&admin, Some(&mut opts))
        .await
        .unwrap()
        .client_token;
    let p = Vault::connect(
        "renewing",
        settings(bao.addr(), VaultAuth::Token(SecretValue::from(token))),
    )
    .unwrap();
    let key = with_key("secret/apps/billing/db", "password");
    for _ in 0..3 {
        assert_eq!(
            p.read(&key).await.unwrap().value.expose_secret(),
            "latchkey-test-pw"
        );
        tokio::time::sleep(std::time::Duration::from_millis(4500)).await;
    }
    assert_eq!(
        p.read(&key).await.unwrap().value.expose_secret(),
        "latchkey-test-pw"
    );
    assert!(p.renewals() >= 2, "renewed {} times", p.renewals());
}

#[tokio::test]
async fn wrong_approle_credentials_are_bad_credentials() {
    let bao = OpenBao::load();
    let (role_id, _) = bao.approle("billing");
    let auth = VaultAuth::AppRole {
        mount: "approle".into(),
        role_id,
        secret_id: SecretValue::from("canary-wrong-secret-id".to_owned()),
    };
    let p = Vault::connect("bad", settings(bao.addr(), auth)).unwrap();
    let e = p.read(&r("secret/apps/billing/db")).await.unwrap_err();
    assert_eq!(e.code(), "bad_credentials", "{e}");
    assert!(!e.to_string().contains("canary-wrong-secret-id"));
}

#[tokio::test]
async fn userpass_signs_in_and_reads() {
    let bao = OpenBao::load();
    let (username, password) = bao.userpass();
    let auth = VaultAuth::Userpass {
        mount: "userpass".into(),
        username,
        password: SecretValue::from(password),
    };
    let p = Vault::connect("bao-userpass", settings(bao.addr(), auth)).unwrap();
    let api = p
        .read(&with_key("secret/apps/billing/api", "token"))
        .await
        .unwrap();
    assert_eq!(api.value.expose_secret(), "canary-vault-api-token");
}

#[tokio::test]
async fn a_revoked_token_is_a_clear_error_not_a_hang() {
    let bao = OpenBao::load();
    // A child token of root, then revoked (through vaultrs, as an admin would).
    let admin = vaultrs::client::VaultClient::new(
        vaultrs::client::VaultClientSettingsBuilder::default()
            .address(bao.addr())
            .token(bao.root_token())
            .build()
            .unwrap(),
    )
    .unwrap();
    let child = vaultrs::token::new(&admin, None)
        .await
        .unwrap()
        .client_token;
    vaultrs::token::revoke(&admin, &child).await.unwrap();

    let token = VaultAuth::Token(SecretValue::from(child));
    let p = Vault::connect("revoked", settings(bao.addr(), token)).unwrap();
    let e = p.read(&r("secret/apps/billing/db")).await.unwrap_err();
    assert_eq!(e.code(), "bad_credentials", "{e}");
    assert!(e.to_string().contains("expired, was revoked"), "{e}");
}

#[tokio::test]
async fn a_namespace_sees_its_own_secrets_and_a_wrong_one_is_named() {
    let bao = OpenBao::load();
    let token = || VaultAuth::Token(SecretValue::from(bao.root_token()));
    let team = Vault::connect(
        "team",
        VaultSettings {
            namespace: Some(bao.namespace()),
            ..settings(bao.addr(), token())
        },
    )
    .unwrap();
    let v = team
        .read(&with_key("secret/only-in-team-a", "password"))
        .await
        .unwrap();
    assert_eq!(v.value.expose_secret(), "canary-vault-namespace");

    let outside = root().read(&r("secret/only-in-team-a")).await.unwrap_err();
    assert_eq!(outside.code(), "secret_not_found", "{outside}");

    let wrong = Vault::connect(
        "wrong-ns",
        VaultSettings {
            namespace: Some("does-not-exist".into()),
            ..settings(bao.addr(), token())
        },
    )
    .unwrap();
    let e = wrong.read(&r("secret/apps/billing/db")).await.unwrap_err();
    assert!(
        matches!(
            &e,
            ProviderError::InvalidSetting {
                field: "namespace",
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn https_is_trusted_with_the_ca_file_and_refused_without_it() {
    let bao = OpenBao::load();
    let (addr, ca) = bao.tls();
    let token = || VaultAuth::Token(SecretValue::from(bao.root_token()));
    let trusted = Vault::connect(
        "tls",
        VaultSettings {
            ca_cert: Some(ca.clone()),
            ..settings(addr.clone(), token())
        },
    )
    .unwrap();
    let v = trusted
        .read(&with_key("secret/tls/probe", "value"))
        .await
        .unwrap();
    assert_eq!(v.value.expose_secret(), "over-tls");

    let untrusted = Vault::connect("tls-no-ca", settings(addr, token())).unwrap();
    let e = untrusted.read(&r("secret/tls/probe")).await.unwrap_err();
    assert_eq!(e.code(), "tls_untrusted", "{e:?}");
    assert!(e.to_string().contains("CA certificate"), "{e}");

    let missing_file = Vault::connect(
        "tls-missing",
        VaultSettings {
            ca_cert: Some("/nonexistent/ca.pem".into()),
            ..settings("https://127.0.0.1:8210".into(), token())
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            &missing_file,
            ProviderError::InvalidSetting {
                field: "ca_cert",
                ..
            }
        ),
        "{missing_file:?}"
    );
}

#[tokio::test]
async fn a_sealed_server_says_so() {
    // A throwaway dev server of our own on 8220 (cluster port 8221), sealed.
    let mut server = std::process::Command::new("bao")
        .args([
            "server",
            "-dev",
            "-dev-root-token-id=root",
            "-dev-listen-address=127.0.0.1:8220",
            "-dev-no-store-token",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("bao on PATH (scripts/bootstrap.sh installs it)");
    let p = Vault::connect(
        "sealed",
        settings(
            "http://127.0.0.1:8220".into(),
            VaultAuth::Token(SecretValue::from("root".to_owned())),
        ),
    )
    .unwrap();
    let mut up = false;
    for _ in 0..50 {
        if p.check_access().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(up, "the throwaway server started");
    let sealed = std::process::Command::new("bao")
        .args(["operator", "seal"])
        .env("BAO_ADDR", "http://127.0.0.1:8220")
        .env("BAO_TOKEN", "root")
        .status()
        .unwrap();
    assert!(sealed.success());
    let e = p.read(&r("secret/anything")).await;
    server.kill().ok();
    server.wait().ok();
    let e = e.unwrap_err();
    assert_eq!(e.code(), "sealed", "{e:?}");
    assert!(e.to_string().contains("unseal"), "{e}");
}

#[tokio::test]
async fn an_unreachable_server_fails_fast_with_the_address() {
    let p = Vault::connect(
        "down",
        settings(
            "http://127.0.0.1:8299".into(),
            VaultAuth::Token(SecretValue::from("x".to_owned())),
        ),
    )
    .unwrap();
    let e = p.read(&r("secret/x")).await.unwrap_err();
    assert_eq!(e.code(), "unreachable", "{e:?}");
    assert!(e.to_string().contains("127.0.0.1:8299"), "{e}");
}
