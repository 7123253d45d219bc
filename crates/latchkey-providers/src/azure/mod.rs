//! Azure Key Vault through Microsoft's official SDK (`azure_security_keyvault_secrets`
//! with `azure_identity`): an Entra ID app's client secret or certificate, the Azure
//! CLI's login, or a managed identity.
//!
//! Key Vault names allow only letters, digits and `-`, so the picker's tree comes from
//! a grouping chosen in the settings: by a name separator (`billing-db-password` →
//! `billing/db/password`, two folder levels at most) or by a tag's value. Key Vault has
//! no server-side name filter: a listing pages through `nextLink` (25 a page, the
//! service's maximum) and filters here, a bounded number of pages per call.
//!
//! Every call goes through one reqwest client with bounded connect and request
//! timeouts (and the CA of a private endpoint when one is set); throttling (429) is
//! retried as the service's `Retry-After` asks, a few times, within a bounded total.

mod errors;
pub mod kind;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::pager::{PagerContinuation, PagerOptions};
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientCertificateCredential,
    ClientCertificateCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
};
use azure_security_keyvault_secrets::models::{
    SecretAttributes, SecretClientGetSecretOptions, SecretClientListSecretPropertiesOptions,
    SecretClientListSecretPropertiesVersionsOptions, SecretProperties,
};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
use futures::TryStreamExt;
use latchkey_core::{ExposeSecret, SecretRef, SecretValue, SecretVersion};
use time::OffsetDateTime;

use crate::{
    AccessReport, Page, ProviderError, Resolved, Result, SecretDetails, SecretSummary,
    SecretsProvider, VersionInfo, WatchInfo, WatchReport, WatchTarget, select_json_key, watch_each,
};

/// Secrets per page Key Vault returns at most.
const SERVICE_PAGE: i32 = 25;
/// Items the picker asks for per page.
const PICKER_PAGE: usize = 100;
/// Vault pages one filtered listing call reads at most before handing back a token.
const MAX_PAGES_PER_CALL: usize = 20;
/// Attempts for a throttled call (the first and the retries).
pub const MAX_ATTEMPTS: u32 = 4;

/// Known Key Vault DNS suffixes, by cloud.
const CLOUDS: [(&str, &str); 3] = [
    (".vault.azure.net", "https://login.microsoftonline.com"),
    (".vault.azure.cn", "https://login.chinacloudapi.cn"),
    (
        ".vault.usgovcloudapi.net",
        "https://login.microsoftonline.us",
    ),
];

/// How Latchkey signs in to Entra ID.
pub enum AzureAuth {
    /// An app registration's client secret.
    ClientSecret {
        tenant_id: String,
        client_id: String,
        secret: SecretValue,
    },
    /// An app registration's certificate (PEM or PFX file with its private key).
    ClientCertificate {
        tenant_id: String,
        client_id: String,
        path: String,
        password: Option<SecretValue>,
    },
    /// The signed-in Azure CLI (`az login`).
    AzureCli { tenant_id: Option<String> },
    /// The machine's managed identity (system-assigned, or a user-assigned client ID).
    ManagedIdentity { client_id: Option<String> },
}

/// How the picker's tree groups secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grouping {
    /// A flat list.
    None,
    /// Folders from a name separator such as `-` (two levels at most).
    Separator(String),
    /// Folders from the value of a tag.
    Tag(String),
}

/// Settings of one Azure Key Vault.
pub struct AzureSettings {
    /// `https://<name>.vault.azure.net/` (or a sovereign cloud's suffix).
    pub vault_url: String,
    pub auth: AzureAuth,
    /// The Entra ID authority to sign in at; `None` = the vault's cloud's.
    pub authority_host: Option<String>,
    /// A PEM CA certificate to trust (a private endpoint behind a corporate CA).
    pub ca_cert: Option<String>,
    pub grouping: Grouping,
}

