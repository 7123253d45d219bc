//! HashiCorp Vault and OpenBao (KV v1 and KV v2) through `vaultrs`.
//!
//! Settings: the server URL, an optional namespace (sent as `X-Vault-Namespace`), an
//! optional CA certificate (PEM) to trust, and one of three ways to sign in: a token,
//! AppRole (role ID + secret ID) or userpass. Mounts are detected from `sys/mounts`,
//! else from `sys/internal/ui/mounts` (which any token may read), else taken from the
//! manual setting.
//!
//! Secrets are addressed as `MOUNT/PATH` (the mount may contain `/`), with an optional
//! KV v2 version (`?version=N`) and JSON key (`#KEY`).
//!
//! Tokens: a login token is renewed before it runs out when renewable, and replaced by
//! a new login when it expired (AppRole, userpass). A token typed in that expired or was
//! revoked gives a clear error. Every request is bounded by a timeout.

mod errors;
pub mod kind;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use latchkey_core::{ExposeSecret, SecretRef, SecretValue, SecretVersion};
use serde_json::Value;
use tokio::sync::{Mutex, OnceCell};
use vaultrs::client::{Client as _, VaultClient, VaultClientSettingsBuilder};
use vaultrs::error::ClientError;

use crate::{
    AccessReport, Page, ProviderError, Resolved, Result, SecretDetails, SecretSummary,
    SecretsProvider, VersionInfo, WatchInfo, WatchReport, WatchTarget, watch_each,
};
use errors::{Ctx, vault_error};

/// Runs a vaultrs call with the session's client; on failure, [`Vault::recover`]
/// decides between one retry (after a new login) and the error.
macro_rules! call {
    ($self:ident, $action:expr, $target:expr, |$c:ident| $op:expr) => {{
        let (action, target) = ($action, $target);
        let mut s = $self.session().await?;
        let first = {
            let $c = &s.client;
            $op.await
        };
        match first {
            Ok(v) => Ok(v),
            Err(e) => match $self.recover(&mut s, e, action, target).await {
                Ok(()) => {
                    let $c = &s.client;
                    $op.await
                        .map_err(|e| vault_error(e, &$self.ctx(action, target)))
                }
                Err(err) => Err(err),
            },
        }
    }};
}

/// Bounds every request to the server.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// How Latchkey signs in to Vault.
#[derive(Debug)]
pub enum VaultAuth {
    Token(SecretValue),
    AppRole {
        /// The auth mount, `approle` by default.
        mount: String,
        role_id: String,
        secret_id: SecretValue,
    },
    Userpass {
        /// The auth mount, `userpass` by default.
        mount: String,
        username: String,
        password: SecretValue,
    },
}

/// A KV mount: its path (ending in `/`) and KV version (1 or 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvMount {
    pub path: String,
    pub version: u8,
}

/// The settings of one Vault / OpenBao server.
#[derive(Debug)]
pub struct VaultSettings {
    /// `https://vault.example.com:8200` (or `http://` for a local dev server).
    pub address: String,
    pub namespace: Option<String>,
    /// A PEM file with the CA certificate(s) to trust, besides the system's.
    pub ca_cert: Option<String>,
    pub auth: VaultAuth,
    /// Mounts to use when the server does not say which it has.
    pub manual_mounts: Vec<KvMount>,
}

struct Session {
    client: VaultClient,
    /// When the current token stops working, when known.
    expires: Option<Instant>,
    /// The token's TTL when it was issued or last renewed.
    lease: Duration,
    renewable: bool,
    /// Whether a token is in place (login methods get theirs on first use).
    signed_in: bool,
    /// Whether a typed-in token's TTL was looked up.
    looked_up: bool,
}

impl Session {
    fn set_lease(&mut self, seconds: u64, renewable: bool) {
        self.lease = Duration::from_secs(seconds);
        self.expires = (seconds > 0).then(|| Instant::now() + self.lease);
        self.renewable = renewable;
    }
}

