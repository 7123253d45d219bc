//! # latchkey-providers
//!
//! The secrets managers Latchkey reads from, behind one trait, [`SecretsProvider`]:
//! list secrets a page at a time (with a server-side name filter), describe a secret
//! (metadata, versions and stages), read a value by [`SecretRef`] into a
//! [`SecretValue`] (which cannot be printed, serialized or logged), list the keys of a
//! JSON secret without letting its values out, and check access.
//!
//! Implemented: AWS Secrets Manager ([`aws`]), HashiCorp Vault / OpenBao KV v1 and v2
//! ([`vault`]), Azure Key Vault ([`azure`]). Google Secret Manager and Conjur follow
//! behind the same trait.
//!
//! Each kind is one folder (`aws/`, `vault/`, `azure/`) whose `kind.rs` declares the
//! kind once ([`spec`]: label, sign-in methods, fields, notes), checks a form
//! ([`check`]) and builds a client from checked settings ([`connect`]). The engine, the
//! UI's setup dialog and the CLI all read that declaration; adding a kind is a folder
//! and one arm in each function below.
//!
//! Errors are [`ProviderError`]s: each names what failed (the secret, the action, the
//! key) and what to do, and none carries a secret value.

pub mod aws;
pub mod azure;
mod error;
mod json;
pub mod vault;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use latchkey_core::{
    ExposeSecret, FieldErrors, ManagerSpec, ProviderKind, SecretRef, SecretValue, SecretVersion,
    Settings,
};
use serde::Serialize;

pub use error::ProviderError;
pub use json::select_json_key;

pub type Result<T, E = ProviderError> = std::result::Result<T, E>;

/// A setup form as a kind's [`check`] sees it: the plain fields that apply (trimmed,
/// declared defaults filled in) and which secret fields are supplied (typed now or kept
/// from before). Never a secret value.
#[derive(Debug, Default)]
pub struct Form {
    pub plain: BTreeMap<String, String>,
    pub secrets: BTreeSet<String>,
}

impl Form {
    pub fn text(&self, key: &str) -> &str {
        self.plain.get(key).map(|v| v.trim()).unwrap_or("")
    }
    pub fn has_secret(&self, key: &str) -> bool {
        self.secrets.contains(key)
    }
}

/// What the engine works out for a client beyond the stored settings.
#[derive(Clone, Debug, Default)]
pub struct ConnectContext {
    /// The manager's alias (named in errors).
    pub alias: String,
    /// The AWS external ID of the manager's scope (the project's, or the workspace's).
    pub external_id: String,
}

/// The declaration of a kind: label, description, sign-in methods, fields and notes.
pub fn spec(kind: ProviderKind) -> ManagerSpec {
    match kind {
        ProviderKind::AwsSecretsManager => aws::kind::spec(),
        ProviderKind::Vault => vault::kind::spec(),
        ProviderKind::AzureKeyVault => azure::kind::spec(),
        ProviderKind::GcpSecretManager => not_yet(
            kind,
            "Service-account key or application default credentials.",
        ),
        ProviderKind::Conjur => not_yet(kind, "Host ID and API key."),
    }
}

/// A kind Latchkey cannot use yet: listed, but without a form.
fn not_yet(kind: ProviderKind, description: &str) -> ManagerSpec {
    ManagerSpec {
        kind,
        label: kind.label().into(),
        description: description.into(),
        available: false,
        auth_field: None,
        fields: Vec::new(),
        notes: Vec::new(),
        intro: String::new(),
    }
}

/// Every kind, in the chooser's order.
pub fn all() -> Vec<ManagerSpec> {
    [
        ProviderKind::AwsSecretsManager,
        ProviderKind::Vault,
        ProviderKind::AzureKeyVault,
        ProviderKind::GcpSecretManager,
        ProviderKind::Conjur,
    ]
    .into_iter()
    .map(spec)
    .collect()
}

/// The kind's own checks of a form, beyond what the declaration says (formats, rules
/// between fields); each error names its field. The engine has already checked the
/// declaration (required fields, kinds, choices).
pub fn check(kind: ProviderKind, form: &Form) -> FieldErrors {
    match kind {
        ProviderKind::AwsSecretsManager => aws::kind::check(form),
        ProviderKind::Vault => vault::kind::check(form),
        ProviderKind::AzureKeyVault => azure::kind::check(form),
        ProviderKind::GcpSecretManager | ProviderKind::Conjur => Vec::new(),
    }
}

