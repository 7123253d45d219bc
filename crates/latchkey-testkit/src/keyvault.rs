//! A local Azure Key Vault (secrets) with its own Entra ID token endpoint, over HTTPS.
//!
//! No Key Vault emulator can be installed here, so this server stands in for both
//! services the official Rust SDK talks to (`azure_identity` + `azure_security_keyvault_secrets`):
//!
//! - **Entra ID**: `POST /{tenant}/oauth2/v2.0/token` with the client-credentials form,
//!   answering tokens or Entra's own error bodies (`AADSTS90002`, `AADSTS700016`,
//!   `AADSTS7000215`, …). Point the credential at it with
//!   `CloudConfiguration::Custom { authority_host: server.authority_host }`.
//! - **Key Vault data plane** (api-version 2025-07-01 and older): list secrets and
//!   versions (paged through an absolute `nextLink`), get, set, update; the bearer
//!   challenge (`401` + `WWW-Authenticate`), RBAC denials, disabled versions, not found,
//!   throttling (`429` + `Retry-After`). Point the client at `server.url` with
//!   `verify_challenge_resource: Some(false)` (the vault is 127.0.0.1, not `*.vault.azure.net`).
//!
//! The certificate is made at start-up for `127.0.0.1` and `localhost`, signed by a CA
//! made at the same time: trust [`KeyVaultServer::ca_pem`] (or [`KeyVaultServer::ca_path`])
//! in the HTTP client given to the SDK as its transport.
//!
//! Every response is recorded ([`KeyVaultServer::responses`]) so the tests can check
//! each one against Microsoft's published Swagger (`crates/latchkey-testkit/specs/azure-keyvault/secrets.json`)
//! and the server cannot drift into a private dialect.
//!
//! Behaviour worth knowing, taken from the real service:
//! - Secret names are case-insensitive; ids keep the case the secret was created with.
//! - `GET` of an expired or not-yet-valid secret answers 200: Key Vault leaves `exp` and
//!   `nbf` to the caller. Only a disabled version is refused (403 `SecretDisabled`).
//! - RBAC is decided before existence: a denied name answers 403 even if it does not exist.
//! - Listing the versions of a name that does not exist answers an empty page.
//! - Throttling applies to authenticated requests (Key Vault limits per caller); the
//!   unauthenticated challenge request the SDK sends first is never throttled.

mod data_plane;
mod entra;
mod errors;
mod paging;
mod record;
mod seed;
mod state;

mod wire;

use crate::tls;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use axum::Router;

pub use record::{Plane, RecordedResponse};
pub use state::SetOptions;

/// The api-version of the published spec and of the SDK's default.
pub const API_VERSION: &str = "2025-07-01";

/// The seed fixture with 120 secrets (see `tests/fixtures/keyvault_seed.json`).
pub const SEED_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/keyvault_seed.json"
);

/// The tenant of [`KeyVaultConfig::default`].
pub const TEST_TENANT_ID: &str = "72f988bf-0000-4000-8000-00000000a2e5";
/// The application (client) id of [`KeyVaultConfig::default`].
pub const TEST_CLIENT_ID: &str = "3f1c7d52-0000-4000-8000-0000000c11e7";
/// The client secret of [`KeyVaultConfig::default`].
pub const TEST_CLIENT_SECRET: &str = "latchkey~test~client~secret";

/// An app registration that may sign in at the token endpoint.
#[derive(Clone, Debug)]
pub struct AppRegistration {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
}

/// Who may sign in, and what the vault is called in RBAC messages.
#[derive(Clone, Debug)]
pub struct KeyVaultConfig {
    /// The vault's tenant: tokens from any other tenant are refused with `AKV10032`.
    pub tenant_id: String,
    /// The app the tests use.
    pub client_id: String,
    pub client_secret: String,
    /// More apps, possibly in other tenants (their tenants then exist at the token
    /// endpoint, but their tokens are not accepted by the vault).
    pub other_apps: Vec<AppRegistration>,
    /// The vault's name, shown in RBAC denials (`Vault: <name>;location=…`).
    pub vault_name: String,
    /// `expires_in` of issued tokens; the vault refuses them afterwards. The SDK asks
    /// for a new token when less than 300 s are left.
    pub token_lifetime_secs: u64,
    /// A certificate (PEM) registered on the main app: the token endpoint then also
    /// accepts a client assertion (RS256 JWT) signed by its key, as Entra ID does.
    pub client_certificate_pem: Option<String>,
}

impl KeyVaultConfig {
    /// One app in one tenant.
    pub fn new(tenant_id: &str, client_id: &str, client_secret: &str) -> Self {
        Self {
            tenant_id: tenant_id.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            other_apps: Vec::new(),
            vault_name: "latchkey-test-kv".to_owned(),
            token_lifetime_secs: 3599,
            client_certificate_pem: None,
        }
    }

    /// Every app that may sign in, the main one first.
    fn apps(&self) -> Vec<AppRegistration> {
        let main = AppRegistration {
            tenant_id: self.tenant_id.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
        };
        std::iter::once(main)
            .chain(self.other_apps.iter().cloned())
            .collect()
    }
}