/// Checks a vault URL: `https://NAME.vault.azure.net/` or a sovereign cloud's suffix
/// (or an HTTPS loopback address, for a local test vault). Returns it normalised with
/// one trailing slash.
pub fn check_vault_url(url: &str) -> Result<String> {
    let bad = |message: String| ProviderError::InvalidSetting {
        field: "vault_url",
        message,
    };
    let url = url.trim();
    let rest = url.strip_prefix("https://").ok_or_else(|| {
        bad("The vault URL starts with https:// (e.g. https://my-vault.vault.azure.net/).".into())
    })?;
    let host = rest.trim_end_matches('/');
    if host.contains('/') || host.is_empty() {
        return Err(bad(format!(
            "\"{url}\" is not a vault URL: use https://<vault-name>.vault.azure.net/ (no path)."
        )));
    }
    if is_loopback(host) {
        return Ok(format!("https://{host}/"));
    }
    let Some((suffix, _)) = CLOUDS.iter().find(|(s, _)| host.ends_with(s)) else {
        return Err(bad(format!(
            "\"{host}\" is not a Key Vault host: it ends with .vault.azure.net (or .vault.azure.cn, .vault.usgovcloudapi.net for the sovereign clouds)."
        )));
    };
    let name = &host[..host.len() - suffix.len()];
    let valid = (3..=24).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.contains("--");
    if !valid {
        return Err(bad(format!(
            "\"{name}\" is not a valid vault name: 3–24 letters, digits and single hyphens, starting with a letter."
        )));
    }
    Ok(format!("https://{host}/"))
}

fn is_loopback(host: &str) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    name == "127.0.0.1" || name == "localhost" || name == "[::1]"
}

/// The Entra ID authority for a vault URL.
fn authority_for(vault_url: &str) -> &'static str {
    CLOUDS
        .iter()
        .find(|(suffix, _)| vault_url.trim_end_matches('/').ends_with(suffix))
        .map_or(CLOUDS[0].1, |(_, authority)| authority)
}

/// One configured Azure Key Vault.
pub struct AzureKeyVault {
    alias: String,
    vault_url: String,
    client: SecretClient,
    identity: String,
    grouping: Grouping,
    calls: Arc<AtomicU64>,
}

impl std::fmt::Debug for AzureKeyVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureKeyVault")
            .field("alias", &self.alias)
            .field("vault_url", &self.vault_url)
            .finish_non_exhaustive()
    }
}