/// Secrets a checked form supplies that its settings do not use (AWS: a secret key
/// for Assume role without a source key ID): not stored, and deleted from the keychain.
pub fn unused_secrets(kind: ProviderKind, form: &Form) -> Vec<&'static str> {
    match kind {
        ProviderKind::AwsSecretsManager => aws::kind::unused_secrets(form),
        _ => Vec::new(),
    }
}

/// Normalises checked plain settings before they are stored (a URL's trailing slash).
pub fn normalise(kind: ProviderKind, plain: &mut BTreeMap<String, String>) {
    match kind {
        ProviderKind::AwsSecretsManager => {}
        ProviderKind::Vault => vault::kind::normalise(plain),
        ProviderKind::AzureKeyVault => azure::kind::normalise(plain),
        ProviderKind::GcpSecretManager | ProviderKind::Conjur => {}
    }
}

/// A client for checked settings and their secrets (no network call, except where a
/// kind's SDK resolves its configuration up front).
pub async fn connect(
    kind: ProviderKind,
    settings: Settings,
    context: &ConnectContext,
) -> Result<Arc<dyn SecretsProvider>> {
    match kind {
        ProviderKind::AwsSecretsManager => {
            Ok(Arc::new(aws::kind::connect(settings, context).await?))
        }
        ProviderKind::Vault => Ok(Arc::new(vault::kind::connect(settings, context)?)),
        ProviderKind::AzureKeyVault => Ok(Arc::new(azure::kind::connect(settings, context)?)),
        ProviderKind::GcpSecretManager | ProviderKind::Conjur => Err(ProviderError::Other(
            format!("{} is not supported yet", kind.label()),
        )),
    }
}

/// Where a manager points, in one line (its URL, or its region): the list and the CLI
/// show it beside the sign-in method.
pub fn target(kind: ProviderKind, plain: &BTreeMap<String, String>) -> String {
    let v = |k: &str| {
        plain
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    match kind {
        ProviderKind::AwsSecretsManager => {
            let endpoint = v("endpoint_url");
            if endpoint.is_empty() {
                v("region")
            } else {
                format!("{} · {endpoint}", v("region"))
            }
        }
        ProviderKind::Vault => v("address"),
        ProviderKind::AzureKeyVault => v("vault_url"),
        ProviderKind::GcpSecretManager | ProviderKind::Conjur => String::new(),
    }
}

/// Adds a field's problem to a kind's check results.
pub(crate) fn field_error(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors.push(latchkey_core::FieldError {
        field: field.into(),
        message: message.into(),
    });
}

/// A secret taken out of a kind's settings, or the error naming its field.
pub(crate) fn required_secret(
    settings: &mut Settings,
    key: &'static str,
    label: &str,
) -> Result<SecretValue> {
    settings
        .take_secret(key)
        .filter(|v| !v.expose_secret().is_empty())
        .ok_or_else(|| ProviderError::InvalidSetting {
            field: key,
            message: format!("The {label} is missing from the keychain: enter it again."),
        })
}

/// One page of a listing; `next` continues it.
#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// A secret as a listing shows it: metadata only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SecretSummary {
    /// The name references use.
    pub name: String,
    /// Where the picker's tree shows it, when that is not its name (Azure Key Vault
    /// names have no `/`: grouped by a name separator or a tag, e.g. "billing/db-password").
    pub path: Option<String>,
    /// A provider-specific full identifier (the ARN for AWS).
    pub id: String,
    pub description: Option<String>,
    pub last_changed: Option<String>,
    pub last_rotated: Option<String>,
    pub rotation_enabled: bool,
    /// When the service will rotate it next (AWS `NextRotationDate`).
    pub next_rotation: Option<String>,
    pub tags: Vec<(String, String)>,
}

/// One version of a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    pub id: String,
    /// AWS staging labels (AWSCURRENT, AWSPREVIOUS, custom); Azure: "latest", "disabled",
    /// "expired", "not yet valid".
    pub stages: Vec<String>,
    pub created: Option<String>,
    /// Whether this version can be read (not deleted, disabled or expired).
    pub enabled: bool,
    /// Azure Key Vault: last update, expiry and activation (not-before) times.
    pub updated: Option<String>,
    pub expires: Option<String>,
    pub not_before: Option<String>,
    /// The stage word that marks the version a reference without a version reads
    /// (AWS `AWSCURRENT`, Vault `current`, Azure `latest`), on that version only.
    pub current_stage: Option<String>,
    /// Why this version cannot be picked, and the stage word that says so
    /// (Vault: deleted, destroyed; Azure: disabled, expired, not yet valid).
    pub unusable: Option<String>,
    pub unusable_stage: Option<String>,
    /// A stage a reference may follow instead of this version's ID (AWS: `AWSPREVIOUS`).
    pub pin_stage: Option<String>,
}

