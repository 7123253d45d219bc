//! Secrets managers: configure (non-secret settings in SQLite, credentials in the OS
//! keychain), test, browse, and read secrets by reference.

use std::collections::BTreeMap;
use std::sync::Arc;

use latchkey_core::{
    AuditOutcome, ExposeSecret, FieldError, FieldInput, ProviderConfig, ProviderKind, SecretRef,
    SecretValue, SecretsMode, ipc_type, secret_ref::is_valid_alias,
};
use latchkey_keychain::new_handle;
use latchkey_providers::aws::{AwsAuth, AwsSecretsManager, AwsSettings, check_region};
use latchkey_providers::azure::{AzureAuth, AzureKeyVault, AzureSettings, Grouping};
use latchkey_providers::vault::{Vault, VaultAuth, VaultSettings, check_address, parse_mounts};
use latchkey_providers::{
    AccessReport, Page, ProviderError, SecretDetails, SecretSummary, SecretsProvider,
};
use latchkey_store::NewProvider;
use serde::{Deserialize, Serialize};

use crate::scope::references;
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
/// How Latchkey signs in to Vault / OpenBao.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VaultAuthMethod {
    Token,
    AppRole,
    Userpass,
}
}

ipc_type! {
/// The Vault / OpenBao settings form as submitted.
#[derive(Debug, Deserialize)]
pub struct VaultForm {
    /// `https://vault.example.com:8200`.
    pub address: String,
    /// Empty for the root namespace; sent as `X-Vault-Namespace`.
    pub namespace: String,
    /// Path of a PEM file with the CA certificate to trust; empty for the system's.
    pub ca_cert: String,
    pub auth: VaultAuthMethod,
    /// The auth method's mount; empty for the default (`approle`, `userpass`).
    pub auth_mount: String,
    pub role_id: String,
    pub username: String,
    /// Secret parts: typed now, kept from before, or absent.
    pub token: Option<FieldInput>,
    pub secret_id: Option<FieldInput>,
    pub password: Option<FieldInput>,
    /// KV mounts to use when the server does not list them: "secret:2 legacy:1".
    pub mounts: String,
}
}

ipc_type! {
/// How Latchkey signs in to Entra ID for Azure Key Vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AzureAuthMethod {
    /// An app registration's client secret.
    ClientSecret,
    /// An app registration's certificate (PEM or PFX file).
    ClientCertificate,
    /// The signed-in Azure CLI (`az login`).
    AzureCli,
    /// The machine's managed identity.
    ManagedIdentity,
}
}

ipc_type! {
/// How the picker's tree groups a Key Vault's secrets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AzureGrouping {
    /// A flat list.
    #[default]
    None,
    /// Folders from a name separator (`group_by`, e.g. `-`).
    Separator,
    /// Folders from the value of a tag (`group_by` names the tag).
    Tag,
}
}

ipc_type! {
/// The Azure Key Vault settings form as submitted.
#[derive(Debug, Deserialize)]
pub struct AzureForm {
    /// `https://<name>.vault.azure.net/` (or a sovereign cloud's suffix).
    pub vault_url: String,
    pub auth: AzureAuthMethod,
    /// Directory (tenant) ID: client secret and certificate; optional for the Azure CLI.
    pub tenant_id: String,
    /// Application (client) ID; for a managed identity, a user-assigned one's (optional).
    pub client_id: String,
    /// Typed now, kept from before, or absent.
    pub client_secret: Option<FieldInput>,
    /// Path of the certificate file (PEM or PFX with the private key).
    pub certificate_path: String,
    /// The PFX's password, if it has one.
    pub certificate_password: Option<FieldInput>,
    /// Advanced: the Entra ID authority host; empty for the vault's cloud's.
    pub authority_host: String,
    /// Advanced: a PEM CA certificate to trust; empty for the system's.
    pub ca_cert: String,
    pub grouping: AzureGrouping,
    /// The separator (grouping by name) or the tag's name (grouping by tag).
    pub group_by: String,
}
}