impl AzureKeyVault {
    /// Builds the client (no network call; a certificate file is read now).
    pub fn connect(alias: &str, settings: AzureSettings) -> Result<Self> {
        let vault_url = check_vault_url(&settings.vault_url)?;
        let calls = Arc::new(AtomicU64::new(0));
        let mut http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20));
        if let Some(path) = &settings.ca_cert {
            let pem = std::fs::read(path).map_err(|e| ProviderError::InvalidSetting {
                field: "ca_cert",
                message: format!("Cannot read the CA certificate \"{path}\": {e}."),
            })?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|_| {
                ProviderError::InvalidSetting {
                    field: "ca_cert",
                    message: format!("\"{path}\" is not a PEM certificate."),
                }
            })?;
            http = http.add_root_certificate(cert);
        }
        let http = http
            .build()
            .map_err(|e| ProviderError::Other(e.to_string()))?;
        let transport = Transport::new(Arc::new(http));
        let cloud = Arc::new(match settings.authority_host.as_deref().map(str::trim) {
            Some(authority) if !authority.is_empty() => {
                let mut custom = CustomConfiguration::default();
                custom.authority_host = authority.trim_end_matches('/').to_owned();
                CloudConfiguration::Custom(custom)
            }
            _ => match authority_for(&vault_url) {
                "https://login.chinacloudapi.cn" => CloudConfiguration::AzureChina,
                "https://login.microsoftonline.us" => CloudConfiguration::AzureGovernment,
                _ => CloudConfiguration::AzurePublic,
            },
        });
        let options = |transport: &Transport| ClientOptions {
            transport: Some(transport.clone()),
            cloud: Some(cloud.clone()),
            retry: RetryOptions::exponential(ExponentialRetryOptions {
                initial_delay: azure_core::time::Duration::milliseconds(200),
                max_retries: MAX_ATTEMPTS - 1,
                max_total_elapsed: azure_core::time::Duration::seconds(30),
                max_delay: azure_core::time::Duration::seconds(10),
            }),
            ..Default::default()
        };
        let setting = |field: &'static str| {
            move |e: azure_core::Error| ProviderError::InvalidSetting {
                field,
                message: e.to_string(),
            }
        };
        let (credential, identity): (Arc<dyn TokenCredential>, String) = match settings.auth {
            AzureAuth::ClientSecret {
                tenant_id,
                client_id,
                secret,
            } => (
                ClientSecretCredential::new(
                    &tenant_id,
                    client_id.clone(),
                    Secret::new(secret.expose_secret().to_owned()),
                    Some(ClientSecretCredentialOptions {
                        client_options: options(&transport),
                    }),
                )
                .map_err(setting("tenant_id"))?,
                format!("app {client_id} (tenant {tenant_id})"),
            ),
            AzureAuth::ClientCertificate {
                tenant_id,
                client_id,
                path,
                password,
            } => {
                let bytes = std::fs::read(&path).map_err(|e| ProviderError::InvalidSetting {
                    field: "certificate_path",
                    message: format!("Cannot read the certificate \"{path}\": {e}."),
                })?;
                // The SDK reads PKCS#12 (PFX) only: a PEM file becomes one here.
                let (bytes, password) = if bytes.starts_with(b"-----BEGIN") {
                    (pem_to_pfx(&bytes, password.as_ref(), &path)?, None)
                } else {
                    (bytes, password)
                };
                let credential = ClientCertificateCredential::new(
                    tenant_id.clone(),
                    client_id.clone(),
                    bytes.into(),
                    Some(ClientCertificateCredentialOptions {
                        client_options: options(&transport),
                        password: password.map(|p| Secret::new(p.expose_secret().to_owned())),
                    }),
                )
                .map_err(|e| ProviderError::InvalidSetting {
                    field: "certificate_path",
                    message: format!(
                        "The certificate \"{path}\" cannot be used: {e} (a PEM or PFX file with the private key; is the password right?)"
                    ),
                })?;
                (
                    credential,
                    format!("app {client_id} (tenant {tenant_id}, certificate)"),
                )
            }
            AzureAuth::AzureCli { tenant_id } => (
                AzureCliCredential::new(Some(AzureCliCredentialOptions {
                    tenant_id: tenant_id.clone().filter(|t| !t.is_empty()),
                    ..Default::default()
                }))
                .map_err(setting("auth"))?,
                "the Azure CLI's signed-in account".to_owned(),
            ),
            AzureAuth::ManagedIdentity { client_id } => {
                let id = client_id.filter(|c| !c.is_empty());
                (
                    ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                        user_assigned_id: id.clone().map(UserAssignedId::ClientId),
                        client_options: options(&transport),
                    }))
                    .map_err(setting("auth"))?,
                    match id {
                        Some(id) => format!("managed identity {id}"),
                        None => "the system-assigned managed identity".to_owned(),
                    },
                )
            }
        };
        let mut client_options = options(&transport);
        client_options
            .per_try_policies
            .push(Arc::new(errors::CallCounter(calls.clone())));
        let client = SecretClient::new(
            &vault_url,
            credential,
            Some(SecretClientOptions {
                client_options,
                // A loopback test vault cannot be the challenge's *.vault.azure.net.
                verify_challenge_resource: Some(!is_loopback(
                    vault_url
                        .trim_start_matches("https://")
                        .trim_end_matches('/'),
                )),
                ..Default::default()
            }),
        )
        .map_err(setting("vault_url"))?;
        Ok(Self {
            alias: alias.to_owned(),
            vault_url,
            client,
            identity,
            grouping: settings.grouping,
            calls,
        })
    }

    fn name(&self) -> String {
        format!("Azure Key Vault \"{}\"", self.alias)
    }

    fn error(
        &self,
        action: &'static str,
        target: &str,
    ) -> impl Fn(azure_core::Error) -> ProviderError {
        let (provider, vault, target) = (self.name(), self.vault_url.clone(), target.to_owned());
        move |e| errors::map(&e, &provider, &vault, action, &target)
    }

    /// Where the tree shows a secret.
    fn path_of(
        &self,
        name: &str,
        tags: Option<&std::collections::HashMap<String, String>>,
    ) -> Option<String> {
        match &self.grouping {
            Grouping::None => None,
            Grouping::Separator(sep) if !sep.is_empty() => {
                let parts: Vec<&str> = name.splitn(3, sep.as_str()).collect();
                (parts.len() > 1).then(|| parts.join("/"))
            }
            Grouping::Separator(_) => None,
            Grouping::Tag(tag) => {
                let group = tags
                    .and_then(|t| t.get(tag))
                    .filter(|v| !v.is_empty())
                    .map_or_else(|| format!("(no {tag})"), |v| v.replace('/', "-"));
                Some(format!("{group}/{name}"))
            }
        }
    }

    fn summary(&self, p: &SecretProperties) -> Option<SecretSummary> {
        let id = p.id.clone()?;
        let name = name_of(&id)?;
        let attrs = p.attributes.as_ref();
        let mut tags: Vec<(String, String)> = p
            .tags
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        tags.sort();
        Some(SecretSummary {
            path: self.path_of(&name, p.tags.as_ref()),
            description: p.content_type.clone().filter(|c| !c.is_empty()),
            last_changed: attrs.and_then(|a| a.updated).map(rfc3339),
            name,
            id,
            tags,
            ..Default::default()
        })
    }
}