/// One configured Vault / OpenBao server.
pub struct Vault {
    alias: String,
    address: String,
    auth: VaultAuth,
    manual_mounts: Vec<KvMount>,
    session: Mutex<Session>,
    mounts: OnceCell<Vec<KvMount>>,
    logins: std::sync::atomic::AtomicU32,
    renewals: std::sync::atomic::AtomicU32,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("alias", &self.alias)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// Parses "secret:2 legacy:1" (or "secret/ (v2), legacy (v1)") into mounts; a mount
/// without a version is KV v2.
pub fn parse_mounts(text: &str) -> Result<Vec<KvMount>> {
    let mut out = Vec::new();
    for part in text
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (path, version) = match part.rsplit_once(':') {
            Some((p, v)) => (p, v),
            None => (part, "2"),
        };
        let version = match version.trim_start_matches('v') {
            "1" => 1,
            "2" => 2,
            _ => {
                return Err(ProviderError::InvalidSetting {
                    field: "mounts",
                    message: format!(
                        "\"{part}\": write each mount as PATH:VERSION with version 1 or 2, e.g. \"secret:2 legacy:1\"."
                    ),
                });
            }
        };
        let path = path.trim_matches('/');
        if path.is_empty() {
            return Err(ProviderError::InvalidSetting {
                field: "mounts",
                message: format!("\"{part}\" has no mount path: e.g. \"secret:2\"."),
            });
        }
        out.push(KvMount {
            path: format!("{path}/"),
            version,
        });
    }
    Ok(out)
}

/// Checks the server URL without calling it.
pub fn check_address(address: &str) -> Result<()> {
    let ok = (address.starts_with("https://") || address.starts_with("http://"))
        && address.len() > "https://".len()
        && !address.contains(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(ProviderError::InvalidSetting {
            field: "address",
            message: format!(
                "\"{address}\" is not a server URL: enter it as https://vault.example.com:8200 (http:// only for a local dev server)."
            ),
        })
    }
}

impl Vault {
    /// Builds the client; checks the settings without calling the server.
    pub fn connect(alias: &str, settings: VaultSettings) -> Result<Self> {
        check_address(&settings.address)?;
        if let Some(ca) = &settings.ca_cert
            && !std::path::Path::new(ca).is_file()
        {
            return Err(ProviderError::InvalidSetting {
                field: "ca_cert",
                message: format!(
                    "The CA certificate file \"{ca}\" does not exist: enter the path of a PEM file."
                ),
            });
        }
        let token = match &settings.auth {
            VaultAuth::Token(t) => t.expose_secret().to_owned(),
            _ => String::new(),
        };
        let built = VaultClientSettingsBuilder::default()
            .address(&settings.address)
            .token(token)
            .ca_certs(settings.ca_cert.clone().into_iter().collect())
            .verify(true)
            .timeout(Some(REQUEST_TIMEOUT))
            .namespace(settings.namespace.clone().filter(|n| !n.trim().is_empty()))
            .build()
            .map_err(|e| ProviderError::InvalidSetting {
                field: "address",
                message: format!("The Vault settings are incomplete: {e}"),
            })?;
        let client = VaultClient::new(built).map_err(|e| match e {
            ClientError::ParseCertificateError { path, .. } => ProviderError::InvalidSetting {
                field: "ca_cert",
                message: format!("\"{path}\" is not a PEM certificate file."),
            },
            other => ProviderError::Other(format!("cannot set up the Vault client: {other}")),
        })?;
        let signed_in = matches!(settings.auth, VaultAuth::Token(_));
        Ok(Self {
            alias: alias.to_owned(),
            address: settings.address.trim_end_matches('/').to_owned(),
            auth: settings.auth,
            manual_mounts: settings.manual_mounts,
            session: Mutex::new(Session {
                client,
                expires: None,
                lease: Duration::ZERO,
                renewable: false,
                signed_in,
                looked_up: false,
            }),
            mounts: OnceCell::new(),
            logins: Default::default(),
            renewals: Default::default(),
        })
    }