/// A secret with its versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretDetails {
    pub summary: SecretSummary,
    pub versions: Vec<VersionInfo>,
}

/// What the rotation watch asks about: a secret, and the version a reference follows
/// (`None`: the current one).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WatchTarget {
    pub name: String,
    pub version: Option<SecretVersion>,
}

/// What the watch learns about one secret: metadata only, never a value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WatchInfo {
    /// The version the reference would read now.
    pub version_id: Option<String>,
    /// When that version stops being readable (Key Vault `exp`).
    pub expires: Option<String>,
    /// When the service rotates the secret next (AWS `NextRotationDate`).
    pub next_rotation: Option<String>,
    pub rotation_enabled: bool,
    /// Custom metadata (Vault) or tags, where an admin-named key may hold a date.
    pub tags: Vec<(String, String)>,
}

impl WatchInfo {
    /// The version `version` selects among a secret's described versions.
    pub fn select(details: &SecretDetails, version: Option<&SecretVersion>) -> Result<Self> {
        let found = details.versions.iter().find(|v| match version {
            None => v.current_stage.is_some(),
            Some(SecretVersion::Id(id)) => &v.id == id,
            Some(SecretVersion::Stage(s)) => v.stages.iter().any(|st| st == s),
        });
        let Some(v) = found else {
            return Err(ProviderError::VersionNotFound {
                secret: details.summary.name.clone(),
                version: match version {
                    None => "current".into(),
                    Some(SecretVersion::Id(id)) => id.clone(),
                    Some(SecretVersion::Stage(s)) => format!("with stage {s}"),
                },
            });
        };
        Ok(Self {
            version_id: Some(v.id.clone()),
            expires: v.expires.clone(),
            next_rotation: details.summary.next_rotation.clone(),
            rotation_enabled: details.summary.rotation_enabled,
            tags: details.summary.tags.clone(),
        })
    }
}

/// One watch pass over a manager: what each target's metadata says, and the calls it
/// took. Targets beyond the call budget are left out (checked next cycle).
#[derive(Debug, Default)]
pub struct WatchReport {
    pub results: Vec<(WatchTarget, Result<WatchInfo>)>,
    pub calls: u32,
}

impl WatchReport {
    /// The first error that says to slow down or that the manager is unreachable.
    pub fn backoff_reason(&self) -> Option<&ProviderError> {
        self.results
            .iter()
            .find_map(|(_, r)| r.as_ref().err().filter(|e| e.stops_a_look()))
    }
}

/// A watch pass that describes each target in turn (one call each, within `budget`),
/// stopping at the first throttle or unreachable server.
pub(crate) async fn watch_each<'a, F, Fut>(
    targets: &'a [WatchTarget],
    budget: u32,
    mut one: F,
) -> WatchReport
where
    F: FnMut(&'a WatchTarget) -> Fut,
    Fut: std::future::Future<Output = (u32, Result<WatchInfo>)>,
{
    let mut report = WatchReport::default();
    for t in targets {
        if report.calls >= budget {
            break;
        }
        let (calls, result) = one(t).await;
        report.calls += calls;
        let stop = result.as_ref().is_err_and(ProviderError::stops_a_look);
        report.results.push((t.clone(), result));
        if stop {
            break;
        }
    }
    report
}

/// A value read from a provider.
#[derive(Debug)]
pub struct Resolved {
    pub value: SecretValue,
    /// The provider's identifier of the version that was read.
    pub version_id: Option<String>,
}

/// Who Latchkey is to the provider, and whether it may list secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessReport {
    /// The effective identity (for AWS: the caller ARN from STS GetCallerIdentity).
    pub identity: String,
    /// Whether a one-item listing succeeded.
    pub can_list: bool,
    /// Why listing failed, when it did.
    pub list_error: Option<String>,
}

/// A secrets manager.
#[async_trait]
pub trait SecretsProvider: Send + Sync + std::fmt::Debug {
    /// Secrets whose name starts with `prefix` (all when `None`), one page at a time.
    async fn list(&self, prefix: Option<&str>, page: Option<String>)
    -> Result<Page<SecretSummary>>;

    /// A secret's metadata and versions.
    async fn describe(&self, name: &str) -> Result<SecretDetails>;

    /// Reads the value a reference points at (its JSON key applied, when it has one).
    async fn read(&self, reference: &SecretRef) -> Result<Resolved>;

    /// The top-level keys of a JSON secret, without their values. A secret that is not
    /// a JSON object has none.
    async fn json_keys(&self, reference: &SecretRef) -> Result<Vec<String>> {
        let whole = SecretRef {
            json_key: None,
            ..reference.clone()
        };
        let resolved = self.read(&whole).await?;
        Ok(json::object_keys(&resolved.value))
    }

