//! "Test connection": four steps, each timed and reported as it finishes.
//!
//! 1. Request the secret — from the secrets manager (or the OS keychain for a literal).
//! 2. Retrieve and decrypt — the value arrives; a JSON key is applied.
//! 3. Authenticate — to the target system with the resolved credentials.
//! 4. Check access — what the session may do (PostgreSQL: `current_user`, `version()`;
//!    each type's check is declared with the type in `latchkey-connectors`).
//!
//! A failure names its step, a code, the cause and a fix; later steps are skipped.
//! Values stay in `SecretValue`s: no report, log line or audit event carries one.

use std::collections::BTreeMap;
use std::time::Instant;

use latchkey_connectors::{ConnectorError, Reporter, Settings};
use latchkey_core::{
    AuditOutcome, Connection, ErrorCode, FieldKind, FieldValue, SecretValue, SecretVersion,
    ipc_type,
};
use latchkey_providers::{ProviderError, select_json_key};
use serde::{Deserialize, Serialize};

use crate::{Engine, EngineError, Result};

ipc_type! {
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    Ok,
    Failed,
    /// Not run because an earlier step failed.
    Skipped,
}
}

ipc_type! {
/// One step of a connection test.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    /// 1 to 4.
    pub step: u8,
    pub title: String,
    pub outcome: StepOutcome,
    pub duration_ms: u32,
    /// What happened (never a value).
    pub detail: String,
    pub code: Option<ErrorCode>,
    pub cause: Option<String>,
    pub fix: Option<String>,
    /// A change the admin may accept to get past this failure (trust an SSH host key).
    pub offer: Option<Offer>,
}
}

ipc_type! {
/// A change a failed step offers, such as trusting an SSH server's host key on first
/// use; accepting it saves `fields` (plain settings) into the connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub prompt: String,
    pub fields: BTreeMap<String, String>,
}
}

ipc_type! {
/// The whole test.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestReport {
    pub connection_id: String,
    pub connection: String,
    pub ok: bool,
    pub steps: Vec<StepReport>,
    /// Set when the test read a secret at another version or stage than the
    /// connection's ("test before cutover"): what it read, e.g. "db/app at stage AWSPENDING".
    pub trial: Option<String>,
}
}

ipc_type! {
/// Test before cutover: one secret read at another version or stage, for this test
/// only (the connection, the cache and the version history do not change).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trial {
    /// The secret to read differently; `None` when the connection uses one secret.
    pub secret: Option<String>,
    /// A version ID, or `None` with `stage`.
    pub version: Option<String>,
    /// A stage (AWS `AWSPENDING`), or `None` with `version`.
    pub stage: Option<String>,
}
}

impl Trial {
    fn selected(&self) -> Result<SecretVersion> {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        match (clean(&self.version), clean(&self.stage)) {
            (Some(v), None) => Ok(SecretVersion::Id(v)),
            (None, Some(s)) => Ok(SecretVersion::Stage(s)),
            (Some(_), Some(_)) => Err(EngineError::field(
                "version",
                "Test with a version or with a stage, not both.",
            )),
            (None, None) => Err(EngineError::field(
                "version",
                "Name the version (or the stage, such as AWSPENDING) to test with.",
            )),
        }
    }
}

/// A trial resolved against a connection: which secret, at which version.
struct TrialOn {
    secret: String,
    version: SecretVersion,
    label: String,
}

const TITLES: [&str; 4] = [
    "Request the secret",
    "Retrieve and decrypt",
    "Authenticate",
    "Check access",
];

/// A failure inside a step: code, cause, fix.
struct Failure {
    code: ErrorCode,
    cause: String,
    fix: String,
    offer: Option<Offer>,
}

impl From<ConnectorError> for Failure {
    fn from(e: ConnectorError) -> Self {
        Failure {
            code: e.code,
            cause: e.cause,
            fix: e.fix,
            offer: e.offer.map(|o| Offer {
                prompt: o.prompt,
                fields: o.fields,
            }),
        }
    }
}