    /// How many times this provider signed in (AppRole / userpass).
    pub fn logins(&self) -> u32 {
        self.logins.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many times this provider renewed its token.
    pub fn renewals(&self) -> u32 {
        self.renewals.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn name(&self) -> String {
        format!("Vault \"{}\" ({})", self.alias, self.address)
    }

    fn ctx<'a>(&'a self, action: &'a str, target: &'a str) -> Ctx<'a> {
        Ctx {
            provider: self.name(),
            address: &self.address,
            action,
            target,
        }
    }

    fn can_log_in(&self) -> bool {
        !matches!(self.auth, VaultAuth::Token(_))
    }

    async fn log_in(&self, s: &mut Session) -> Result<()> {
        let (target, result) = match &self.auth {
            VaultAuth::Token(_) => return Ok(()),
            VaultAuth::AppRole {
                mount,
                role_id,
                secret_id,
            } => (
                format!("auth/{mount}/login"),
                vaultrs::auth::approle::login(&s.client, mount, role_id, secret_id.expose_secret())
                    .await,
            ),
            VaultAuth::Userpass {
                mount,
                username,
                password,
            } => (
                format!("auth/{mount}/login/{username}"),
                vaultrs::auth::userpass::login(
                    &s.client,
                    mount,
                    username,
                    password.expose_secret(),
                )
                .await,
            ),
        };
        let info = result.map_err(|e| match vault_error(e, &self.ctx("login", &target)) {
            ProviderError::AccessDenied { .. }
            | ProviderError::NotFound { .. }
            | ProviderError::Other(_) => {
                ProviderError::BadCredentials(format!(
                    "{} refused the login at {target}: check the role ID and secret ID, or the username and password, and the auth mount",
                    self.name()
                ))
            }
            other => other,
        })?;
        s.client.set_token(&info.client_token);
        s.set_lease(info.lease_duration, info.renewable);
        s.signed_in = true;
        self.logins
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// A session whose token is good for at least a few seconds more: renewed when
    /// it can be, replaced by a new login when it cannot.
    async fn session(&self) -> Result<tokio::sync::MutexGuard<'_, Session>> {
        let mut s = self.session.lock().await;
        if !s.signed_in {
            self.log_in(&mut s).await?;
        }
        if !self.can_log_in() && !s.looked_up {
            // A typed-in token: learn its TTL once (errors surface on the call itself).
            s.looked_up = true;
            if let Ok(me) = vaultrs::token::lookup_self(&s.client).await {
                s.set_lease(me.ttl, me.renewable == Some(true));
            }
        }
        if let Some(expires) = s.expires {
            let left = expires.saturating_duration_since(Instant::now());
            if left < Duration::from_secs(1) && self.can_log_in() {
                // Expired or about to: a login method signs in again.
                self.log_in(&mut s).await?;
            } else if s.renewable && !left.is_zero() && left < s.lease / 3 {
                match vaultrs::token::renew_self(&s.client, None).await {
                    Ok(info) if info.lease_duration > 0 => {
                        s.set_lease(info.lease_duration, info.renewable);
                        self.renewals
                            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    _ if self.can_log_in() => self.log_in(&mut s).await?,
                    _ => {}
                }
            }
        }
        Ok(s)
    }

    /// After a failed call. A 403 means either "the policy does not allow it" or "the
    /// token is no longer good" (expired early, revoked); looking the token up tells
    /// which. A dead token is replaced by a new login (AppRole, userpass) and the call
    /// retried once; a dead typed-in token is a clear error. Anything else becomes the
    /// error to report.
    async fn recover(
        &self,
        s: &mut Session,
        e: ClientError,
        action: &str,
        target: &str,
    ) -> Result<()> {
        let denied = matches!(e, ClientError::APIError { code: 403, .. });
        if denied && vaultrs::token::lookup_self(&s.client).await.is_err() {
            if self.can_log_in() {
                return self.log_in(s).await;
            }
            return Err(ProviderError::BadCredentials(format!(
                "{} does not accept the token: it expired, was revoked or is wrong. Create a new token and enter it again",
                self.name()
            )));
        }
        Err(vault_error(e, &self.ctx(action, target)))
    }

    /// A GET of an endpoint vaultrs does not cover, with the session's retry rules.
    async fn raw_get(&self, path: &str) -> Result<Value> {
        call!(self, "read", path, |c| raw_get(c, &self.address, path))
    }

    /// The KV mounts: from `sys/mounts`, else `sys/internal/ui/mounts`, plus the manual ones.
    pub async fn mounts(&self) -> Result<&[KvMount]> {
        self.mounts
            .get_or_try_init(|| async {
                let listed = match self.raw_get("sys/mounts").await {
                    Ok(v) => Ok(v),
                    Err(ProviderError::AccessDenied { .. }) => {
                        self.raw_get("sys/internal/ui/mounts").await.map(|v| {
                            // This one nests the mounts under data.secret.
                            v["data"]["secret"].clone()
                        })
                    }
                    Err(e) => Err(e),
                };
                let mut mounts: Vec<KvMount> = match listed {
                    Ok(v) => kv_mounts(&v),
                    Err(e) if self.manual_mounts.is_empty() => return Err(e),
                    Err(_) => Vec::new(),
                };
                for m in &self.manual_mounts {
                    if !mounts.iter().any(|k| k.path == m.path) {
                        mounts.push(m.clone());
                    }
                }
                mounts.sort_by(|a, b| a.path.cmp(&b.path));
                Ok(mounts)
            })
            .await
            .map(Vec::as_slice)
    }

    /// Splits `MOUNT/PATH` at the longest known mount.
    async fn split<'p>(&self, full: &'p str) -> Result<(KvMount, &'p str)> {
        let mounts = self.mounts().await?;
        mounts
            .iter()
            .filter(|m| full.starts_with(&m.path) || format!("{full}/") == m.path)
            .max_by_key(|m| m.path.len())
            .map(|m| (m.clone(), full.get(m.path.len()..).unwrap_or("")))
            .ok_or_else(|| ProviderError::InvalidSetting {
                field: "mount",
                message: format!(
                    "\"{full}\" is not under a KV mount of {}: its KV mounts are {}. Check the path, or add the mount under Advanced (mounts).",
                    self.name(),
                    if mounts.is_empty() {
                        "(none found)".to_owned()
                    } else {
                        mounts.iter().map(|m| format!("{} (v{})", m.path, m.version)).collect::<Vec<_>>().join(", ")
                    }
                ),
            })
    }

