//! Secrets managers: configure (non-secret settings in SQLite, credentials in the OS
//! keychain), test, browse, and read secrets by reference.

use std::collections::BTreeMap;
use std::sync::Arc;

use latchkey_core::{
    AuditOutcome, ExposeSecret, FieldError, FieldInput, FieldValue, ProviderConfig, ProviderKind,
    SecretRef, SecretValue, ipc_type, secret_ref::is_valid_alias,
};
use latchkey_keychain::new_handle;
use latchkey_providers::aws::{AwsAuth, AwsSecretsManager, AwsSettings, check_region};
use latchkey_providers::{
    AccessReport, Page, ProviderError, SecretDetails, SecretSummary, SecretsProvider,
};
use latchkey_store::NewProvider;
use serde::{Deserialize, Serialize};

use crate::{Engine, EngineError, Result};

ipc_type! {
/// How Latchkey signs in to AWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AwsAuthMethod {
    /// Environment, shared profile, SSO, instance role.
    DefaultChain,
    Profile,
    AccessKey,
    AssumeRole,
}
}

ipc_type! {
/// The AWS settings form as submitted.
#[derive(Debug, Deserialize)]
pub struct AwsForm {
    pub region: String,
    /// Empty for AWS itself; a URL for a compatible endpoint (tests use moto).
    pub endpoint_url: String,
    pub auth: AwsAuthMethod,
    pub profile: String,
    /// For `access_key`, and for `assume_role` when the source credentials are a key pair.
    pub access_key_id: String,
    /// The secret half of the key pair: typed now, kept from before, or absent.
    pub secret_access_key: Option<FieldInput>,
    pub role_arn: String,
}
}

ipc_type! {
/// A secrets manager as a form submits it.
#[derive(Debug, Deserialize)]
pub struct ProviderInput {
    pub alias: String,
    /// `None` for a workspace-level manager.
    pub project_id: Option<String>,
    pub aws: AwsForm,
}
}

ipc_type! {
/// A configured AWS provider's settings as the UI sees them (never the secret key).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AwsView {
    pub region: String,
    pub endpoint_url: String,
    pub auth: AwsAuthMethod,
    pub profile: String,
    pub access_key_id: String,
    pub secret_access_key_stored: bool,
    pub role_arn: String,
}
}

ipc_type! {
/// A secrets manager as the UI sees it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProviderView {
    pub id: String,
    pub alias: String,
    pub kind: ProviderKind,
    pub kind_label: String,
    pub project_id: Option<String>,
    pub aws: Option<AwsView>,
    /// Names of the connections whose fields reference this manager.
    pub used_by: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}
}

ipc_type! {
/// The result of a provider's "Test".
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProviderCheck {
    pub identity: String,
    pub can_list: bool,
    pub list_error: Option<String>,
}
}

ipc_type! {
/// One secret in a listing (metadata only).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecretItem {
    pub name: String,
    pub id: String,
    pub description: Option<String>,
    pub last_changed: Option<String>,
    pub last_rotated: Option<String>,
    pub rotation_enabled: bool,
    pub tags: Vec<(String, String)>,
}
}

ipc_type! {
/// A page of secrets.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecretPage {
    pub items: Vec<SecretItem>,
    pub next: Option<String>,
}
}

ipc_type! {
/// A version of a secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecretVersionItem {
    pub id: String,
    pub stages: Vec<String>,
    pub created: Option<String>,
    pub enabled: bool,
}
}

ipc_type! {
/// A secret's metadata and versions.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecretInfo {
    pub secret: SecretItem,
    pub versions: Vec<SecretVersionItem>,
}
}

fn item(s: SecretSummary) -> SecretItem {
    SecretItem {
        name: s.name,
        id: s.id,
        description: s.description,
        last_changed: s.last_changed,
        last_rotated: s.last_rotated,
        rotation_enabled: s.rotation_enabled,
        tags: s.tags,
    }
}