ipc_type! {
/// A configured Azure Key Vault's settings as the UI sees them (never a secret).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AzureView {
    pub vault_url: String,
    pub auth: AzureAuthMethod,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret_stored: bool,
    pub certificate_path: String,
    pub certificate_password_stored: bool,
    pub authority_host: String,
    pub ca_cert: String,
    pub grouping: AzureGrouping,
    pub group_by: String,
}
}

ipc_type! {
/// How long a manager's values stay in the in-memory cache, and what happens when a
/// refresh fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachePolicy {
    /// Seconds a fetched value is served before it is fetched again; 0 = no caching.
    pub ttl_secs: u32,
    /// Keep serving the last good value (marked stale) when a refresh fails.
    pub stale_if_error: bool,
}
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            ttl_secs: 3600,
            stale_if_error: true,
        }
    }
}

impl CachePolicy {
    /// The policy stored with a manager (the default when none is).
    pub(crate) fn of(p: &ProviderConfig) -> Self {
        serde_json::from_value(p.settings["cache"].clone()).unwrap_or_default()
    }
}

ipc_type! {
/// A secrets manager as a form submits it: `aws`, `vault` or `azure`, exactly one.
#[derive(Debug, Deserialize)]
pub struct ProviderInput {
    pub alias: String,
    /// `None` for a workspace-level manager.
    pub project_id: Option<String>,
    pub aws: Option<AwsForm>,
    pub vault: Option<VaultForm>,
    #[serde(default)]
    pub azure: Option<AzureForm>,
    /// `None` keeps the stored policy (the default for a new manager).
    #[serde(default)]
    pub cache: Option<CachePolicy>,
}
}