    /// A secret's data, and (KV v2) the version the server answered with.
    async fn read_data(
        &self,
        mount: &KvMount,
        path: &str,
        version: Option<u64>,
    ) -> Result<(Value, Option<u64>)> {
        let m = mount.path.trim_end_matches('/').to_owned();
        let p = path.to_owned();
        match (mount.version, version) {
            (1, None) => {
                let target = format!("{}{path}", mount.path);
                call!(self, "read", &target, |c| vaultrs::kv1::get::<Value>(
                    c, &m, &p
                ))
                .map(|v| (v, None))
            }
            (1, Some(_)) => Err(ProviderError::InvalidSetting {
                field: "version",
                message: format!(
                    "{} is a KV v1 mount, which keeps no versions: remove ?version= from the reference.",
                    mount.path
                ),
            }),
            (_, v) => {
                let target = format!("{}data/{path}", mount.path);
                // The response's metadata says which version answered (the current one
                // when none is asked for): what the version history records.
                let got: Result<(Value, Option<u64>)> =
                    call!(self, "read", &target, |c| kv2_read(c, &m, &p, v))
                        .map(|r| (r.data, Some(r.metadata.version)));
                match got {
                    Err(ProviderError::NotFound { .. }) => {
                        Err(self.why_missing(mount, path, v).await)
                    }
                    other => other,
                }
            }
        }
    }