impl From<Page<SecretSummary>> for SecretPage {
    fn from(p: Page<SecretSummary>) -> Self {
        Self {
            items: p.items.into_iter().map(item).collect(),
            next: p.next,
        }
    }
}

impl From<SecretDetails> for SecretInfo {
    fn from(d: SecretDetails) -> Self {
        Self {
            secret: item(d.summary),
            versions: d
                .versions
                .into_iter()
                .map(|v| SecretVersionItem {
                    id: v.id,
                    stages: v.stages,
                    created: v.created,
                    enabled: v.enabled,
                })
                .collect(),
        }
    }
}

impl From<ProviderError> for EngineError {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::InvalidSetting { field, message } => EngineError::field(field, message),
            other => EngineError::Provider(other),
        }
    }
}

/// The stored (non-secret) AWS settings.
#[derive(Debug, Serialize, Deserialize)]
struct AwsStored {
    region: String,
    #[serde(default)]
    endpoint_url: String,
    auth: AwsAuthMethod,
    #[serde(default)]
    profile: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    role_arn: String,
}

const SECRET_KEY: &str = "secret_access_key";

fn view(p: &ProviderConfig, used_by: Vec<String>) -> ProviderView {
    let aws = serde_json::from_value::<AwsStored>(p.settings.clone())
        .ok()
        .map(|a| AwsView {
            region: a.region,
            endpoint_url: a.endpoint_url,
            auth: a.auth,
            profile: a.profile,
            access_key_id: a.access_key_id,
            secret_access_key_stored: p.keychain_handles.contains_key(SECRET_KEY),
            role_arn: a.role_arn,
        });
    ProviderView {
        id: p.id.clone(),
        alias: p.alias.clone(),
        kind: p.kind,
        kind_label: p.kind.label().into(),
        project_id: p.project_id.clone(),
        aws,
        used_by,
        created_at: p.created_at.clone(),
        updated_at: p.updated_at.clone(),
    }
}

/// Checks a form; returns the settings to store.
fn check_form(input: &ProviderInput) -> Result<AwsStored> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let alias = input.alias.trim();
    if !is_valid_alias(alias) {
        err(
            "alias",
            "The alias names this manager in references (secret://ALIAS/...): use 1–64 letters, digits, `_`, `.` or `-`, starting with a letter or digit.".into(),
        );
    }
    let a = &input.aws;
    if let Err(ProviderError::InvalidSetting { message, .. }) = check_region(a.region.trim()) {
        err("region", message);
    }
    let endpoint = a.endpoint_url.trim();
    if !(endpoint.is_empty() || endpoint.starts_with("https://") || endpoint.starts_with("http://"))
    {
        err(
            "endpoint_url",
            "The endpoint URL must start with https:// (or http:// for a local test server)."
                .into(),
        );
    }
    match a.auth {
        AwsAuthMethod::Profile if a.profile.trim().is_empty() => err(
            "profile",
            "Enter the name of a profile from ~/.aws/config.".into(),
        ),
        AwsAuthMethod::AccessKey if a.access_key_id.trim().is_empty() => err(
            "access_key_id",
            "Enter the access key ID (it starts with AKIA or ASIA).".into(),
        ),
        AwsAuthMethod::AssumeRole => {
            if let Err(e) = latchkey_providers::aws::check_role_arn(a.role_arn.trim()) {
                err("role_arn", e.to_string());
            }
        }
        _ => {}
    }
    if errors.is_empty() {
        Ok(AwsStored {
            region: a.region.trim().into(),
            endpoint_url: endpoint.into(),
            auth: a.auth,
            profile: a.profile.trim().into(),
            access_key_id: a.access_key_id.trim().into(),
            role_arn: a.role_arn.trim().into(),
        })
    } else {
        Err(EngineError::Validation(errors))
    }
}

