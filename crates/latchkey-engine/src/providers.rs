//! Secrets managers: configure (non-secret settings in SQLite, credentials in the OS
//! keychain), test, browse, and read secrets by reference.
//!
//! Everything here is generic: each kind's fields, checks and client come from its
//! declaration in `latchkey-providers` (`spec`, `check`, `connect`). The engine keeps
//! the CRUD, the keychain handles (through the same route as connections' literals),
//! the rule that a kept secret never follows a changed address, the client cache and
//! browsing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use latchkey_core::validate;
use latchkey_core::{
    AuditOutcome, Declaration, ExposeSecret, FieldError, FieldInput, FieldView, ManagerSpec,
    ProviderConfig, ProviderKind, SecretRef, SecretValue, SecretsMode, Settings, ipc_type,
    secret_ref::is_valid_alias,
};
use latchkey_providers::{
    AccessReport, ConnectContext, Form, Page, ProviderError, SecretDetails, SecretSummary,
    SecretsProvider,
};
use latchkey_store::NewProvider;
use serde::{Deserialize, Serialize};

use crate::connections::{applicable_only, check_literal, kept_secret_moved};
use crate::rotation::WatchPolicy;
use crate::scope::references;
use crate::{Engine, EngineError, Result};

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
/// A secrets manager as a form submits it: its kind and its declared fields (plain
/// values; secrets typed now or kept from before).
#[derive(Debug, Deserialize)]
pub struct ProviderInput {
    pub alias: String,
    /// `None` for a workspace-level manager.
    pub project_id: Option<String>,
    pub kind: ProviderKind,
    #[serde(default)]
    pub fields: BTreeMap<String, FieldInput>,
    /// `None` keeps the stored policy (the default for a new manager).
    #[serde(default)]
    pub cache: Option<CachePolicy>,
    /// `None` keeps the stored rotation watch (the default for a new manager).
    #[serde(default)]
    pub watch: Option<WatchPolicy>,
    /// Renaming a manager that references name rewrites them: the first submission is
    /// refused with the list of what would change, this confirms it.
    #[serde(default)]
    pub confirm_rename: bool,
}
}

impl ProviderInput {
    /// A form with plain fields only (secrets added with [`Self::secret`]).
    pub fn new(alias: &str, kind: ProviderKind, plain: &[(&str, &str)]) -> Self {
        Self {
            alias: alias.into(),
            project_id: None,
            kind,
            fields: plain
                .iter()
                .map(|(k, v)| {
                    (
                        (*k).to_owned(),
                        FieldInput::Plain {
                            value: (*v).to_owned(),
                        },
                    )
                })
                .collect(),
            cache: None,
            watch: None,
            confirm_rename: false,
        }
    }

    /// Sets a plain field.
    pub fn set(mut self, key: &str, value: &str) -> Self {
        self.fields.insert(
            key.into(),
            FieldInput::Plain {
                value: value.into(),
            },
        );
        self
    }

    /// Leaves a field out.
    pub fn unset(mut self, key: &str) -> Self {
        self.fields.remove(key);
        self
    }

    /// Adds a typed secret.
    pub fn secret(mut self, key: &str, value: &str) -> Self {
        self.fields.insert(
            key.into(),
            FieldInput::Literal {
                value: SecretValue::from(value.to_owned()),
            },
        );
        self
    }

    /// Keeps the secret stored for `key` (an edit that does not retype it).
    pub fn keep(mut self, key: &str) -> Self {
        self.fields.insert(key.into(), FieldInput::KeepLiteral);
        self
    }

    pub fn in_project(mut self, project_id: Option<&str>) -> Self {
        self.project_id = project_id.map(str::to_owned);
        self
    }

    pub fn with_cache(mut self, policy: CachePolicy) -> Self {
        self.cache = Some(policy);
        self
    }

    pub fn with_watch(mut self, policy: WatchPolicy) -> Self {
        self.watch = Some(policy);
        self
    }

    /// Confirms a rename that rewrites the references naming the old alias.
    pub fn confirming_rename(mut self) -> Self {
        self.confirm_rename = true;
        self
    }
}