ipc_type! {
/// A configured Vault's settings as the UI sees them (never a token, secret ID or password).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VaultView {
    pub address: String,
    pub namespace: String,
    pub ca_cert: String,
    pub auth: VaultAuthMethod,
    pub auth_mount: String,
    pub role_id: String,
    pub username: String,
    pub mounts: String,
    pub token_stored: bool,
    pub secret_id_stored: bool,
    pub password_stored: bool,
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
    pub vault: Option<VaultView>,
    pub azure: Option<AzureView>,
    pub cache: CachePolicy,
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
    /// Where the tree shows it when that is not its name (Azure grouping).
    pub path: Option<String>,
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
    pub updated: Option<String>,
    pub expires: Option<String>,
    pub not_before: Option<String>,
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
        path: s.path,
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
                    updated: v.updated,
                    expires: v.expires,
                    not_before: v.not_before,
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

/// The stored (non-secret) Vault settings.
#[derive(Debug, Serialize, Deserialize)]
struct VaultStored {
    address: String,
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    ca_cert: String,
    auth: VaultAuthMethod,
    #[serde(default)]
    auth_mount: String,
    #[serde(default)]
    role_id: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    mounts: String,
}

/// The stored (non-secret) Azure Key Vault settings.
#[derive(Debug, Serialize, Deserialize)]
struct AzureStored {
    vault_url: String,
    auth: AzureAuthMethod,
    #[serde(default)]
    tenant_id: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    certificate_path: String,
    /// Whether the certificate has a password (kept in the keychain).
    #[serde(default)]
    certificate_password: bool,
    #[serde(default)]
    authority_host: String,
    #[serde(default)]
    ca_cert: String,
    #[serde(default)]
    grouping: AzureGrouping,
    #[serde(default)]
    group_by: String,
}

/// A provider's checked, storable settings.
#[derive(Debug)]
enum Stored {
    Aws(AwsStored),
    Vault(VaultStored),
    Azure(AzureStored),
}

impl Stored {
    fn kind(&self) -> ProviderKind {
        match self {
            Self::Aws(_) => ProviderKind::AwsSecretsManager,
            Self::Vault(_) => ProviderKind::Vault,
            Self::Azure(_) => ProviderKind::AzureKeyVault,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Aws(a) => serde_json::to_value(a),
            Self::Vault(v) => serde_json::to_value(v),
            Self::Azure(a) => serde_json::to_value(a),
        }
        .expect("settings serialize")
    }

    fn from_config(p: &ProviderConfig) -> Result<Self> {
        let bad =
            |_| EngineError::Internal(format!("the settings of \"{}\" cannot be read", p.alias));
        match p.kind {
            ProviderKind::AwsSecretsManager => serde_json::from_value(p.settings.clone())
                .map(Self::Aws)
                .map_err(bad),
            ProviderKind::Vault => serde_json::from_value(p.settings.clone())
                .map(Self::Vault)
                .map_err(bad),
            ProviderKind::AzureKeyVault => serde_json::from_value(p.settings.clone())
                .map(Self::Azure)
                .map_err(bad),
            other => Err(EngineError::Internal(format!(
                "{} is not supported yet",
                other.label()
            ))),
        }
    }

    /// One line for the audit log (no secret).
    fn describe(&self) -> String {
        match self {
            Self::Aws(a) => format!(
                "AWS Secrets Manager ({:?} auth, region {})",
                a.auth, a.region
            ),
            Self::Vault(v) => format!("Vault {} ({:?} auth)", v.address, v.auth),
            Self::Azure(a) => format!("Azure Key Vault {} ({:?} auth)", a.vault_url, a.auth),
        }
    }
}

fn with_cache(mut settings: serde_json::Value, policy: CachePolicy) -> serde_json::Value {
    settings["cache"] = serde_json::to_value(policy).expect("policy serializes");
    settings
}

/// The keychain-held fields of each kind: (name, needed with these settings, prompt).
fn secret_fields(stored: &Stored) -> Vec<(&'static str, bool, &'static str)> {
    match stored {
        Stored::Aws(a) => vec![(
            SECRET_KEY,
            !a.access_key_id.is_empty()
                && matches!(a.auth, AwsAuthMethod::AccessKey | AwsAuthMethod::AssumeRole),
            "Enter the secret access key: it is kept in the OS keychain only.",
        )],
        Stored::Vault(v) => vec![
            (
                "token",
                v.auth == VaultAuthMethod::Token,
                "Enter the Vault token: it is kept in the OS keychain only.",
            ),
            (
                "secret_id",
                v.auth == VaultAuthMethod::AppRole,
                "Enter the AppRole secret ID: it is kept in the OS keychain only.",
            ),
            (
                "password",
                v.auth == VaultAuthMethod::Userpass,
                "Enter the password: it is kept in the OS keychain only.",
            ),
        ],
        Stored::Azure(a) => vec![
            (
                "client_secret",
                a.auth == AzureAuthMethod::ClientSecret,
                "Enter the client secret's value: it is kept in the OS keychain only.",
            ),
            (
                "certificate_password",
                a.auth == AzureAuthMethod::ClientCertificate && a.certificate_password,
                "Enter the certificate's password: it is kept in the OS keychain only.",
            ),
        ],
    }
}

/// Takes the typed secret parts out of a form, by field name.
fn take_secret_inputs(input: &mut ProviderInput) -> BTreeMap<&'static str, FieldInput> {
    let mut out = BTreeMap::new();
    if let Some(a) = input.aws.as_mut()
        && let Some(v) = a.secret_access_key.take()
    {
        out.insert(SECRET_KEY, v);
    }
    if let Some(f) = input.azure.as_mut() {
        for (name, v) in [
            ("client_secret", f.client_secret.take()),
            ("certificate_password", f.certificate_password.take()),
        ] {
            if let Some(v) = v {
                out.insert(name, v);
            }
        }
    }
    if let Some(f) = input.vault.as_mut() {
        for (name, v) in [
            ("token", f.token.take()),
            ("secret_id", f.secret_id.take()),
            ("password", f.password.take()),
        ] {
            if let Some(v) = v {
                out.insert(name, v);
            }
        }
    }
    out
}

const SECRET_KEY: &str = "secret_access_key";