impl Engine {
    pub async fn list_providers(&self) -> Result<Vec<ProviderView>> {
        let providers = self.store.providers().list().await?;
        let connections = self.store.connections().list(None).await?;
        Ok(providers
            .iter()
            .map(|p| {
                let used_by = connections
                    .iter()
                    .filter(|c| {
                        c.fields.values().any(|f| matches!(f, FieldValue::Secret { reference } if reference.provider.eq_ignore_ascii_case(&p.alias)))
                    })
                    .map(|c| c.name.clone())
                    .collect();
                view(p, used_by)
            })
            .collect())
    }

    /// The secret access key to store: a typed one goes to the keychain now; a kept one
    /// is the existing handle. Returns (handle, written now).
    async fn secret_key_handle(
        &self,
        input: &mut ProviderInput,
        existing: Option<&ProviderConfig>,
        stored: &AwsStored,
    ) -> Result<(Option<String>, Option<String>)> {
        let needs_key = !stored.access_key_id.is_empty()
            && matches!(
                stored.auth,
                AwsAuthMethod::AccessKey | AwsAuthMethod::AssumeRole
            );
        let old = existing.and_then(|p| p.keychain_handles.get(SECRET_KEY).cloned());
        match input.aws.secret_access_key.take() {
            Some(FieldInput::Literal { value }) if needs_key => {
                if value.expose_secret().is_empty() {
                    return Err(EngineError::field(
                        "secret_access_key",
                        "Enter the secret access key.",
                    ));
                }
                let handle = new_handle("provider");
                let h = handle.clone();
                self.keychain(move |kc| kc.set(&h, &value)).await?;
                Ok((Some(handle.clone()), Some(handle)))
            }
            Some(FieldInput::KeepLiteral) if needs_key && old.is_some() => Ok((old, None)),
            _ if needs_key => Err(EngineError::field(
                "secret_access_key",
                "Enter the secret access key: it is kept in the OS keychain only.",
            )),
            _ => Ok((None, None)),
        }
    }

    pub async fn create_provider(&self, mut input: ProviderInput) -> Result<ProviderView> {
        let stored = check_form(&input)?;
        self.check_project(input.project_id.as_deref()).await?;
        let (handle, written) = self.secret_key_handle(&mut input, None, &stored).await?;
        let new = NewProvider {
            alias: input.alias.trim().into(),
            kind: ProviderKind::AwsSecretsManager,
            project_id: input.project_id.clone(),
            settings: serde_json::to_value(&stored).expect("settings serialize"),
            keychain_handles: handle
                .map(|h| BTreeMap::from([(SECRET_KEY.to_owned(), h)]))
                .unwrap_or_default(),
        };
        match self.store.providers().create(&new).await {
            Ok(p) => {
                let detail = format!(
                    "{} ({:?} auth, region {})",
                    p.kind.label(),
                    stored.auth,
                    stored.region
                );
                self.audit(
                    "provider.created",
                    format!("provider:{}", p.alias),
                    AuditOutcome::Ok,
                    detail,
                )
                .await;
                Ok(view(&p, Vec::new()))
            }
            Err(e) => {
                self.forget_credentials(written.into_iter().collect()).await;
                Err(e.into())
            }
        }
    }

    pub async fn update_provider(
        &self,
        id: &str,
        mut input: ProviderInput,
    ) -> Result<ProviderView> {
        let before = self.store.providers().get(id).await?;
        let stored = check_form(&input)?;
        let (handle, written) = self
            .secret_key_handle(&mut input, Some(&before), &stored)
            .await?;
        let after = ProviderConfig {
            alias: input.alias.trim().into(),
            settings: serde_json::to_value(&stored).expect("settings serialize"),
            keychain_handles: handle
                .clone()
                .map(|h| BTreeMap::from([(SECRET_KEY.to_owned(), h)]))
                .unwrap_or_default(),
            ..before.clone()
        };
        match self.store.providers().update(&after).await {
            Ok(p) => {
                let stale: Vec<String> = before
                    .keychain_handles
                    .values()
                    .filter(|h| Some(*h) != handle.as_ref())
                    .cloned()
                    .collect();
                self.forget_credentials(stale).await;
                self.audit(
                    "provider.updated",
                    format!("provider:{}", p.alias),
                    AuditOutcome::Ok,
                    String::new(),
                )
                .await;
                let used_by = self
                    .list_providers()
                    .await?
                    .into_iter()
                    .find(|v| v.id == p.id)
                    .map(|v| v.used_by);
                Ok(view(&p, used_by.unwrap_or_default()))
            }
            Err(e) => {
                self.forget_credentials(written.into_iter().collect()).await;
                Err(e.into())
            }
        }
    }