    /// A KV v2 read found nothing: says whether the version was deleted or destroyed.
    async fn why_missing(
        &self,
        mount: &KvMount,
        path: &str,
        version: Option<u64>,
    ) -> ProviderError {
        let full = format!("{}{path}", mount.path);
        let not_found = ProviderError::NotFound {
            provider: self.name(),
            secret: full.clone(),
        };
        let Ok(meta) = self.metadata(mount, path).await else {
            return not_found;
        };
        let wanted = version.unwrap_or(meta.current_version);
        match meta.versions.get(&wanted.to_string()) {
            Some(v) if v.destroyed => ProviderError::VersionGone {
                secret: full,
                version: wanted.to_string(),
                how: "destroyed (its data is gone for good)".into(),
                fix: "pick another version, or \"current\"".into(),
            },
            Some(v) if !v.deletion_time.is_empty() => ProviderError::VersionGone {
                fix: format!(
                    "undelete it in Vault (vault kv undelete -versions={wanted} {full}) or pick another version"
                ),
                secret: full,
                version: wanted.to_string(),
                how: format!("deleted on {}", v.deletion_time),
            },
            Some(_) => not_found,
            None => ProviderError::VersionNotFound {
                secret: full,
                version: wanted.to_string(),
            },
        }
    }

    async fn metadata(
        &self,
        mount: &KvMount,
        path: &str,
    ) -> Result<vaultrs::api::kv2::responses::ReadSecretMetadataResponse> {
        let m = mount.path.trim_end_matches('/').to_owned();
        let p = path.to_owned();
        let target = format!("{}metadata/{path}", mount.path);
        call!(self, "read", &target, |c| vaultrs::kv2::read_metadata(
            c, &m, &p
        ))
    }
}

/// A KV v2 read with its metadata (vaultrs's `kv2::read` keeps only the data).
async fn kv2_read(
    client: &VaultClient,
    mount: &str,
    path: &str,
    version: Option<u64>,
) -> Result<vaultrs::api::kv2::responses::ReadSecretResponse, ClientError> {
    let endpoint = vaultrs::api::kv2::requests::ReadSecretRequest::builder()
        .mount(mount)
        .path(path)
        .version(version)
        .build()
        .expect("mount and path are set, the builder's only required fields");
    vaultrs::api::exec_with_result(client, endpoint).await
}

/// A GET through vaultrs's own HTTP client (same TLS settings, token and namespace),
/// with errors in vaultrs's shape so they map like every other call.
async fn raw_get(client: &VaultClient, address: &str, path: &str) -> Result<Value, ClientError> {
    let settings = client.settings();
    let mut req = client
        .http()
        .http
        .get(format!("{address}/v1/{path}"))
        .header("X-Vault-Token", &settings.token)
        .header("X-Vault-Request", "true");
    if let Some(ns) = &settings.namespace {
        req = req.header("X-Vault-Namespace", ns);
    }
    let res = req
        .send()
        .await
        .map_err(|source| ClientError::RestClientBuildError { source })?;
    let code = res.status().as_u16();
    let body = res.text().await.unwrap_or_default();
    if !(200..300).contains(&code) {
        let errors = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| {
                v["errors"].as_array().map(|a| {
                    a.iter()
                        .filter_map(|e| e.as_str().map(str::to_owned))
                        .collect()
                })
            })
            .unwrap_or_default();
        return Err(ClientError::APIError { code, errors });
    }
    serde_json::from_str(&body).map_err(|source| ClientError::JsonParseError { source })
}