fn view(p: &ProviderConfig, used_by: Vec<String>) -> ProviderView {
    let stored = Stored::from_config(p).ok();
    let has = |k: &str| p.keychain_handles.contains_key(k);
    let (mut aws, mut vault, mut azure) = (None, None, None);
    match stored {
        Some(Stored::Aws(a)) => {
            aws = Some(AwsView {
                region: a.region,
                endpoint_url: a.endpoint_url,
                auth: a.auth,
                profile: a.profile,
                access_key_id: a.access_key_id,
                secret_access_key_stored: has(SECRET_KEY),
                role_arn: a.role_arn,
            });
        }
        Some(Stored::Vault(v)) => {
            vault = Some(VaultView {
                address: v.address,
                namespace: v.namespace,
                ca_cert: v.ca_cert,
                auth: v.auth,
                auth_mount: v.auth_mount,
                role_id: v.role_id,
                username: v.username,
                mounts: v.mounts,
                token_stored: has("token"),
                secret_id_stored: has("secret_id"),
                password_stored: has("password"),
            });
        }
        Some(Stored::Azure(a)) => {
            azure = Some(AzureView {
                vault_url: a.vault_url,
                auth: a.auth,
                tenant_id: a.tenant_id,
                client_id: a.client_id,
                client_secret_stored: has("client_secret"),
                certificate_path: a.certificate_path,
                certificate_password_stored: has("certificate_password"),
                authority_host: a.authority_host,
                ca_cert: a.ca_cert,
                grouping: a.grouping,
                group_by: a.group_by,
            });
        }
        None => {}
    }
    ProviderView {
        id: p.id.clone(),
        alias: p.alias.clone(),
        kind: p.kind,
        kind_label: p.kind.label().into(),
        project_id: p.project_id.clone(),
        aws,
        vault,
        azure,
        cache: CachePolicy::of(p),
        used_by,
        created_at: p.created_at.clone(),
        updated_at: p.updated_at.clone(),
    }
}

/// Checks a form; returns the settings to store.
fn check_form(input: &ProviderInput) -> Result<Stored> {
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
    let stored = match (&input.aws, &input.vault, &input.azure) {
        (Some(a), None, None) => Some(Stored::Aws(check_aws(a, &mut err))),
        (None, Some(v), None) => Some(Stored::Vault(check_vault(v, &mut err))),
        (None, None, Some(z)) => Some(Stored::Azure(check_azure(z, &mut err))),
        _ => {
            err(
                "kind",
                "Choose one kind of secrets manager (AWS, Vault or Azure Key Vault).".into(),
            );
            None
        }
    };
    match stored {
        Some(s) if errors.is_empty() => Ok(s),
        _ => Err(EngineError::Validation(errors)),
    }
}

fn check_aws(a: &AwsForm, err: &mut impl FnMut(&str, String)) -> AwsStored {
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
    AwsStored {
        region: a.region.trim().into(),
        endpoint_url: endpoint.into(),
        auth: a.auth,
        profile: a.profile.trim().into(),
        access_key_id: a.access_key_id.trim().into(),
        role_arn: a.role_arn.trim().into(),
    }
}