    /// Deletes a manager that no connection uses.
    pub async fn delete_provider(&self, id: &str) -> Result<()> {
        let views = self.list_providers().await?;
        let v = views.iter().find(|v| v.id == id).ok_or_else(|| {
            EngineError::NotFound("That secrets manager no longer exists: reload the list.".into())
        })?;
        if !v.used_by.is_empty() {
            return Err(EngineError::InUse(format!(
                "\"{}\" is used by {}: point those fields elsewhere first.",
                v.alias,
                v.used_by.join(", ")
            )));
        }
        let p = self.store.providers().get(id).await?;
        self.store.providers().delete(id).await?;
        self.forget_credentials(p.keychain_handles.values().cloned().collect())
            .await;
        self.audit(
            "provider.deleted",
            format!("provider:{}", p.alias),
            AuditOutcome::Ok,
            String::new(),
        )
        .await;
        Ok(())
    }

    async fn check_project(&self, project_id: Option<&str>) -> Result<()> {
        if let Some(id) = project_id
            && self.store.projects().get(id).await.is_err()
        {
            return Err(EngineError::field(
                "project_id",
                "That project does not exist any more.",
            ));
        }
        Ok(())
    }

    /// Builds the client for a stored provider (no network call).
    pub(crate) async fn client(&self, p: &ProviderConfig) -> Result<Arc<dyn SecretsProvider>> {
        let stored: AwsStored = serde_json::from_value(p.settings.clone()).map_err(|_| {
            EngineError::Internal(format!("the settings of \"{}\" cannot be read", p.alias))
        })?;
        let key = match p.keychain_handles.get(SECRET_KEY) {
            Some(h) => {
                let h = h.clone();
                Some(self.keychain(move |kc| kc.get(&h)).await?)
            }
            None => None,
        };
        self.aws_client(&p.alias, stored, key).await
    }

    async fn aws_client(
        &self,
        alias: &str,
        s: AwsStored,
        key: Option<SecretValue>,
    ) -> Result<Arc<dyn SecretsProvider>> {
        let external_id = self.store.settings().get().await?.aws_external_id;
        let auth = match s.auth {
            AwsAuthMethod::DefaultChain => AwsAuth::DefaultChain,
            AwsAuthMethod::Profile => AwsAuth::Profile { name: s.profile },
            AwsAuthMethod::AccessKey => AwsAuth::AccessKey {
                access_key_id: s.access_key_id,
                secret_access_key: key.ok_or_else(|| {
                    EngineError::field(
                        "secret_access_key",
                        "The secret access key is missing from the keychain: enter it again.",
                    )
                })?,
            },
            AwsAuthMethod::AssumeRole => AwsAuth::AssumeRole {
                role_arn: s.role_arn,
                external_id,
                source: match key {
                    Some(k) if !s.access_key_id.is_empty() => Some((s.access_key_id, k)),
                    _ => None,
                },
            },
        };
        let settings = AwsSettings {
            region: s.region,
            endpoint_url: (!s.endpoint_url.is_empty()).then_some(s.endpoint_url),
            auth,
        };
        Ok(Arc::new(AwsSecretsManager::connect(alias, settings).await?))
    }