    /// Checks the credentials: the effective identity and a one-item listing.
    async fn check_access(&self) -> Result<AccessReport>;

    /// The rotation watch: the metadata of each target (the version it follows now,
    /// expiry and rotation dates) in the fewest calls the service allows, at most
    /// `budget` of them. Never reads a value.
    async fn watch(&self, targets: &[WatchTarget], budget: u32) -> WatchReport;

    /// How many requests this client has sent to the manager (retries included), for
    /// benchmarks and the single-flight test; 0 where a provider does not count.
    fn requests_sent(&self) -> u64 {
        0
    }
}

#[cfg(test)]
mod declaration_tests {
    use latchkey_core::FieldKind;

    use super::*;

    /// Every condition names a field that exists (and, for a choice, one of its values),
    /// notes follow fields that exist, the auth field is a choice, and no condition
    /// loops back on itself.
    #[test]
    fn every_declaration_is_consistent() {
        for spec in all() {
            let keys: Vec<&str> = spec.fields.iter().map(|f| f.key.as_str()).collect();
            let check = |cond: &latchkey_core::ShowWhen, what: &str| {
                let target = spec.field(&cond.field).unwrap_or_else(|| {
                    panic!("{}: {what} names no field {}", spec.label, cond.field)
                });
                if target.kind == FieldKind::Choice {
                    for v in &cond.values {
                        assert!(
                            target.choices.iter().any(|c| &c.value == v),
                            "{}: {what} names no choice {v} of {}",
                            spec.label,
                            cond.field
                        );
                    }
                }
            };
            for f in &spec.fields {
                if let Some(c) = &f.show_when {
                    check(c, &f.key);
                }
                if let Some(c) = &f.required_when {
                    check(c, &f.key);
                }
                // Following the conditions ends (no field depends on itself).
                let mut seen = vec![f.key.as_str()];
                let mut at = f;
                while let Some(c) = &at.show_when {
                    assert!(
                        !seen.contains(&c.field.as_str()),
                        "{}: a cycle at {}",
                        spec.label,
                        f.key
                    );
                    seen.push(&c.field);
                    at = spec.field(&c.field).unwrap();
                }
                assert!(
                    !(f.kind == FieldKind::Secret && f.default.is_some()),
                    "{}: a secret has no default",
                    spec.label
                );
            }
            for n in &spec.notes {
                if let Some(after) = &n.after {
                    assert!(
                        keys.contains(&after.as_str()),
                        "{}: note {} after {after}",
                        spec.label,
                        n.id
                    );
                }
                if let Some(c) = &n.show_when {
                    check(c, &n.id);
                }
            }
            if let Some(auth) = &spec.auth_field {
                assert_eq!(
                    spec.field(auth).map(|f| f.kind),
                    Some(FieldKind::Choice),
                    "{}",
                    spec.label
                );
            }
            assert_eq!(spec.available, !spec.fields.is_empty(), "{}", spec.label);
        }
    }

    #[test]
    fn addresses_and_trust_anchors_are_destinations() {
        let dest = |k: ProviderKind| -> Vec<String> {
            spec(k)
                .fields
                .into_iter()
                .filter(|f| f.destination)
                .map(|f| f.key)
                .collect()
        };
        assert_eq!(dest(ProviderKind::AwsSecretsManager), ["endpoint_url"]);
        assert_eq!(dest(ProviderKind::Vault), ["address", "ca_cert"]);
        assert_eq!(
            dest(ProviderKind::AzureKeyVault),
            ["vault_url", "authority_host", "ca_cert"]
        );
    }

    #[test]
    fn a_pasted_secret_in_the_tenant_box_is_refused_without_repeating_it() {
        let pasted = "Xy7Q~abc.def-canary";
        let form = Form {
            plain: [
                ("vault_url", "https://kv1.vault.azure.net/"),
                ("auth", "client_secret"),
                ("tenant_id", pasted),
                ("client_id", pasted),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            secrets: ["client_secret".to_owned()].into(),
        };
        let errors = check(ProviderKind::AzureKeyVault, &form);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["tenant_id", "client_id"]);
        assert!(
            errors.iter().all(|e| !e.message.contains("canary")),
            "{errors:?}"
        );
        let ok = Form {
            plain: [("tenant_id", "contoso.onmicrosoft.com")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            ..form
        };
        assert!(
            !check(ProviderKind::AzureKeyVault, &ok)
                .iter()
                .any(|e| e.field == "tenant_id")
        );
    }
}