fn fix_for(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::SecretNotFound => {
            "check the secret's name or ARN and the region, or pick it again from the tree"
        }
        ErrorCode::VersionNotFound => {
            "pick a current version, or remove the version from the reference"
        }
        ErrorCode::AccessDenied => {
            "grant the identity the permission the message names (IAM: secretsmanager:GetSecretValue; Vault: read on the path) in its policy"
        }
        ErrorCode::Sealed => "unseal the Vault (vault operator unseal), then test again",
        ErrorCode::TlsUntrusted => {
            "set the CA certificate (PEM) of the server's issuer in the secrets manager's settings"
        }
        ErrorCode::VersionGone => {
            "undelete the version in Vault, or pick another version from the tree"
        }
        ErrorCode::BadCredentials => {
            "check the secrets manager's credentials under Secrets managers, then use Test there"
        }
        ErrorCode::Throttled => "wait a minute and try again",
        ErrorCode::Unreachable => {
            "check the network and the manager's address (region, endpoint URL or server URL)"
        }
        ErrorCode::JsonKeyMissing => "pick one of the listed keys",
        ErrorCode::NotJson => "remove the JSON key from the reference to use the whole value",
        ErrorCode::BinarySecret => "store the credential as a text secret",
        ErrorCode::InvalidSetting => {
            "add the secrets manager under Secrets managers, or fix the reference"
        }
        ErrorCode::Keychain | ErrorCode::KeychainUnavailable => {
            "type the credential again: the OS keychain does not have it"
        }
        _ => "see the message and the log",
    }
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        let code = match &e {
            EngineError::Provider(p) => p.code(),
            other => other.code(),
        };
        let fix = fix_for(code).to_owned();
        Failure {
            cause: e.to_string(),
            code,
            fix,
            offer: None,
        }
    }
}

impl From<ProviderError> for Failure {
    fn from(e: ProviderError) -> Self {
        EngineError::Provider(e).into()
    }
}

struct Steps<'a, F: Fn(&StepReport)> {
    reports: Vec<StepReport>,
    on_step: &'a F,
    trial: Option<String>,
}

impl<F: Fn(&StepReport)> Steps<'_, F> {
    /// Reports the next step (numbered and titled by its position).
    fn push(
        &mut self,
        outcome: StepOutcome,
        duration_ms: u32,
        detail: String,
        failure: Option<Failure>,
    ) {
        let step = u8::try_from(self.reports.len() + 1).unwrap_or(u8::MAX);
        let (code, cause, fix, offer) = match failure {
            Some(f) => (Some(f.code), Some(f.cause), Some(f.fix), f.offer),
            None => (None, None, None, None),
        };
        let report = StepReport {
            step,
            title: TITLES[usize::from(step - 1)].to_owned(),
            outcome,
            duration_ms,
            detail,
            code,
            cause,
            fix,
            offer,
        };
        (self.on_step)(&report);
        self.reports.push(report);
    }

    fn record(&mut self, started: Instant, result: std::result::Result<String, Failure>) -> bool {
        let duration_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        match result {
            Ok(detail) => {
                self.push(StepOutcome::Ok, duration_ms, detail, None);
                true
            }
            Err(f) => {
                self.push(StepOutcome::Failed, duration_ms, f.cause.clone(), Some(f));
                false
            }
        }
    }

    fn skip_rest(&mut self) {
        while self.reports.len() < TITLES.len() {
            let detail = "skipped: an earlier step failed".to_owned();
            self.push(StepOutcome::Skipped, 0, detail, None);
        }
    }
}

/// A credential as fetched in step 1, before step 2 applies its JSON key.
struct Fetched {
    value: SecretValue,
    /// (secret path for messages, key) when a JSON key must be applied.
    json_key: Option<(String, String)>,
    source: String,
}

impl Engine {
    /// Runs the four steps for a saved connection; `on_step` sees each as it finishes.
    /// The result is kept as the connection's last test.
    pub async fn test_connection(
        &self,
        id: &str,
        on_step: &(impl Fn(&StepReport) + Sync),
    ) -> Result<TestReport> {
        self.test_connection_with(id, None, on_step).await
    }