    /// "Test" on the setup form: the effective identity and a one-item listing, for the
    /// settings as typed (`id` supplies a stored secret key the form keeps).
    pub async fn test_provider(
        &self,
        id: Option<&str>,
        mut input: ProviderInput,
    ) -> Result<ProviderCheck> {
        let stored = check_form(&input)?;
        let existing = match id {
            Some(id) => Some(self.store.providers().get(id).await?),
            None => None,
        };
        let key = match input.aws.secret_access_key.take() {
            Some(FieldInput::Literal { value }) => Some(value),
            Some(FieldInput::KeepLiteral) => match existing
                .as_ref()
                .and_then(|p| p.keychain_handles.get(SECRET_KEY))
            {
                Some(h) => {
                    let h = h.clone();
                    Some(self.keychain(move |kc| kc.get(&h)).await?)
                }
                None => None,
            },
            _ => None,
        };
        let client = self.aws_client(input.alias.trim(), stored, key).await?;
        let started = std::time::Instant::now();
        let result = client.check_access().await;
        let (outcome, detail) = match &result {
            Ok(r) => (AuditOutcome::Ok, format!("identity {}", r.identity)),
            Err(e) => (AuditOutcome::Failed, e.to_string()),
        };
        let detail = format!("{detail} ({} ms)", started.elapsed().as_millis());
        self.audit(
            "provider.tested",
            format!("provider:{}", input.alias.trim()),
            outcome,
            detail,
        )
        .await;
        let AccessReport {
            identity,
            can_list,
            list_error,
        } = result?;
        Ok(ProviderCheck {
            identity,
            can_list,
            list_error,
        })
    }

    async fn provider_by_id(&self, id: &str) -> Result<(ProviderConfig, Arc<dyn SecretsProvider>)> {
        let p = self.store.providers().get(id).await?;
        let client = self.client(&p).await?;
        Ok((p, client))
    }

    /// One page of a manager's secrets, filtered by name prefix on the server.
    pub async fn list_secrets(
        &self,
        provider_id: &str,
        prefix: Option<String>,
        page: Option<String>,
    ) -> Result<SecretPage> {
        let (_, client) = self.provider_by_id(provider_id).await?;
        Ok(client
            .list(prefix.as_deref().filter(|p| !p.is_empty()), page)
            .await?
            .into())
    }

    pub async fn describe_secret(&self, provider_id: &str, name: &str) -> Result<SecretInfo> {
        let (_, client) = self.provider_by_id(provider_id).await?;
        Ok(client.describe(name).await?.into())
    }

    /// The top-level JSON keys of a secret version (names only: values never leave the engine).
    pub async fn secret_json_keys(
        &self,
        provider_id: &str,
        name: &str,
        version: Option<String>,
    ) -> Result<Vec<String>> {
        let (p, client) = self.provider_by_id(provider_id).await?;
        let mut r = SecretRef::new(p.alias.clone(), name);
        r.version = version.map(latchkey_core::SecretVersion::Id);
        let started = std::time::Instant::now();
        let keys = client.json_keys(&r).await;
        let outcome = if keys.is_ok() {
            AuditOutcome::Ok
        } else {
            AuditOutcome::Failed
        };
        let detail = format!(
            "key names listed for the picker ({} ms)",
            started.elapsed().as_millis()
        );
        self.audit("secret.read", r.to_string(), outcome, detail)
            .await;
        Ok(keys?)
    }

    /// The provider a reference names, by alias.
    pub(crate) async fn provider_for(
        &self,
        r: &SecretRef,
    ) -> Result<(ProviderConfig, Arc<dyn SecretsProvider>)> {
        let all = self.store.providers().list().await?;
        let p = all.into_iter().find(|p| p.alias.eq_ignore_ascii_case(&r.provider)).ok_or_else(|| {
            EngineError::Provider(ProviderError::InvalidSetting {
                field: "provider",
                message: format!(
                    "No secrets manager has the alias \"{}\": add it under Secrets managers, or fix the reference.",
                    r.provider
                ),
            })
        })?;
        let client = self.client(&p).await?;
        Ok((p, client))
    }
}