/// The KV mounts in a `sys/mounts`-shaped map.
fn kv_mounts(v: &Value) -> Vec<KvMount> {
    let map = v
        .get("data")
        .and_then(Value::as_object)
        .filter(|d| d.values().any(|m| m.get("type").is_some()))
        .or_else(|| v.as_object());
    let Some(map) = map else { return Vec::new() };
    map.iter()
        .filter(|(_, m)| matches!(m["type"].as_str(), Some("kv" | "generic")))
        .map(|(path, m)| KvMount {
            path: if path.ends_with('/') {
                path.clone()
            } else {
                format!("{path}/")
            },
            version: if m["options"]["version"].as_str() == Some("2") {
                2
            } else {
                1
            },
        })
        .collect()
}

/// A secret's data map as one JSON text (what a reference without a key reads).
fn data_text(data: &Value) -> String {
    serde_json::to_string(data).unwrap_or_default()
}

fn summary(name: String) -> SecretSummary {
    SecretSummary {
        path: None,
        id: name.clone(),
        name,
        description: None,
        last_changed: None,
        last_rotated: None,
        rotation_enabled: false,
        next_rotation: None,
        tags: Vec::new(),
    }
}

#[async_trait]
impl SecretsProvider for Vault {
    /// The children of the folder `prefix` names (the mounts at the top), filtered by
    /// the rest of `prefix`: Vault's LIST is per folder and not paged, so one page.
    #[tracing::instrument(name = "vault.list", level = "debug", skip(self, _page), fields(provider = %self.alias))]
    async fn list(
        &self,
        prefix: Option<&str>,
        _page: Option<String>,
    ) -> Result<Page<SecretSummary>> {
        let prefix = prefix.unwrap_or("");
        let mounts = self.mounts().await?;
        let Ok((mount, rest)) = self.split(prefix).await else {
            // Above the mounts: the mounts themselves are the folders.
            let items = mounts
                .iter()
                .filter(|m| m.path.starts_with(prefix))
                .map(|m| summary(m.path.clone()))
                .collect();
            return Ok(Page { items, next: None });
        };
        let (folder, start) = match rest.rfind('/') {
            Some(i) => (&rest[..=i], &rest[i + 1..]),
            None => ("", rest),
        };
        let m = mount.path.trim_end_matches('/').to_owned();
        let f = folder.to_owned();
        let v2 = mount.version == 2;
        let target = if v2 {
            format!("{}metadata/{folder}", mount.path)
        } else {
            format!("{}{folder}", mount.path)
        };
        let keys: Result<Vec<String>> = if v2 {
            call!(self, "list", &target, |c| vaultrs::kv2::list(c, &m, &f))
        } else {
            call!(self, "list", &target, |c| async {
                vaultrs::kv1::list(c, &m, &f).await.map(|r| r.data.keys)
            })
        };
        let keys = match keys {
            Ok(k) => k,
            // An empty folder (or a mount with nothing yet) LISTs as 404.
            Err(ProviderError::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
        let mut items: Vec<SecretSummary> = keys
            .into_iter()
            .filter(|k| k.starts_with(start))
            .map(|k| summary(format!("{}{folder}{k}", mount.path)))
            .collect();
        items.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Page { items, next: None })
    }

    #[tracing::instrument(name = "vault.describe", level = "debug", skip(self), fields(provider = %self.alias))]
    async fn describe(&self, name: &str) -> Result<SecretDetails> {
        let (mount, path) = self.split(name).await?;
        if mount.version == 1 {
            // KV v1 keeps no metadata: check it exists.
            self.read_data(&mount, path, None).await?;
            return Ok(SecretDetails {
                summary: summary(name.to_owned()),
                versions: Vec::new(),
            });
        }
        let meta = match self.metadata(&mount, path).await {
            Ok(m) => m,
            // Many policies grant `read` on data but not on metadata: the secret is
            // still usable, its versions are not visible.
            Err(ProviderError::AccessDenied { target, .. }) => {
                self.read_data(&mount, path, None).await?;
                return Ok(SecretDetails {
                    summary: SecretSummary {
                        path: None,
                        description: Some(format!(
                            "Versions are hidden: the policy does not grant read on {target}."
                        )),
                        ..summary(name.to_owned())
                    },
                    versions: Vec::new(),
                });
            }
            Err(e) => return Err(e),
        };
        let mut versions: Vec<VersionInfo> = meta
            .versions
            .iter()
            .map(|(n, v)| {
                let mut stages = Vec::new();
                if n.parse() == Ok(meta.current_version) {
                    stages.push("current".to_owned());
                }
                if v.destroyed {
                    stages.push("destroyed".to_owned());
                } else if !v.deletion_time.is_empty() {
                    stages.push("deleted".to_owned());
                }
                let (unusable_stage, unusable) = if v.destroyed {
                    (
                        Some("destroyed".to_owned()),
                        Some("Destroyed: this version's data is gone for good, so it cannot be used.".to_owned()),
                    )
                } else if !v.deletion_time.is_empty() {
                    (
                        Some("deleted".to_owned()),
                        Some("Deleted: undelete this version in Vault (or pick another) to use it.".to_owned()),
                    )
                } else {
                    (None, None)
                };
                VersionInfo {
                    updated: None,
                    expires: None,
                    not_before: None,
                    id: n.clone(),
                    current_stage: stages.iter().any(|s| s == "current").then(|| "current".to_owned()),
                    stages,
                    created: Some(v.created_time.clone()),
                    enabled: !v.destroyed && v.deletion_time.is_empty(),
                    unusable,
                    unusable_stage,
                    pin_stage: None,
                }
            })
            .collect();
        versions.sort_by_key(|v| std::cmp::Reverse(v.id.parse::<u64>().unwrap_or(0)));
        let tags: Vec<(String, String)> = meta
            .custom_metadata
            .unwrap_or_default()
            .into_iter()
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect();
        Ok(SecretDetails {
            summary: SecretSummary {
                path: None,
                last_changed: Some(meta.updated_time),
                tags,
                ..summary(name.to_owned())
            },
            versions,
        })
    }

    #[tracing::instrument(name = "vault.read", level = "debug", skip_all, fields(provider = %self.alias, reference = %reference))]
    async fn read(&self, reference: &SecretRef) -> Result<Resolved> {
        let (mount, path) = self.split(&reference.path).await?;
        if path.is_empty() || path.ends_with('/') {
            return Err(ProviderError::InvalidSetting {
                field: "path",
                message: format!(
                    "\"{}\" is a folder, not a secret: pick a secret inside it.",
                    reference.path
                ),
            });
        }
        let version = match &reference.version {
            None => None,
            Some(SecretVersion::Id(n)) => {
                Some(
                    n.parse::<u64>()
                        .map_err(|_| ProviderError::InvalidSetting {
                            field: "version",
                            message: format!("Vault versions are numbers (1, 2, …), not \"{n}\"."),
                        })?,
                )
            }
            Some(SecretVersion::Stage(s)) => {
                return Err(ProviderError::InvalidSetting {
                    field: "version",
                    message: format!(
                        "Vault has no version stages such as \"{s}\": use ?version=N, or no version for the current one."
                    ),
                });
            }
        };
        let (data, answered) = self.read_data(&mount, path, version).await?;
        let whole = SecretValue::from(data_text(&data));
        drop(data);
        let value = match &reference.json_key {
            None => whole,
            Some(key) => crate::select_json_key(&reference.path, &whole, key)?,
        };
        Ok(Resolved {
            value,
            version_id: answered.or(version).map(|v| v.to_string()),
        })
    }

    /// KV v2 metadata, one read per secret (Vault has no batch read): the current
    /// version and custom metadata. Never the data path. KV v1 keeps no versions, so
    /// the watch cannot see its rotations and says so.
    #[tracing::instrument(name = "vault.watch", level = "debug", skip_all, fields(provider = %self.alias, targets = targets.len()))]
    async fn watch(&self, targets: &[WatchTarget], budget: u32) -> WatchReport {
        watch_each(targets, budget, |t| async move {
            let (mount, path) = match self.split(&t.name).await {
                Ok(m) => m,
                Err(e) => return (1, Err(e)),
            };
            if mount.version == 1 {
                return (
                    0,
                    Err(ProviderError::Other(format!(
                        "\"{}\" is on the KV version 1 mount {}, which keeps no versions: the rotation watch cannot see it change (Refresh still picks up a new value)",
                        t.name, mount.path
                    ))),
                );
            }
            let meta = match self.metadata(&mount, path).await {
                Ok(m) => m,
                Err(e) => return (1, Err(e)),
            };
            let version_id = match &t.version {
                None => meta.current_version.to_string(),
                Some(SecretVersion::Id(id)) => id.clone(),
                Some(SecretVersion::Stage(s)) => {
                    return (
                        1,
                        Err(ProviderError::VersionNotFound {
                            secret: t.name.clone(),
                            version: format!("with stage {s}"),
                        }),
                    );
                }
            };
            if !meta.versions.contains_key(&version_id) {
                return (
                    1,
                    Err(ProviderError::VersionNotFound {
                        secret: t.name.clone(),
                        version: version_id,
                    }),
                );
            }
            let tags = meta
                .custom_metadata
                .unwrap_or_default()
                .into_iter()
                .collect::<BTreeMap<_, _>>()
                .into_iter()
                .collect();
            (
                1,
                Ok(WatchInfo {
                    version_id: Some(version_id),
                    tags,
                    ..WatchInfo::default()
                }),
            )
        })
        .await
    }

    #[tracing::instrument(name = "vault.check_access", level = "debug", skip(self), fields(provider = %self.alias))]
    async fn check_access(&self) -> Result<AccessReport> {
        let me = call!(self, "read", "auth/token/lookup-self", |c| {
            vaultrs::token::lookup_self(c)
        })?;
        let ttl = if me.ttl == 0 {
            "no expiry".to_owned()
        } else {
            format!("TTL {} s", me.ttl)
        };
        let identity = format!(
            "{} (policies: {}; {ttl}{})",
            if me.display_name.is_empty() {
                "token"
            } else {
                &me.display_name
            },
            me.policies.join(", "),
            if me.renewable == Some(true) {
                ", renewable"
            } else {
                ""
            }
        );
        let (can_list, list_error) = match self.mounts().await {
            Ok([]) => (
                false,
                Some(
                    "no KV mount is visible to this identity: add the mounts under Advanced".into(),
                ),
            ),
            Ok(_) => (true, None),
            Err(e) => (false, Some(e.to_string())),
        };
        Ok(AccessReport {
            identity,
            can_list,
            list_error,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_mounts_parse_and_name_the_bad_one() {
        assert_eq!(
            parse_mounts("secret:2, legacy:1 team/kv").unwrap(),
            vec![
                KvMount {
                    path: "secret/".into(),
                    version: 2
                },
                KvMount {
                    path: "legacy/".into(),
                    version: 1
                },
                KvMount {
                    path: "team/kv/".into(),
                    version: 2
                },
            ]
        );
        let e = parse_mounts("secret:3").unwrap_err();
        assert!(e.to_string().contains("\"secret:3\""), "{e}");
    }

    #[test]
    fn mounts_come_from_either_listing_shape() {
        let sys = serde_json::json!({
            "secret/": {"type": "kv", "options": {"version": "2"}},
            "kv1/": {"type": "kv", "options": {"version": "1"}},
            "sys/": {"type": "system"},
            "data": {"secret/": {"type": "kv", "options": {"version": "2"}}, "kv1/": {"type": "kv", "options": null}}
        });
        let mut m = kv_mounts(&sys);
        m.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[1],
            KvMount {
                path: "secret/".into(),
                version: 2
            }
        );
    }

    #[test]
    fn addresses_are_checked() {
        assert!(check_address("https://vault.example.com:8200").is_ok());
        assert!(check_address("vault.example.com").is_err());
        assert!(check_address("https://").is_err());
    }
}
