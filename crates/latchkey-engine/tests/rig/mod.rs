//! The engine tests' shared rig: secrets-manager forms for every kind from the kinds'
//! declared fields (no test builds a per-kind form by hand), and a workspace on a fresh
//! data folder with the real OS keychain.
#![allow(dead_code)]

use std::sync::Arc;

use latchkey_core::ProviderKind;
use latchkey_engine::{Engine, EngineError, ProviderInput};
use latchkey_keychain::OsKeychain;
use latchkey_testkit::moto::unique;

/// AWS Secrets Manager with an access key pair at `endpoint` (moto).
pub fn aws_key(alias: &str, endpoint: &str, key_id: &str, secret: Option<&str>) -> ProviderInput {
    let form = ProviderInput::new(
        alias,
        ProviderKind::AwsSecretsManager,
        &[
            ("region", "us-east-1"),
            ("endpoint_url", endpoint),
            ("auth", "access_key"),
            ("access_key_id", key_id),
        ],
    );
    match secret {
        Some(s) => form.secret("secret_access_key", s),
        None => form,
    }
}

/// AWS Secrets Manager assuming `role_arn` with a source key pair.
pub fn aws_assume(
    alias: &str,
    endpoint: &str,
    key_id: &str,
    secret: &str,
    role_arn: &str,
) -> ProviderInput {
    aws_key(alias, endpoint, key_id, Some(secret))
        .set("auth", "assume_role")
        .set("role_arn", role_arn)
}

/// AWS Secrets Manager through the default credential chain.
pub fn aws_default(alias: &str) -> ProviderInput {
    ProviderInput::new(
        alias,
        ProviderKind::AwsSecretsManager,
        &[("region", "us-east-1"), ("auth", "default_chain")],
    )
}

/// Vault / OpenBao with a token.
pub fn vault_token(alias: &str, address: &str, token: &str) -> ProviderInput {
    ProviderInput::new(
        alias,
        ProviderKind::Vault,
        &[("address", address), ("auth", "token")],
    )
    .secret("token", token)
}

/// Vault / OpenBao with an AppRole.
pub fn vault_approle(alias: &str, address: &str, role_id: &str, secret_id: &str) -> ProviderInput {
    ProviderInput::new(
        alias,
        ProviderKind::Vault,
        &[
            ("address", address),
            ("auth", "app_role"),
            ("role_id", role_id),
        ],
    )
    .secret("secret_id", secret_id)
}

/// Azure Key Vault with an Entra ID app's client secret, grouped by `-`.
pub fn azure_secret(
    alias: &str,
    vault_url: &str,
    tenant_id: &str,
    client_id: &str,
    secret: &str,
    authority_host: &str,
    ca_cert: &str,
) -> ProviderInput {
    ProviderInput::new(
        alias,
        ProviderKind::AzureKeyVault,
        &[
            ("vault_url", vault_url),
            ("auth", "client_secret"),
            ("tenant_id", tenant_id),
            ("client_id", client_id),
            ("authority_host", authority_host),
            ("ca_cert", ca_cert),
            ("grouping", "separator"),
            ("separator", "-"),
        ],
    )
    .secret("client_secret", secret)
}

/// A workspace on a fresh data folder, with its own keychain namespace.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub engine: Engine,
    keychain: String,
}

impl Workspace {
    pub async fn new(name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let keychain = unique(name);
        let engine = Engine::open(dir.path(), Arc::new(OsKeychain::new(keychain.clone())))
            .await
            .unwrap();
        Workspace {
            dir,
            engine,
            keychain,
        }
    }

    /// Another engine on the same workspace and keychain, as a second process has:
    /// nothing shared in memory.
    pub async fn reopen(&self) -> Engine {
        Engine::open(
            self.dir.path(),
            Arc::new(OsKeychain::new(self.keychain.clone())),
        )
        .await
        .unwrap()
    }

    /// The id of the workspace's first project ("Default").
    pub async fn project(&self) -> String {
        self.engine.list_projects().await.unwrap()[0]
            .project
            .id
            .clone()
    }
}

/// An engine on `dir` with a keychain namespace unique to this test run.
pub async fn open(dir: &std::path::Path, name: &str) -> Engine {
    let kc = Arc::new(OsKeychain::new(unique(name)));
    Engine::open(dir, kc).await.unwrap()
}

/// The fields a validation error names, in order.
pub fn fields(e: EngineError) -> Vec<String> {
    match e {
        EngineError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected validation, got {other:?}"),
    }
}