/// A GUID as Entra ID shows tenant and client IDs (a tenant may also be a domain name).
fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn check_azure(z: &AzureForm, err: &mut impl FnMut(&str, String)) -> AzureStored {
    let vault_url = match latchkey_providers::azure::check_vault_url(&z.vault_url) {
        Ok(url) => url,
        Err(e) => {
            err("vault_url", e.to_string());
            z.vault_url.trim().to_owned()
        }
    };
    let tenant = z.tenant_id.trim();
    let client = z.client_id.trim();
    let app = matches!(
        z.auth,
        AzureAuthMethod::ClientSecret | AzureAuthMethod::ClientCertificate
    );
    if app && tenant.is_empty() {
        err(
            "tenant_id",
            "Enter the directory (tenant) ID: Entra ID › Overview, a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47.".into(),
        );
    } else if !tenant.is_empty() && !is_guid(tenant) && !tenant.contains('.') {
        err(
            "tenant_id",
            format!(
                "\"{tenant}\" is not a tenant ID: use the directory (tenant) ID, a GUID, or the tenant's domain (contoso.onmicrosoft.com)."
            ),
        );
    }
    if app && client.is_empty() {
        err(
            "client_id",
            "Enter the application (client) ID of the app registration (a GUID).".into(),
        );
    } else if !client.is_empty() && !is_guid(client) {
        err(
            "client_id",
            format!("\"{client}\" is not a client ID: use the application (client) ID, a GUID."),
        );
    }
    let path = z.certificate_path.trim();
    if z.auth == AzureAuthMethod::ClientCertificate && !std::path::Path::new(path).is_file() {
        err(
            "certificate_path",
            if path.is_empty() {
                "Enter the path of the certificate file (PEM or PFX, with its private key).".into()
            } else {
                format!(
                    "The file \"{path}\" does not exist: enter the certificate's path (PEM or PFX)."
                )
            },
        );
    }
    let authority = z.authority_host.trim().trim_end_matches('/');
    if !authority.is_empty() && !authority.starts_with("https://") {
        err(
            "authority_host",
            "The authority host starts with https:// (e.g. https://login.microsoftonline.com), or leave it empty for the vault's cloud.".into(),
        );
    }
    let ca = z.ca_cert.trim();
    if !ca.is_empty() && !std::path::Path::new(ca).is_file() {
        err(
            "ca_cert",
            format!(
                "The file \"{ca}\" does not exist: enter the path of the CA certificate (PEM), or leave it empty."
            ),
        );
    }
    let group_by = z.group_by.trim();
    match z.grouping {
        AzureGrouping::Separator if group_by.is_empty() || group_by.chars().any(|c| c.is_ascii_alphanumeric()) => err(
            "group_by",
            "Enter the separator that splits names into folders, such as - (Key Vault names allow only letters, digits and -).".into(),
        ),
        AzureGrouping::Tag if group_by.is_empty() => err(
            "group_by",
            "Enter the name of the tag whose value is the folder (e.g. team).".into(),
        ),
        _ => {}
    }
    let has_password = matches!(
        &z.certificate_password,
        Some(FieldInput::Literal { value }) if !value.expose_secret().is_empty()
    ) || matches!(z.certificate_password, Some(FieldInput::KeepLiteral));
    AzureStored {
        vault_url,
        auth: z.auth,
        tenant_id: tenant.into(),
        client_id: client.into(),
        certificate_path: path.into(),
        certificate_password: has_password,
        authority_host: authority.into(),
        ca_cert: ca.into(),
        grouping: z.grouping,
        group_by: group_by.into(),
    }
}

fn check_vault(v: &VaultForm, err: &mut impl FnMut(&str, String)) -> VaultStored {
    let address = v.address.trim().trim_end_matches('/');
    if let Err(ProviderError::InvalidSetting { message, .. }) = check_address(address) {
        err("address", message);
    }
    let ca = v.ca_cert.trim();
    if !ca.is_empty() && !std::path::Path::new(ca).is_file() {
        err(
            "ca_cert",
            format!(
                "The file \"{ca}\" does not exist: enter the path of the CA certificate (PEM), or leave it empty."
            ),
        );
    }
    if let Err(ProviderError::InvalidSetting { message, .. }) = parse_mounts(&v.mounts) {
        err("mounts", message);
    }
    match v.auth {
        VaultAuthMethod::AppRole if v.role_id.trim().is_empty() => {
            err("role_id", "Enter the AppRole role ID.".into())
        }
        VaultAuthMethod::Userpass if v.username.trim().is_empty() => {
            err("username", "Enter the username.".into())
        }
        _ => {}
    }
    VaultStored {
        address: address.into(),
        namespace: v.namespace.trim().trim_matches('/').into(),
        ca_cert: ca.into(),
        auth: v.auth,
        auth_mount: v.auth_mount.trim().trim_matches('/').into(),
        role_id: v.role_id.trim().into(),
        username: v.username.trim().into(),
        mounts: v.mounts.trim().into(),
    }
}