    /// Runs the four steps, reading one secret at the version or stage `trial` names
    /// when given (test before cutover: audited, and not kept as the last test).
    pub async fn test_connection_with(
        &self,
        id: &str,
        trial: Option<Trial>,
        on_step: &(impl Fn(&StepReport) + Sync),
    ) -> Result<TestReport> {
        let c = self.store.connections().get(id).await?;
        let trial = match trial {
            None => None,
            Some(t) => Some(trial_on(&c, &t)?),
        };
        let mut steps = Steps {
            reports: Vec::new(),
            on_step,
            trial: trial.as_ref().map(|t| t.label.clone()),
        };

        // 1. Request each credential from where it lives.
        let started = Instant::now();
        let fetched = self.fetch_credentials(&c, trial.as_ref()).await;
        let fetched = match fetched {
            Ok(f) => {
                let detail = f
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.source))
                    .collect::<Vec<_>>()
                    .join("; ");
                steps.record(
                    started,
                    Ok(if detail.is_empty() {
                        "no credential fields".into()
                    } else {
                        detail
                    }),
                );
                f
            }
            Err(failure) => {
                steps.record(started, Err(failure));
                return Ok(self.finish(&c, steps).await);
            }
        };

        // 2. Retrieve: apply JSON keys, check the values are usable.
        let started = Instant::now();
        let mut values = BTreeMap::new();
        let mut notes = Vec::new();
        for (key, f) in fetched {
            let value = match &f.json_key {
                None => Ok(f.value),
                Some((secret, json_key)) => {
                    notes.push(format!("{key}: JSON key \"{json_key}\""));
                    select_json_key(secret, &f.value, json_key)
                }
            };
            match value {
                Ok(v) => {
                    values.insert(key, v);
                }
                Err(e) => {
                    steps.record(started, Err(e.into()));
                    return Ok(self.finish(&c, steps).await);
                }
            }
        }
        let detail = if notes.is_empty() {
            "values received".to_owned()
        } else {
            format!("values received; {}", notes.join("; "))
        };
        steps.record(started, Ok(detail));

        // 3 and 4, as the connection's type declares them.
        let spec = latchkey_connectors::spec(c.kind);
        let stored = |key: &str| plain_value(&c, key);
        let plain = spec
            .fields
            .iter()
            .filter(|f| f.kind != FieldKind::Credential && spec.applies(f, &stored))
            .filter_map(|f| Some((f.key.clone(), stored(&f.key).or_else(|| f.default.clone())?)))
            .collect();
        let settings = Settings {
            plain,
            secrets: values,
        };
        let mut timed = Timed {
            steps: &mut steps,
            started: Instant::now(),
        };
        latchkey_connectors::run(c.kind, &settings, &mut timed).await;
        Ok(self.finish(&c, steps).await)
    }

    async fn finish<F: Fn(&StepReport)>(
        &self,
        c: &Connection,
        mut steps: Steps<'_, F>,
    ) -> TestReport {
        let failed = steps
            .reports
            .iter()
            .find(|s| s.outcome == StepOutcome::Failed)
            .cloned();
        steps.skip_rest();
        let (outcome, mut detail) = match &failed {
            None => (AuditOutcome::Ok, "all 4 steps passed".to_owned()),
            Some(s) => (
                AuditOutcome::Failed,
                format!(
                    "step {} ({}) failed: {}",
                    s.step,
                    s.title,
                    s.code.map(ErrorCode::as_str).unwrap_or_default()
                ),
            ),
        };
        match &steps.trial {
            Some(t) => detail = format!("before cutover, with {t}: {detail}"),
            None => {
                let last = latchkey_store::LastTest {
                    connection_id: c.id.clone(),
                    at: latchkey_store::now(),
                    ok: failed.is_none(),
                    detail: detail.clone(),
                };
                if let Err(e) = self.store.tests().put(&last).await {
                    tracing::warn!(error = %e, "could not keep the connection's last test");
                }
            }
        }
        self.audit(
            "connection.tested",
            format!("connection:{}", c.name),
            outcome,
            detail,
        )
        .await;
        TestReport {
            connection_id: c.id.clone(),
            connection: c.name.clone(),
            ok: failed.is_none(),
            steps: steps.reports,
            trial: steps.trial.clone(),
        }
    }

    async fn fetch_credentials(
        &self,
        c: &Connection,
        trial: Option<&TrialOn>,
    ) -> std::result::Result<Vec<(String, Fetched)>, Failure> {
        let spec = latchkey_connectors::spec(c.kind);
        let mut out = Vec::new();
        // The managers, read once when the first secret reference needs them.
        let mut managers = None;
        let stored = |key: &str| plain_value(c, key);
        // Only the credentials that apply (not the password of an auth scheme not chosen).
        for f in spec
            .fields
            .iter()
            .filter(|f| f.kind == FieldKind::Credential && spec.applies(f, &stored))
        {
            match c.fields.get(&f.key) {
                None | Some(FieldValue::Plain { .. }) => {}
                Some(FieldValue::Keychain { handle }) => {
                    let h = handle.clone();
                    let value = self
                        .keychain(move |kc| kc.get(&h))
                        .await
                        .map_err(Failure::from)?;
                    out.push((
                        f.key.clone(),
                        Fetched {
                            value,
                            json_key: None,
                            source: "OS keychain".into(),
                        },
                    ));
                }
                Some(FieldValue::Secret { reference }) => {
                    let mut whole = latchkey_core::SecretRef {
                        json_key: None,
                        ..reference.clone()
                    };
                    let trying = trial.filter(|t| t.secret == reference.path);
                    if let Some(t) = trying {
                        whole.version = Some(t.version.clone());
                    }
                    let started = Instant::now();
                    if managers.is_none() {
                        managers = Some(self.managers().await.map_err(Failure::from)?);
                    }
                    let result = match managers
                        .as_ref()
                        .expect("read above")
                        .find(&c.project_id, &reference.provider)
                    {
                        // A trial reads past the cache and the version history.
                        Ok(p) if trying.is_some() => self.read_trial(p, &whole).await,
                        Ok(p) => self.resolve(p, &whole, false).await,
                        Err(e) => Err(e),
                    };
                    let ms = started.elapsed().as_millis();
                    let resolved = match result {
                        // A cache hit is not a read from the manager: no audit event.
                        Ok(r) if r.cached_age.is_some() => r,
                        result => {
                            let (outcome, detail) = match &result {
                                Ok(r) => (
                                    AuditOutcome::Ok,
                                    format!(
                                        "for {}{} ({ms} ms, version {})",
                                        c.name,
                                        if trying.is_some() {
                                            ", test before cutover"
                                        } else {
                                            ""
                                        },
                                        r.version_id.as_deref().unwrap_or("-")
                                    ),
                                ),
                                Err(e) => (
                                    AuditOutcome::Failed,
                                    format!("for {} ({ms} ms): {e}", c.name),
                                ),
                            };
                            self.audit("secret.read", whole.to_string(), outcome, detail)
                                .await;
                            result.map_err(Failure::from)?
                        }
                    };
                    let version = resolved
                        .version_id
                        .as_deref()
                        .map(|v| format!(", version {v}"))
                        .unwrap_or_default();
                    let how = match (&resolved.cached_age, &resolved.stale) {
                        (Some(age), Some(why)) => format!(
                            "STALE: last good value from {} s ago, the manager failed: {why}",
                            age.as_secs()
                        ),
                        (Some(age), None) => format!("from cache, fetched {} s ago", age.as_secs()),
                        (None, _) => format!("{ms} ms"),
                    };
                    out.push((
                        f.key.clone(),
                        Fetched {
                            value: resolved.value,
                            json_key: reference
                                .json_key
                                .clone()
                                .map(|k| (reference.path.clone(), k)),
                            source: format!("{} ({how}{version})", whole),
                        },
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// Which secret of `c` a trial reads differently: the one it names, or the only one.
fn trial_on(c: &Connection, t: &Trial) -> Result<TrialOn> {
    let version = t.selected()?;
    let mut secrets: Vec<&str> = crate::scope::references(c)
        .map(|(_, r)| r.path.as_str())
        .collect();
    secrets.sort_unstable();
    secrets.dedup();
    let secret = match t.secret.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if secrets.contains(&s) => s.to_owned(),
        Some(s) => {
            return Err(EngineError::field(
                "secret",
                format!(
                    "\"{}\" does not use the secret \"{s}\"; it uses: {}.",
                    c.name,
                    if secrets.is_empty() {
                        "none".to_owned()
                    } else {
                        secrets.join(", ")
                    }
                ),
            ));
        }
        None => match secrets.as_slice() {
            [one] => (*one).to_owned(),
            [] => {
                return Err(EngineError::field(
                    "secret",
                    format!(
                        "\"{}\" uses no secret reference, so there is no other version to test with.",
                        c.name
                    ),
                ));
            }
            many => {
                return Err(EngineError::field(
                    "secret",
                    format!(
                        "\"{}\" uses {} secrets ({}): name the one to test with another version.",
                        c.name,
                        many.len(),
                        many.join(", ")
                    ),
                ));
            }
        },
    };
    let label = match &version {
        SecretVersion::Id(v) => format!("{secret} at version {v}"),
        SecretVersion::Stage(s) => format!("{secret} at stage {s}"),
    };
    Ok(TrialOn {
        secret,
        version,
        label,
    })
}

/// A stored plain field's value (what `TypeSpec::applies` reads its conditions from).
fn plain_value(c: &Connection, key: &str) -> Option<String> {
    match c.fields.get(key) {
        Some(FieldValue::Plain { value }) => Some(value.clone()),
        _ => None,
    }
}

/// Times each step a connector reports, from the end of the previous one.
struct Timed<'s, 'a, F: Fn(&StepReport)> {
    steps: &'s mut Steps<'a, F>,
    started: Instant,
}

impl<F: Fn(&StepReport)> Reporter for Timed<'_, '_, F> {
    fn step(&mut self, result: std::result::Result<String, ConnectorError>) {
        self.steps
            .record(self.started, result.map_err(Failure::from));
        self.started = Instant::now();
    }
}