ipc_type! {
/// A secrets manager as the UI sees it: its plain settings and which secrets are
/// stored (never a secret's value).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProviderView {
    pub id: String,
    pub alias: String,
    pub kind: ProviderKind,
    pub kind_label: String,
    pub project_id: Option<String>,
    /// Plain settings by field; a stored secret is `{ source: "literal" }`.
    pub fields: BTreeMap<String, FieldView>,
    /// Where it points (URL, or region), computed by its kind.
    pub target: String,
    /// The chosen sign-in method's label.
    pub auth_label: String,
    pub cache: CachePolicy,
    pub watch: WatchPolicy,
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
    /// The stage word marking the version a reference without a version reads
    /// (AWS `AWSCURRENT`, Vault `current`, Azure `latest`), on that version only.
    pub current_stage: Option<String>,
    /// Why this version cannot be picked, and the stage word that says so.
    pub unusable: Option<String>,
    pub unusable_stage: Option<String>,
    /// A stage a reference may follow instead of this version's ID (AWS: `AWSPREVIOUS`).
    pub pin_stage: Option<String>,
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
                    current_stage: v.current_stage,
                    unusable: v.unusable,
                    unusable_stage: v.unusable_stage,
                    pin_stage: v.pin_stage,
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

/// A manager's stored plain settings: the declared fields' string values.
pub(crate) fn stored_plain(spec: &ManagerSpec, p: &ProviderConfig) -> BTreeMap<String, String> {
    p.settings
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| spec.is_plain_field(k))
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn with_cache(
    spec: &ManagerSpec,
    plain: &BTreeMap<String, String>,
    policy: CachePolicy,
    watch: WatchPolicy,
) -> serde_json::Value {
    // Only declared plain fields are written (never a secret field, whatever came in).
    let plain: BTreeMap<&String, &String> = plain
        .iter()
        .filter(|(k, _)| spec.is_plain_field(k))
        .collect();
    let mut settings = serde_json::to_value(plain).expect("settings serialize");
    settings["cache"] = serde_json::to_value(policy).expect("policy serializes");
    settings["watch"] = serde_json::to_value(watch).expect("policy serializes");
    settings
}

fn view(p: &ProviderConfig, used_by: Vec<String>) -> ProviderView {
    let spec = latchkey_providers::spec(p.kind);
    let plain = stored_plain(&spec, p);
    let mut fields: BTreeMap<String, FieldView> = plain
        .iter()
        .map(|(k, v)| (k.clone(), FieldView::Plain { value: v.clone() }))
        .collect();
    for key in p.keychain_handles.keys() {
        fields.insert(key.clone(), FieldView::Literal);
    }
    let value_of = |k: &str| plain.get(k).cloned();
    ProviderView {
        id: p.id.clone(),
        alias: p.alias.clone(),
        kind: p.kind,
        kind_label: p.kind.label().into(),
        project_id: p.project_id.clone(),
        target: latchkey_providers::target(p.kind, &plain),
        auth_label: spec.auth_label(&value_of),
        fields,
        cache: CachePolicy::of(p),
        watch: WatchPolicy::of(p),
        used_by,
        created_at: p.created_at.clone(),
        updated_at: p.updated_at.clone(),
    }
}

/// One line for the audit log (no secret): kind, where, how it signs in.
fn describe(spec: &ManagerSpec, plain: &BTreeMap<String, String>) -> String {
    let value_of = |k: &str| plain.get(k).cloned();
    let target = latchkey_providers::target(spec.kind, plain);
    format!(
        "{} {target} ({} sign-in)",
        spec.label,
        spec.auth_label(&value_of)
    )
}

/// A secret of a checked form: typed now, or the keychain handle kept from before.
enum SecretPart {
    Typed(SecretValue),
    Kept(String),
}

/// A checked form: the plain settings to store and the secrets that apply.
struct Checked {
    spec: ManagerSpec,
    plain: BTreeMap<String, String>,
    secrets: BTreeMap<String, SecretPart>,
}

/// Checks a form against its kind's declaration and the kind's own checks; a secret
/// kept from before is refused when a field saying where it is sent has changed.
fn check_form(mut input: ProviderInput, existing: Option<&ProviderConfig>) -> Result<Checked> {
    let spec = latchkey_providers::spec(input.kind);
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    if !is_valid_alias(input.alias.trim()) {
        err(
            "alias",
            "The alias names this manager in references (secret://ALIAS/...): use 1–64 letters, digits, `_`, `.` or `-`, starting with a letter or digit.".into(),
        );
    }
    if !spec.available {
        return Err(EngineError::field(
            "kind",
            format!(
                "{} is not available yet: choose another kind of secrets manager.",
                spec.label
            ),
        ));
    }
    if let Some(before) = existing
        && before.kind != input.kind
    {
        return Err(EngineError::field(
            "kind",
            "A secrets manager cannot change kind: add a new one instead.",
        ));
    }
    applicable_only(&spec, &mut input.fields);
    // An empty secret box means nothing was typed.
    input.fields.retain(
        |_, v| !matches!(v, FieldInput::Literal { value } if value.expose_secret().is_empty()),
    );
    let supplied = validate::supplied(&input.fields);
    validate::fields(&mut errors, &spec, &supplied);
    let mut plain = BTreeMap::new();
    let mut secrets = BTreeMap::new();
    for (key, value) in std::mem::take(&mut input.fields) {
        match value {
            FieldInput::Plain { value } if !value.trim().is_empty() => {
                plain.insert(key, value.trim().to_owned());
            }
            FieldInput::Literal { value } => match check_literal(spec.field(&key), &key, &value) {
                Some(e) => errors.push(e),
                None => {
                    secrets.insert(key, SecretPart::Typed(value));
                }
            },
            FieldInput::KeepLiteral => match existing.and_then(|p| p.keychain_handles.get(&key)) {
                Some(h) => {
                    secrets.insert(key, SecretPart::Kept(h.clone()));
                }
                None => errors.push(FieldError {
                    field: key,
                    message: "No value is stored for this field yet: type it in.".into(),
                }),
            },
            _ => {}
        }
    }
    if let Some(before) = existing {
        let old = stored_plain(&spec, before);
        let kept: Vec<&str> = secrets
            .iter()
            .filter(|(_, v)| matches!(v, SecretPart::Kept(_)))
            .map(|(k, _)| k.as_str())
            .collect();
        if let Some(e) = kept_secret_moved(&spec, &old, &plain, &kept) {
            errors.push(e);
        }
    }
    let form = Form {
        plain: plain.clone(),
        secrets: secrets.keys().cloned().collect::<BTreeSet<_>>(),
    };
    errors.extend(latchkey_providers::check(input.kind, &form));
    for unused in latchkey_providers::unused_secrets(input.kind, &form) {
        secrets.remove(unused);
    }
    if !errors.is_empty() {
        // In form order (the alias first), one message per field.
        let order = |field: &str| match field {
            "alias" => 0,
            f => {
                1 + spec
                    .fields
                    .iter()
                    .position(|x| x.key == f)
                    .unwrap_or(spec.fields.len())
            }
        };
        errors.sort_by_key(|e| order(&e.field));
        errors.dedup_by(|a, b| a.field == b.field);
        return Err(EngineError::Validation(errors));
    }
    latchkey_providers::normalise(input.kind, &mut plain);
    Ok(Checked {
        spec,
        plain,
        secrets,
    })
}

impl Engine {
    /// Every secrets-manager kind's declaration, in the chooser's order.
    pub fn provider_types(&self) -> Vec<ManagerSpec> {
        latchkey_providers::all()
    }

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

    /// One manager as the UI sees it.
    pub async fn get_provider(&self, id: &str) -> Result<ProviderView> {
        self.list_providers()
            .await?
            .into_iter()
            .find(|v| v.id == id)
            .ok_or_else(|| {
                EngineError::NotFound(
                    "That secrets manager no longer exists: reload the list.".into(),
                )
            })
    }

    /// The keychain handles to store: typed secrets go to the keychain now (the same
    /// route as a connection's literal); kept ones reuse their handle. Returns (handles,
    /// handles written now).
    async fn credential_handles(
        &self,
        secrets: BTreeMap<String, SecretPart>,
    ) -> Result<(BTreeMap<String, String>, Vec<String>)> {
        let mut handles = BTreeMap::new();
        let mut written = Vec::new();
        for (name, part) in secrets {
            let handle = match part {
                SecretPart::Kept(h) => h,
                SecretPart::Typed(value) => {
                    match self.put_credential("provider", &name, value).await {
                        Ok(h) => {
                            written.push(h.clone());
                            h
                        }
                        Err(e) => {
                            self.forget_credentials(written).await;
                            return Err(e);
                        }
                    }
                }
            };
            handles.insert(name, handle);
        }
        Ok((handles, written))
    }

    pub async fn create_provider(&self, input: ProviderInput) -> Result<ProviderView> {
        let (alias, project_id, cache, watch) = (
            input.alias.trim().to_owned(),
            input.project_id.clone(),
            input.cache,
            input.watch.unwrap_or_default(),
        );
        watch.check()?;
        let kind = input.kind;
        let checked = check_form(input, None)?;
        self.check_project(project_id.as_deref()).await?;
        let detail = describe(&checked.spec, &checked.plain);
        let (handles, written) = self.credential_handles(checked.secrets).await?;
        let new = NewProvider {
            alias,
            kind,
            project_id,
            settings: with_cache(
                &checked.spec,
                &checked.plain,
                cache.unwrap_or_default(),
                watch,
            ),
            keychain_handles: handles,
        };
        match self.store.providers().create(&new).await {
            Ok(p) => {
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
                self.forget_credentials(written).await;
                Err(e.into())
            }
        }
    }

    pub async fn update_provider(&self, id: &str, input: ProviderInput) -> Result<ProviderView> {
        let before = self.store.providers().get(id).await?;
        let (alias, cache, confirm) = (
            input.alias.trim().to_owned(),
            input.cache,
            input.confirm_rename,
        );
        let watch = input.watch.unwrap_or_else(|| WatchPolicy::of(&before));
        watch.check()?;
        let checked = check_form(input, Some(&before))?;
        // A rename rewrites the references that name the old alias, once confirmed.
        let renamed = if alias.eq_ignore_ascii_case(&before.alias) {
            Vec::new()
        } else {
            self.references_to(&before).await?
        };
        if !renamed.is_empty() && !confirm {
            return Err(EngineError::Confirm(format!(
                "Renaming \"{}\" to \"{alias}\" changes {} reference{} that name it: {}. Confirm to rename and update them.",
                before.alias,
                renamed.len(),
                if renamed.len() == 1 { "" } else { "s" },
                renamed
                    .iter()
                    .map(|(c, field)| format!("{} ({field})", c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let detail = describe(&checked.spec, &checked.plain);
        let (handles, written) = self.credential_handles(checked.secrets).await?;
        let after = ProviderConfig {
            alias: alias.clone(),
            settings: with_cache(
                &checked.spec,
                &checked.plain,
                cache.unwrap_or_else(|| CachePolicy::of(&before)),
                watch,
            ),
            keychain_handles: handles.clone(),
            ..before.clone()
        };
        let rewritten: Vec<latchkey_core::Connection> = renamed
            .into_iter()
            .map(|(mut c, field)| {
                if let Some(latchkey_core::FieldValue::Secret { reference }) =
                    c.fields.get_mut(&field)
                {
                    reference.provider.clone_from(&alias);
                }
                c
            })
            .collect();
        let mut merged: Vec<latchkey_core::Connection> = Vec::new();
        for c in rewritten {
            match merged.iter_mut().find(|m| m.id == c.id) {
                Some(m) => {
                    for (k, v) in c.fields {
                        if matches!(&v, latchkey_core::FieldValue::Secret { reference } if reference.provider == alias)
                        {
                            m.fields.insert(k, v);
                        }
                    }
                }
                None => merged.push(c),
            }
        }
        match self
            .store
            .providers()
            .update_renaming(&after, &merged)
            .await
        {
            Ok(p) => {
                self.forget_provider(&p.id);
                for c in &merged {
                    self.audit(
                        "connection.updated",
                        format!("connection:{}", c.name),
                        AuditOutcome::Ok,
                        format!(
                            "references renamed with the secrets manager \"{}\" → \"{}\"",
                            before.alias, p.alias
                        ),
                    )
                    .await;
                }
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
                    detail,
                )
                .await;
                self.get_provider(&p.id).await
            }
            Err(e) => {
                self.forget_credentials(written).await;
                Err(e.into())
            }
        }
    }

    /// The connection fields whose references name `p` (by its alias, in its scope).
    async fn references_to(
        &self,
        p: &ProviderConfig,
    ) -> Result<Vec<(latchkey_core::Connection, String)>> {
        let managers = self.managers().await?;
        let mut out = Vec::new();
        for c in self.store.connections().list(None).await? {
            let fields: Vec<String> = references(&c)
                .filter(|(_, r)| {
                    managers
                        .find(&c.project_id, &r.provider)
                        .is_ok_and(|m| m.id == p.id)
                })
                .map(|(k, _)| k.to_owned())
                .collect();
            for f in fields {
                out.push((c.clone(), f));
            }
        }
        Ok(out)
    }

    /// Deletes a manager that no connection uses.
    pub async fn delete_provider(&self, id: &str) -> Result<()> {
        let v = self.get_provider(id).await?;
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
        let spec = latchkey_providers::spec(p.kind);
        let mut secrets = BTreeMap::new();
        for (name, handle) in &p.keychain_handles {
            let h = handle.clone();
            secrets.insert(name.clone(), self.keychain(move |kc| kc.get(&h)).await?);
        }
        let settings = Settings {
            plain: stored_plain(&spec, p),
            secrets,
        };
        self.build_client(&p.alias, p.project_id.as_deref(), p.kind, settings)
            .await
    }

    /// A client for settings (no network call); `project_id` is the manager's scope.
    async fn build_client(
        &self,
        alias: &str,
        project_id: Option<&str>,
        kind: ProviderKind,
        settings: Settings,
    ) -> Result<Arc<dyn SecretsProvider>> {
        let context = ConnectContext {
            alias: alias.into(),
            external_id: self.external_id(project_id).await?,
        };
        Ok(latchkey_providers::connect(kind, settings, &context).await?)
    }

    /// "Test" on the setup form: the effective identity and whether it can browse, for
    /// the settings as typed (`id` supplies stored secrets the form keeps — never to a
    /// changed address).
    pub async fn test_provider(
        &self,
        id: Option<&str>,
        input: ProviderInput,
    ) -> Result<ProviderCheck> {
        let existing = match id {
            Some(id) => Some(self.store.providers().get(id).await?),
            None => None,
        };
        let (alias, project_id, kind) = (
            input.alias.trim().to_owned(),
            existing
                .as_ref()
                .map_or(input.project_id.clone(), |p| p.project_id.clone()),
            input.kind,
        );
        let checked = check_form(input, existing.as_ref())?;
        let mut secrets = BTreeMap::new();
        for (name, part) in checked.secrets {
            let value = match part {
                SecretPart::Typed(v) => v,
                SecretPart::Kept(h) => self.keychain(move |kc| kc.get(&h)).await?,
            };
            secrets.insert(name, value);
        }
        let settings = Settings {
            plain: checked.plain,
            secrets,
        };
        let client = self
            .build_client(&alias, project_id.as_deref(), kind, settings)
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
            format!("provider:{alias}"),
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
        let (p, client) = self.provider_by_id(provider_id).await?;
        let listed = client
            .list(prefix.as_deref().filter(|p| !p.is_empty()), page)
            .await;
        self.meter(&p.id, "list", crate::rotation::call_outcome(&listed), 1)
            .await;
        Ok(listed?.into())
    }

    pub async fn describe_secret(&self, provider_id: &str, name: &str) -> Result<SecretInfo> {
        let (p, client) = self.provider_by_id(provider_id).await?;
        let described = client.describe(name).await;
        self.meter(
            &p.id,
            "describe",
            crate::rotation::call_outcome(&described),
            1,
        )
        .await;
        Ok(described?.into())
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
        self.meter(&p.id, "read", crate::rotation::call_outcome(&keys), 1)
            .await;
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