impl Engine {
    pub async fn list_providers(&self) -> Result<Vec<ProviderView>> {
        let managers = self.managers().await?;
        let connections = self.store.connections().list(None).await?;
        Ok(managers
            .providers
            .iter()
            .map(|p| {
                let used_by = connections
                    .iter()
                    .filter(|c| {
                        references(c).any(|(_, r)| {
                            managers
                                .find(&c.project_id, &r.provider)
                                .is_ok_and(|m| m.id == p.id)
                        })
                    })
                    .map(|c| c.name.clone())
                    .collect();
                view(p, used_by)
            })
            .collect())
    }

    /// The keychain handles to store: typed secrets go to the keychain now; kept ones
    /// reuse the existing handle. Returns (handles, handles written now).
    async fn credential_handles(
        &self,
        input: &mut ProviderInput,
        existing: Option<&ProviderConfig>,
        stored: &Stored,
    ) -> Result<(BTreeMap<String, String>, Vec<String>)> {
        let mut typed = take_secret_inputs(input);
        let mut handles = BTreeMap::new();
        let mut written = Vec::new();
        let mut outcome = Ok(());
        for (name, needed, prompt) in secret_fields(stored) {
            if !needed {
                continue;
            }
            let old = existing.and_then(|p| p.keychain_handles.get(name).cloned());
            match typed.remove(name) {
                Some(FieldInput::Literal { value }) if !value.expose_secret().is_empty() => {
                    let handle = new_handle("provider");
                    let h = handle.clone();
                    if let Err(e) = self.keychain(move |kc| kc.set(&h, &value)).await {
                        outcome = Err(e);
                        break;
                    }
                    written.push(handle.clone());
                    handles.insert(name.to_owned(), handle);
                }
                Some(FieldInput::KeepLiteral) if old.is_some() => {
                    handles.insert(name.to_owned(), old.expect("checked"));
                }
                _ => {
                    outcome = Err(EngineError::field(name, prompt));
                    break;
                }
            }
        }
        if let Err(e) = outcome {
            self.forget_credentials(written).await;
            return Err(e);
        }
        Ok((handles, written))
    }