/// A PEM file holding a certificate and its private key (optionally encrypted with
/// `password`) as PKCS#12 DER without a password, which the SDK's credential reads.
fn pem_to_pfx(pem: &[u8], password: Option<&SecretValue>, path: &str) -> Result<Vec<u8>> {
    let bad = |what: &str| ProviderError::InvalidSetting {
        field: "certificate_path",
        message: format!(
            "\"{path}\" {what}: a PEM file needs the certificate and its private key (or use a PFX file)."
        ),
    };
    let cert = openssl::x509::X509::from_pem(pem).map_err(|_| bad("has no certificate"))?;
    let key = match password {
        Some(p) => {
            openssl::pkey::PKey::private_key_from_pem_passphrase(pem, p.expose_secret().as_bytes())
        }
        None => openssl::pkey::PKey::private_key_from_pem(pem),
    }
    .map_err(|_| bad("has no private key Latchkey can read (is the password right?)"))?;
    openssl::pkcs12::Pkcs12::builder()
        .name("latchkey")
        .pkey(&key)
        .cert(&cert)
        .build2("")
        .and_then(|p| p.to_der())
        .map_err(|_| bad("cannot be converted"))
}

/// The secret name in a Key Vault identifier (`https://v/secrets/NAME[/VERSION]`).
fn name_of(id: &str) -> Option<String> {
    let after = id.split("/secrets/").nth(1)?;
    Some(after.split('/').next()?.to_owned()).filter(|n| !n.is_empty())
}

/// The version in a Key Vault identifier.
fn version_of(id: &str) -> Option<String> {
    let after = id.split("/secrets/").nth(1)?;
    after
        .split('/')
        .nth(1)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Why a version cannot serve as "latest", if it cannot.
fn unusable(a: Option<&SecretAttributes>, now: OffsetDateTime) -> Option<&'static str> {
    let a = a?;
    if a.enabled == Some(false) {
        Some("disabled")
    } else if a.expires.is_some_and(|e| e <= now) {
        Some("expired")
    } else if a.not_before.is_some_and(|n| n > now) {
        Some("not yet valid")
    } else {
        None
    }
}

#[async_trait]
impl SecretsProvider for AzureKeyVault {
    async fn list(
        &self,
        prefix: Option<&str>,
        page: Option<String>,
    ) -> Result<Page<SecretSummary>> {
        let options = SecretClientListSecretPropertiesOptions {
            maxresults: Some(SERVICE_PAGE),
            method_options: PagerOptions {
                continuation: match page {
                    Some(link) => Some(PagerContinuation::Link(link.parse().map_err(|_| {
                        ProviderError::InvalidSetting {
                            field: "page",
                            message: "The page token is not a Key Vault nextLink: list again from the start.".into(),
                        }
                    })?)),
                    None => None,
                },
                ..Default::default()
            },
        };
        let on_error = self.error("secrets/list", "the vault's secrets");
        let mut pages = self
            .client
            .list_secret_properties(Some(options))
            .map_err(&on_error)?
            .into_pages();
        let mut items = Vec::new();
        let mut read = 0;
        loop {
            let Some(response) = pages.try_next().await.map_err(&on_error)? else {
                return Ok(Page { items, next: None });
            };
            read += 1;
            let body = response.into_model().map_err(&on_error)?;
            items.extend(
                body.value
                    .iter()
                    .filter_map(|p| self.summary(p))
                    .filter(|s| {
                        prefix.is_none_or(|pre| {
                            s.path.as_deref().unwrap_or(&s.name).starts_with(pre)
                                || s.name.starts_with(pre)
                        })
                    }),
            );
            let next = pages.continuation().map(|c| c.as_ref().to_owned());
            if next.is_none() {
                return Ok(Page { items, next: None });
            }
            if items.len() >= PICKER_PAGE || read >= MAX_PAGES_PER_CALL {
                return Ok(Page { items, next });
            }
        }
    }