impl Default for KeyVaultConfig {
    /// [`TEST_TENANT_ID`], [`TEST_CLIENT_ID`], [`TEST_CLIENT_SECRET`].
    fn default() -> Self {
        Self::new(TEST_TENANT_ID, TEST_CLIENT_ID, TEST_CLIENT_SECRET)
    }
}

/// What the handlers share: the configuration, the base URL and the mutable state.
struct Shared {
    config: KeyVaultConfig,
    /// `https://127.0.0.1:PORT` (no trailing slash), the prefix of every id and nextLink.
    base: String,
    /// The object id (`oid`) of each app, by client id, for RBAC messages.
    object_ids: BTreeMap<String, String>,
    state: Mutex<state::State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, state::State> {
        self.state.lock().expect("key vault state lock")
    }
}

/// A running Key Vault + Entra ID server; it stops when dropped.
pub struct KeyVaultServer {
    /// The vault URL, `https://127.0.0.1:PORT/`.
    pub url: String,
    /// `https://127.0.0.1:PORT`, for `CustomConfiguration::authority_host`.
    pub authority_host: String,
    /// The CA that signed the server's certificate, PEM.
    pub ca_pem: String,
    shared: Arc<Shared>,
    ca_file: OnceLock<tempfile::NamedTempFile>,
    task: tokio::task::JoinHandle<()>,
}

impl KeyVaultServer {
    /// Listens on a free port of 127.0.0.1 with a fresh CA and certificate.
    pub async fn start(config: KeyVaultConfig) -> Self {
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let port = tcp.local_addr().expect("local addr").port();
        let base = format!("https://127.0.0.1:{port}");
        let certificates = tls::Certificates::generate();
        let object_ids = config
            .apps()
            .into_iter()
            .map(|app| (app.client_id, uuid::Uuid::new_v4().to_string()))
            .collect();
        let shared = Arc::new(Shared {
            config,
            base: base.clone(),
            object_ids,
            state: Mutex::new(state::State::default()),
        });
        let listener = tls::TlsListener::new(tcp, certificates.server_config());
        let app = router(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            url: format!("{base}/"),
            authority_host: base,
            ca_pem: certificates.ca_pem,
            shared,
            ca_file: OnceLock::new(),
            task,
        }
    }

    /// The configuration the server was started with.
    pub fn config(&self) -> &KeyVaultConfig {
        &self.shared.config
    }

    /// The CA written to a temporary file (once; removed when the server is dropped).
    pub fn ca_path(&self) -> PathBuf {
        self.ca_file
            .get_or_init(|| {
                let file = tempfile::Builder::new()
                    .prefix("latchkey-keyvault-ca-")
                    .suffix(".pem")
                    .tempfile()
                    .expect("create the CA file");
                std::fs::write(file.path(), &self.ca_pem).expect("write the CA file");
                file
            })
            .path()
            .to_path_buf()
    }

    /// Adds a version of `name` (creating the secret), returning its version id.
    pub fn set(&self, name: &str, value: &str, options: SetOptions) -> String {
        self.shared
            .lock()
            .set(name, value, options, state::now())
            .unwrap_or_else(|e| panic!("set {name}: {e:?}"))
    }

    /// Disables one version of `name`: getting it answers 403 `SecretDisabled`.
    pub fn disable(&self, name: &str, version: &str) {
        self.shared.lock().disable(name, version);
    }

    /// The version ids of `name`, oldest first (empty if it does not exist).
    pub fn versions(&self, name: &str) -> Vec<String> {
        self.shared.lock().version_ids(name)
    }

    /// Every operation on `name` answers 403 `ForbiddenByRbac` (listing the vault still works).
    pub fn deny(&self, name: &str) {
        self.shared.lock().deny(name);
    }

    /// While true, every data-plane operation (listing too) answers 403 `ForbiddenByRbac`.
    pub fn deny_all(&self, deny: bool) {
        self.shared.lock().deny_all = deny;
    }

    /// The next `requests` authenticated data-plane requests answer 429 with
    /// `Retry-After: <retry_after_secs>`.
    pub fn throttle(&self, requests: usize, retry_after_secs: u64) {
        self.shared.lock().throttle(requests, retry_after_secs);
    }

    /// Makes every token issued so far expired: the vault answers 401 `[TokenExpired]`.
    pub fn expire_tokens(&self) {
        self.shared.lock().expire_tokens();
    }

    /// Data-plane requests received so far (challenges, retries and refusals included).
    pub fn requests(&self) -> usize {
        self.shared.lock().requests
    }

    /// Token requests received so far, answered or refused.
    pub fn token_requests(&self) -> usize {
        self.shared.lock().token_requests
    }

    /// Every response sent so far, in order.
    pub fn responses(&self) -> Vec<RecordedResponse> {
        self.shared.lock().responses.clone()
    }

    /// Loads a seed file (format: `tests/fixtures/keyvault_seed.json`), returning how
    /// many secrets it held.
    pub fn seed_file(&self, path: impl AsRef<Path>) -> usize {
        let seed = seed::Seed::read(path.as_ref());
        let mut state = self.shared.lock();
        seed.apply(&mut state)
    }
}

impl Drop for KeyVaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Both services on one router, every response recorded.
fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(entra::router())
        .merge(data_plane::router(shared.clone()))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            record::record,
        ))
        .with_state(shared)
}