    pub async fn create_provider(&self, mut input: ProviderInput) -> Result<ProviderView> {
        let stored = check_form(&input)?;
        self.check_project(input.project_id.as_deref()).await?;
        let (handles, written) = self.credential_handles(&mut input, None, &stored).await?;
        let new = NewProvider {
            alias: input.alias.trim().into(),
            kind: stored.kind(),
            project_id: input.project_id.clone(),
            settings: with_cache(stored.to_json(), input.cache.unwrap_or_default()),
            keychain_handles: handles,
        };
        match self.store.providers().create(&new).await {
            Ok(p) => {
                self.audit(
                    "provider.created",
                    format!("provider:{}", p.alias),
                    AuditOutcome::Ok,
                    stored.describe(),
                )
                .await;
                Ok(view(&p, Vec::new()))
            }
            Err(e) => {
                self.forget_credentials(written).await;
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
        if stored.kind() != before.kind {
            return Err(EngineError::field(
                "kind",
                "A secrets manager cannot change kind: add a new one instead.",
            ));
        }
        let (handles, written) = self
            .credential_handles(&mut input, Some(&before), &stored)
            .await?;
        let after = ProviderConfig {
            alias: input.alias.trim().into(),
            settings: with_cache(
                stored.to_json(),
                input.cache.unwrap_or_else(|| CachePolicy::of(&before)),
            ),
            keychain_handles: handles.clone(),
            ..before.clone()
        };
        match self.store.providers().update(&after).await {
            Ok(p) => {
                self.forget_provider(&p.id);
                let stale: Vec<String> = before
                    .keychain_handles
                    .values()
                    .filter(|h| !handles.values().any(|kept| kept == *h))
                    .cloned()
                    .collect();
                self.forget_credentials(stale).await;
                self.audit(
                    "provider.updated",
                    format!("provider:{}", p.alias),
                    AuditOutcome::Ok,
                    stored.describe(),
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
                self.forget_credentials(written).await;
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
        self.forget_provider(id);
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

    /// The scope a new manager asks for must exist and be the mode's.
    async fn check_project(&self, project_id: Option<&str>) -> Result<()> {
        if let Some(id) = project_id
            && self.store.projects().get(id).await.is_err()
        {
            return Err(EngineError::field(
                "project_id",
                "That project does not exist any more.",
            ));
        }
        match (self.store.settings().get().await?.secrets_mode, project_id) {
            (SecretsMode::Workspace, Some(_)) => Err(EngineError::field(
                "project_id",
                "Secrets management is in workspace mode: secrets managers belong to the workspace, not to a project. Switch to project mode first (Settings › Secrets management).",
            )),
            (SecretsMode::Project, None) => Err(EngineError::field(
                "project_id",
                "Secrets management is in project mode: choose the project this secrets manager belongs to.",
            )),
            _ => Ok(()),
        }
    }

    /// The AWS external ID of a scope: the project's in project mode, else the workspace's.
    pub(crate) async fn external_id(&self, project_id: Option<&str>) -> Result<String> {
        Ok(match project_id {
            Some(id) => self.store.projects().get(id).await?.aws_external_id,
            None => self.store.settings().get().await?.aws_external_id,
        })
    }

    /// Builds the client for a stored provider (no network call).
    /// The client of a stored manager: reused while its settings are unchanged (a Vault
    /// token, an AWS connection pool), built afresh after an edit.
    pub(crate) async fn client(&self, p: &ProviderConfig) -> Result<Arc<dyn SecretsProvider>> {
        let known = {
            let clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
            clients
                .get(&p.id)
                .filter(|(stamp, _)| *stamp == p.updated_at)
                .map(|(_, c)| Arc::clone(c))
        };
        if let Some(c) = known {
            return Ok(c);
        }
        let built = self.new_client(p).await?;
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p.id.clone(), (p.updated_at.clone(), Arc::clone(&built)));
        Ok(built)
    }

    /// Forgets a manager's client and cached values (after an edit or a delete).
    pub(crate) fn forget_provider(&self, id: &str) {
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        self.cache.clear(|k| k.provider_id != id);
    }

    pub(crate) async fn new_client(&self, p: &ProviderConfig) -> Result<Arc<dyn SecretsProvider>> {
        let stored = Stored::from_config(p)?;
        let mut secrets = BTreeMap::new();
        for (name, handle) in &p.keychain_handles {
            let h = handle.clone();
            secrets.insert(name.clone(), self.keychain(move |kc| kc.get(&h)).await?);
        }
        self.build_client(&p.alias, p.project_id.as_deref(), stored, secrets)
            .await
    }

    /// A client for settings (no network call); `project_id` is the manager's scope.
    async fn build_client(
        &self,
        alias: &str,
        project_id: Option<&str>,
        stored: Stored,
        mut secrets: BTreeMap<String, SecretValue>,
    ) -> Result<Arc<dyn SecretsProvider>> {
        let mut secret = |name: &'static str| {
            secrets.remove(name).ok_or_else(|| {
                EngineError::field(
                    name,
                    format!(
                        "The {} is missing from the keychain: enter it again.",
                        name.replace('_', " ")
                    ),
                )
            })
        };
        match stored {
            Stored::Aws(s) => {
                let external_id = self.external_id(project_id).await?;
                let auth = match s.auth {
                    AwsAuthMethod::DefaultChain => AwsAuth::DefaultChain,
                    AwsAuthMethod::Profile => AwsAuth::Profile { name: s.profile },
                    AwsAuthMethod::AccessKey => AwsAuth::AccessKey {
                        access_key_id: s.access_key_id,
                        secret_access_key: secret(SECRET_KEY)?,
                    },
                    AwsAuthMethod::AssumeRole => AwsAuth::AssumeRole {
                        role_arn: s.role_arn,
                        external_id,
                        source: match secret(SECRET_KEY) {
                            Ok(k) if !s.access_key_id.is_empty() => Some((s.access_key_id, k)),
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
            Stored::Vault(v) => {
                let mount = |default: &str| {
                    if v.auth_mount.is_empty() {
                        default.to_owned()
                    } else {
                        v.auth_mount.clone()
                    }
                };
                let auth = match v.auth {
                    VaultAuthMethod::Token => VaultAuth::Token(secret("token")?),
                    VaultAuthMethod::AppRole => VaultAuth::AppRole {
                        mount: mount("approle"),
                        role_id: v.role_id.clone(),
                        secret_id: secret("secret_id")?,
                    },
                    VaultAuthMethod::Userpass => VaultAuth::Userpass {
                        mount: mount("userpass"),
                        username: v.username.clone(),
                        password: secret("password")?,
                    },
                };
                let settings = VaultSettings {
                    address: v.address,
                    namespace: (!v.namespace.is_empty()).then_some(v.namespace),
                    ca_cert: (!v.ca_cert.is_empty()).then_some(v.ca_cert),
                    auth,
                    manual_mounts: parse_mounts(&v.mounts)?,
                };
                Ok(Arc::new(Vault::connect(alias, settings)?))
            }
            Stored::Azure(z) => {
                let tenant = z.tenant_id.clone();
                let auth = match z.auth {
                    AzureAuthMethod::ClientSecret => AzureAuth::ClientSecret {
                        tenant_id: tenant,
                        client_id: z.client_id.clone(),
                        secret: secret("client_secret")?,
                    },
                    AzureAuthMethod::ClientCertificate => AzureAuth::ClientCertificate {
                        tenant_id: tenant,
                        client_id: z.client_id.clone(),
                        path: z.certificate_path.clone(),
                        password: if z.certificate_password {
                            Some(secret("certificate_password")?)
                        } else {
                            None
                        },
                    },
                    AzureAuthMethod::AzureCli => AzureAuth::AzureCli {
                        tenant_id: (!tenant.is_empty()).then_some(tenant),
                    },
                    AzureAuthMethod::ManagedIdentity => AzureAuth::ManagedIdentity {
                        client_id: (!z.client_id.is_empty()).then(|| z.client_id.clone()),
                    },
                };
                let settings = AzureSettings {
                    vault_url: z.vault_url,
                    auth,
                    authority_host: (!z.authority_host.is_empty()).then_some(z.authority_host),
                    ca_cert: (!z.ca_cert.is_empty()).then_some(z.ca_cert),
                    grouping: match z.grouping {
                        AzureGrouping::None => Grouping::None,
                        AzureGrouping::Separator => Grouping::Separator(z.group_by),
                        AzureGrouping::Tag => Grouping::Tag(z.group_by),
                    },
                };
                Ok(Arc::new(AzureKeyVault::connect(alias, settings)?))
            }
        }
    }

    /// "Test" on the setup form: the effective identity and whether it can browse, for
    /// the settings as typed (`id` supplies stored secrets the form keeps).
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
        let mut secrets = BTreeMap::new();
        for (name, typed) in take_secret_inputs(&mut input) {
            match typed {
                FieldInput::Literal { value } => {
                    secrets.insert(name.to_owned(), value);
                }
                FieldInput::KeepLiteral => {
                    if let Some(h) = existing.as_ref().and_then(|p| p.keychain_handles.get(name)) {
                        let h = h.clone();
                        secrets.insert(name.to_owned(), self.keychain(move |kc| kc.get(&h)).await?);
                    }
                }
                _ => {}
            }
        }
        let client = self
            .build_client(
                input.alias.trim(),
                input.project_id.as_deref(),
                stored,
                secrets,
            )
            .await?;
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
}