    async fn describe(&self, name: &str) -> Result<SecretDetails> {
        let on_error = self.error("secrets/list", name);
        let versions: Vec<SecretProperties> = self
            .client
            .list_secret_properties_versions(
                name,
                Some(SecretClientListSecretPropertiesVersionsOptions {
                    maxresults: Some(SERVICE_PAGE),
                    ..Default::default()
                }),
            )
            .map_err(&on_error)?
            .try_collect()
            .await
            .map_err(&on_error)?;
        // Newest first: by creation time (whole seconds), then by the service's order
        // (which lists older versions first).
        let mut versions: Vec<(usize, &SecretProperties)> = versions.iter().enumerate().collect();
        versions.sort_by_key(|(i, p)| {
            std::cmp::Reverse((p.attributes.as_ref().and_then(|a| a.created), *i))
        });
        let versions: Vec<&SecretProperties> = versions.into_iter().map(|(_, p)| p).collect();
        let latest = versions
            .first()
            .copied()
            .ok_or_else(|| ProviderError::NotFound {
                provider: self.name(),
                secret: name.to_owned(),
            })?;
        let mut summary = self.summary(latest).unwrap_or_default();
        summary.name = name.to_owned();
        summary.id = format!("{}secrets/{name}", self.vault_url);
        let now = OffsetDateTime::now_utc();
        let versions = versions
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let a = p.attributes.as_ref();
                let why = unusable(a, now);
                let mut stages = Vec::new();
                if i == 0 {
                    stages.push("latest".to_owned());
                }
                stages.extend(why.map(str::to_owned));
                let unusable_stage = stages
                    .iter()
                    .find(|s| ["expired", "not yet valid", "disabled"].contains(&s.as_str()))
                    .cloned()
                    .or_else(|| why.is_some().then(|| "disabled".to_owned()));
                let unusable = unusable_stage.as_deref().map(|s| match s {
                    "expired" => "Expired: this version can no longer be read; extend its expiry in Key Vault, or pick another.",
                    "not yet valid" => "Not yet valid: this version can be read from its activation date (not before) on.",
                    _ => "Disabled: this version cannot be read.",
                }.to_owned());
                Some(VersionInfo {
                    id: version_of(p.id.as_deref()?)?,
                    current_stage: stages.iter().any(|s| s == "latest").then(|| "latest".to_owned()),
                    unusable,
                    unusable_stage,
                    pin_stage: None,
                    stages,
                    created: a.and_then(|a| a.created).map(rfc3339),
                    enabled: why.is_none(),
                    updated: a.and_then(|a| a.updated).map(rfc3339),
                    expires: a.and_then(|a| a.expires).map(rfc3339),
                    not_before: a.and_then(|a| a.not_before).map(rfc3339),
                })
            })
            .collect();
        Ok(SecretDetails { summary, versions })
    }

    async fn read(&self, reference: &SecretRef) -> Result<Resolved> {
        let version = match &reference.version {
            None => None,
            Some(SecretVersion::Id(v)) => Some(v.clone()),
            Some(SecretVersion::Stage(s)) => {
                return Err(ProviderError::InvalidSetting {
                    field: "reference",
                    message: format!(
                        "Azure Key Vault has no staging labels (?stage={s}): pin a version with ?version=ID, or leave it out for the latest."
                    ),
                });
            }
        };
        let name = reference.path.as_str();
        let on_error = self.error("secrets/get", name);
        let secret = self
            .client
            .get_secret(
                name,
                Some(SecretClientGetSecretOptions {
                    secret_version: version.clone(),
                    ..Default::default()
                }),
            )
            .await
            .map_err(|e| errors::with_version(on_error(e), version.as_deref()))?
            .into_model()
            .map_err(&on_error)?;
        // The latest version may be expired or not yet valid: Key Vault still returns it.
        if version.is_none()
            && let Some(why) = unusable(secret.attributes.as_ref(), OffsetDateTime::now_utc())
        {
            return Err(ProviderError::VersionGone {
                secret: name.to_owned(),
                version: secret.id.as_deref().and_then(version_of).unwrap_or_default(),
                how: why.to_owned(),
                fix: "it cannot serve as the latest value: set a new value in Key Vault, or pin an enabled version with ?version=ID".into(),
            });
        }
        let version_id = secret.id.as_deref().and_then(version_of);
        let value = SecretValue::from(
            secret
                .value
                .ok_or_else(|| ProviderError::Binary(name.to_owned()))?,
        );
        let value = match &reference.json_key {
            Some(key) => select_json_key(name, &value, key)?,
            None => value,
        };
        Ok(Resolved { value, version_id })
    }

    /// Each secret's version properties (a listing without values): the latest
    /// version and its expiry. Key Vault has no batch read of several secrets.
    #[tracing::instrument(name = "azure.watch", level = "debug", skip_all, fields(provider = %self.alias, targets = targets.len()))]
    async fn watch(&self, targets: &[WatchTarget], budget: u32) -> WatchReport {
        watch_each(targets, budget, |t| async move {
            let before = self.calls.load(Ordering::Relaxed);
            let result = self
                .describe(&t.name)
                .await
                .and_then(|d| WatchInfo::select(&d, t.version.as_ref()));
            let calls = self.calls.load(Ordering::Relaxed).saturating_sub(before);
            (u32::try_from(calls.max(1)).unwrap_or(u32::MAX), result)
        })
        .await
    }

    async fn check_access(&self) -> Result<AccessReport> {
        let on_error = self.error("secrets/list", "the vault's secrets");
        let mut pages = self
            .client
            .list_secret_properties(Some(SecretClientListSecretPropertiesOptions {
                maxresults: Some(1),
                ..Default::default()
            }))
            .map_err(&on_error)?
            .into_pages();
        let (can_list, list_error) = match pages.try_next().await {
            Ok(_) => (true, None),
            // Signing in failed: nothing else to report.
            Err(e) if errors::is_credential(&e) => return Err(on_error(e)),
            Err(e) => (false, Some(on_error(e).to_string())),
        };
        Ok(AccessReport {
            identity: self.identity.clone(),
            can_list,
            list_error,
        })
    }

    fn requests_sent(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_urls_are_checked_with_the_sovereign_clouds() {
        assert_eq!(
            check_vault_url("https://billing-prod.vault.azure.net").unwrap(),
            "https://billing-prod.vault.azure.net/"
        );
        for ok in [
            "https://kv1.vault.azure.cn/",
            "https://gov-vault.vault.usgovcloudapi.net/",
            "https://127.0.0.1:8443/",
        ] {
            assert!(check_vault_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://billing.vault.azure.net/",
            "https://billing.example.com/",
            "https://ab.vault.azure.net/",
            "https://9vault.vault.azure.net/",
            "https://a--b.vault.azure.net/",
            "https://billing.vault.azure.net/secrets/x",
        ] {
            let e = check_vault_url(bad).unwrap_err();
            assert!(
                matches!(
                    e,
                    ProviderError::InvalidSetting {
                        field: "vault_url",
                        ..
                    }
                ),
                "{bad}: {e:?}"
            );
        }
        assert_eq!(
            authority_for("https://kv1.vault.azure.cn/"),
            "https://login.chinacloudapi.cn"
        );
    }

    #[test]
    fn ids_give_names_and_versions() {
        let id = "https://v.vault.azure.net/secrets/db-password/0123abcd";
        assert_eq!(name_of(id).as_deref(), Some("db-password"));
        assert_eq!(version_of(id).as_deref(), Some("0123abcd"));
        assert_eq!(
            version_of("https://v.vault.azure.net/secrets/db-password"),
            None
        );
    }
}
