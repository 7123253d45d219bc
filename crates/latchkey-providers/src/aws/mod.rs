//! AWS Secrets Manager through the official SDK (`aws-sdk-secretsmanager`,
//! `aws-config`, `aws-sdk-sts`).
//!
//! Auth: the default credential chain (environment, shared profile, SSO), a named
//! profile, an access key pair, or AssumeRole with a role ARN and an external ID.
//! Secrets are addressed by name or ARN, optionally by version stage or version ID,
//! optionally with a JSON key. Calls are bounded (connect 5 s, attempt 15 s, whole
//! operation 40 s) and throttling is retried with the SDK's standard backoff.

mod arn;
mod errors;
pub mod kind;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_secretsmanager::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};
use aws_smithy_runtime_api::http::Response;
use latchkey_core::{ExposeSecret, SecretRef, SecretValue, SecretVersion};

pub use arn::{SecretArn, check_region, check_role_arn, parse_arn};
use errors::sdk_error;

use crate::{
    AccessReport, Page, ProviderError, Resolved, Result, SecretDetails, SecretSummary,
    SecretsProvider, VersionInfo, WatchInfo, WatchReport, WatchTarget,
};

/// How Latchkey authenticates to AWS.
#[derive(Debug)]
pub enum AwsAuth {
    /// Environment variables, the shared config/credentials files, SSO, instance roles.
    DefaultChain,
    /// A named profile from the shared config files.
    Profile { name: String },
    /// A long-lived access key pair (the secret half comes from the OS keychain).
    AccessKey {
        access_key_id: String,
        secret_access_key: SecretValue,
    },
    /// Assume a role. The source credentials are the access key pair when given, the
    /// default chain otherwise.
    AssumeRole {
        role_arn: String,
        external_id: String,
        source: Option<(String, SecretValue)>,
    },
}

/// The settings of one AWS Secrets Manager provider.
#[derive(Debug)]
pub struct AwsSettings {
    pub region: String,
    /// Overrides the service endpoint (tests point it at moto).
    pub endpoint_url: Option<String>,
    pub auth: AwsAuth,
}

/// Standard retries: up to this many attempts for throttling and transient errors.
pub const MAX_ATTEMPTS: u32 = 4;

/// One configured AWS Secrets Manager.
#[derive(Clone, Debug)]
pub struct AwsSecretsManager {
    alias: String,
    endpoint: String,
    sm: Client,
    sts: aws_sdk_sts::Client,
    calls: CallCounter,
    /// The role assumed (AssumeRole), to name it when STS refuses.
    role_arn: Option<String>,
}

/// Counts the HTTP requests sent to Secrets Manager, retries included.
#[derive(Clone, Debug, Default)]
struct CallCounter(Arc<AtomicU64>);

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "latchkey.call_counter"
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn static_credentials(access_key_id: &str, secret: &SecretValue) -> Credentials {
    Credentials::new(
        access_key_id,
        secret.expose_secret(),
        None,
        None,
        "latchkey",
    )
}

impl AwsSecretsManager {
    /// Builds the clients; checks the region and the role ARN without calling AWS.
    pub async fn connect(alias: &str, settings: AwsSettings) -> Result<Self> {
        check_region(&settings.region)?;
        if let Some(url) = &settings.endpoint_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(ProviderError::InvalidSetting {
                field: "endpoint_url",
                message: format!(
                    "The endpoint URL \"{url}\" must start with https:// (or http:// for a local test server)."
                ),
            });
        }
        let base = || {
            let mut loader = aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(settings.region.clone()))
                .timeout_config(
                    TimeoutConfig::builder()
                        .connect_timeout(Duration::from_secs(5))
                        .operation_attempt_timeout(Duration::from_secs(15))
                        .operation_timeout(Duration::from_secs(40))
                        .build(),
                )
                .retry_config(
                    RetryConfig::standard()
                        .with_max_attempts(MAX_ATTEMPTS)
                        .with_initial_backoff(Duration::from_millis(200)),
                );
            if let Some(url) = &settings.endpoint_url {
                loader = loader.endpoint_url(url);
            }
            loader
        };
        let config: SdkConfig = match &settings.auth {
            AwsAuth::DefaultChain => base().load().await,
            AwsAuth::Profile { name } => base().profile_name(name).load().await,
            AwsAuth::AccessKey {
                access_key_id,
                secret_access_key,
            } => {
                base()
                    .credentials_provider(static_credentials(access_key_id, secret_access_key))
                    .load()
                    .await
            }
            AwsAuth::AssumeRole {
                role_arn,
                external_id,
                source,
            } => {
                arn::check_role_arn(role_arn)?;
                let source_config = match source {
                    Some((id, secret)) => {
                        base()
                            .credentials_provider(static_credentials(id, secret))
                            .load()
                            .await
                    }
                    None => base().load().await,
                };
                let role = aws_config::sts::AssumeRoleProvider::builder(role_arn)
                    .external_id(external_id)
                    .session_name("latchkey")
                    .configure(&source_config)
                    .build()
                    .await;
                base().credentials_provider(role).load().await
            }
        };
        let role_arn = match &settings.auth {
            AwsAuth::AssumeRole { role_arn, .. } => Some(role_arn.clone()),
            _ => None,
        };
        let endpoint = settings
            .endpoint_url
            .clone()
            .unwrap_or_else(|| format!("secretsmanager.{}.amazonaws.com", settings.region));
        let calls = CallCounter::default();
        let sm_config = aws_sdk_secretsmanager::config::Builder::from(&config)
            .interceptor(calls.clone())
            .build();
        Ok(Self {
            alias: alias.to_owned(),
            endpoint,
            sm: Client::from_conf(sm_config),
            sts: aws_sdk_sts::Client::new(&config),
            calls,
            role_arn,
        })
    }

    fn name(&self) -> String {
        format!("AWS Secrets Manager \"{}\"", self.alias)
    }

    /// Maps an SDK error of `action` on `target` to a [`ProviderError`].
    fn on_error<E>(
        &self,
        action: &str,
        target: &str,
    ) -> impl FnOnce(SdkError<E, Response>) -> ProviderError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        move |e| match sdk_error(e, &self.name(), &self.endpoint, action, target) {
            ProviderError::AccessDenied {
                action,
                detail,
                policy,
                ..
            } if action == "sts:AssumeRole" => ProviderError::AccessDenied {
                target: self.role_arn.clone().unwrap_or_else(|| "the role".into()),
                action,
                detail,
                policy,
            },
            other => other,
        }
    }
}

fn time(t: Option<&aws_sdk_secretsmanager::primitives::DateTime>) -> Option<String> {
    t.and_then(|t| {
        t.fmt(aws_sdk_secretsmanager::primitives::DateTimeFormat::DateTime)
            .ok()
    })
}

fn tags(tags: &[aws_sdk_secretsmanager::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[async_trait]
impl SecretsProvider for AwsSecretsManager {
    #[tracing::instrument(name = "aws.list_secrets", level = "debug", skip(self, page), fields(provider = %self.alias))]
    async fn list(
        &self,
        prefix: Option<&str>,
        page: Option<String>,
    ) -> Result<Page<SecretSummary>> {
        let mut req = self.sm.list_secrets().max_results(100).set_next_token(page);
        if let Some(p) = prefix.filter(|p| !p.is_empty()) {
            req = req.filters(
                Filter::builder()
                    .key(FilterNameStringType::Name)
                    .values(p)
                    .build(),
            );
        }
        let out = req
            .send()
            .await
            .map_err(self.on_error("secretsmanager:ListSecrets", "*"))?;
        let items = out
            .secret_list()
            .iter()
            .map(|s| SecretSummary {
                path: None,
                name: s.name().unwrap_or_default().to_owned(),
                id: s.arn().unwrap_or_default().to_owned(),
                description: s.description().map(str::to_owned),
                last_changed: time(s.last_changed_date()),
                last_rotated: time(s.last_rotated_date()),
                rotation_enabled: s.rotation_enabled().unwrap_or(false),
                next_rotation: time(s.next_rotation_date()),
                tags: tags(s.tags()),
            })
            .collect();
        Ok(Page {
            items,
            next: out.next_token().map(str::to_owned),
        })
    }

    #[tracing::instrument(name = "aws.describe_secret", level = "debug", skip(self), fields(provider = %self.alias))]
    async fn describe(&self, name: &str) -> Result<SecretDetails> {
        if name.starts_with("arn:") {
            parse_arn(name)?;
        }
        let d = self
            .sm
            .describe_secret()
            .secret_id(name)
            .send()
            .await
            .map_err(self.on_error("secretsmanager:DescribeSecret", name))?;
        let mut versions = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .sm
                .list_secret_version_ids()
                .secret_id(name)
                .max_results(100)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(self.on_error("secretsmanager:ListSecretVersionIds", name))?;
            let before = versions.len();
            for v in page.versions() {
                let id = v.version_id().unwrap_or_default();
                if !versions.iter().any(|known: &VersionInfo| known.id == id) {
                    versions.push(VersionInfo {
                        updated: None,
                        expires: None,
                        not_before: None,
                        id: id.to_owned(),
                        stages: v.version_stages().to_vec(),
                        created: time(v.created_date()),
                        enabled: true,
                        current_stage: v
                            .version_stages()
                            .iter()
                            .any(|s| s == "AWSCURRENT")
                            .then(|| "AWSCURRENT".to_owned()),
                        unusable: None,
                        unusable_stage: None,
                        pin_stage: v
                            .version_stages()
                            .iter()
                            .any(|s| s == "AWSPREVIOUS")
                            .then(|| "AWSPREVIOUS".to_owned()),
                    });
                }
            }
            // Some servers repeat a page (moto ignores the token): stop when nothing new arrives.
            let next = page.next_token().map(str::to_owned);
            if next.is_none()
                || next == token
                || versions.len() == before
                || versions.len() > 10_000
            {
                break;
            }
            token = next;
        }
        // Newest first; stage-less (deprecated) versions last.
        versions.sort_by(|a, b| b.created.cmp(&a.created));
        Ok(SecretDetails {
            summary: SecretSummary {
                path: None,
                name: d.name().unwrap_or(name).to_owned(),
                id: d.arn().unwrap_or_default().to_owned(),
                description: d.description().map(str::to_owned),
                last_changed: time(d.last_changed_date()),
                last_rotated: time(d.last_rotated_date()),
                rotation_enabled: d.rotation_enabled().unwrap_or(false),
                next_rotation: time(d.next_rotation_date()),
                tags: tags(d.tags()),
            },
            versions,
        })
    }

    #[tracing::instrument(name = "aws.get_secret_value", level = "debug", skip_all, fields(provider = %self.alias, reference = %reference))]
    async fn read(&self, reference: &SecretRef) -> Result<Resolved> {
        let secret = reference.path.as_str();
        if secret.starts_with("arn:") {
            parse_arn(secret)?;
        }
        let mut req = self.sm.get_secret_value().secret_id(secret);
        match &reference.version {
            None => {}
            Some(SecretVersion::Id(id)) => req = req.version_id(id),
            Some(SecretVersion::Stage(stage)) => req = req.version_stage(stage),
        }
        let out = match req.send().await {
            Ok(out) => out,
            Err(e) => {
                let err = self.on_error("secretsmanager:GetSecretValue", secret)(e);
                // A missing version of an existing secret is a different fix than a missing secret.
                if let (ProviderError::NotFound { .. }, Some(v)) = (&err, &reference.version)
                    && self
                        .sm
                        .describe_secret()
                        .secret_id(secret)
                        .send()
                        .await
                        .is_ok()
                {
                    let version = match v {
                        SecretVersion::Id(id) => id.clone(),
                        SecretVersion::Stage(s) => format!("with stage {s}"),
                    };
                    return Err(ProviderError::VersionNotFound {
                        secret: secret.to_owned(),
                        version,
                    });
                }
                return Err(err);
            }
        };
        let version_id = out.version_id().map(str::to_owned);
        let Some(text) = out.secret_string() else {
            return Err(ProviderError::Binary(secret.to_owned()));
        };
        let whole = SecretValue::from(text.to_owned());
        let value = match &reference.json_key {
            None => whole,
            Some(key) => crate::select_json_key(secret, &whole, key)?,
        };
        Ok(Resolved { value, version_id })
    }

    /// HTTP requests sent to Secrets Manager (each retry attempt counts): what the
    /// benchmark reports and the throttling test checks.
    fn requests_sent(&self) -> u64 {
        self.calls.0.load(Ordering::Relaxed)
    }

    /// Names are looked up with name-filtered `ListSecrets` calls, ten names a call
    /// (the most a filter takes), whose entries carry each secret's version stages and
    /// rotation dates: ⌈n/10⌉ calls for n secrets, fewer than a `DescribeSecret` each or
    /// than listing every page. A name the listing did not return (an ARN, a secret
    /// scheduled for deletion, a filter whose prefix matched more than it could page)
    /// is described on its own. Never `GetSecretValue`.
    #[tracing::instrument(name = "aws.watch", level = "debug", skip_all, fields(provider = %self.alias, targets = targets.len()))]
    async fn watch(&self, targets: &[WatchTarget], budget: u32) -> WatchReport {
        type Meta = (
            std::collections::HashMap<String, Vec<String>>,
            Option<String>,
            bool,
        );
        // In the order given (the engine puts the longest unchecked first).
        let mut names: Vec<&str> = Vec::new();
        for t in targets {
            if !t.name.starts_with("arn:") && !names.contains(&t.name.as_str()) {
                names.push(&t.name);
            }
        }
        let mut found: std::collections::HashMap<String, Meta> = Default::default();
        let mut failed: std::collections::HashMap<String, ProviderError> = Default::default();
        let mut calls = 0u32;
        'batches: for batch in names.chunks(10) {
            let mut token: Option<String> = None;
            loop {
                if calls >= budget {
                    break 'batches;
                }
                calls += 1;
                let out = self
                    .sm
                    .list_secrets()
                    .max_results(100)
                    .filters(
                        Filter::builder()
                            .key(FilterNameStringType::Name)
                            .set_values(Some(batch.iter().map(|n| (*n).to_owned()).collect()))
                            .build(),
                    )
                    .set_next_token(token.clone())
                    .send()
                    .await;
                match out {
                    Ok(out) => {
                        for s in out.secret_list() {
                            let Some(name) = s.name().filter(|n| batch.contains(n)) else {
                                continue;
                            };
                            found.insert(
                                name.to_owned(),
                                (
                                    s.secret_versions_to_stages().cloned().unwrap_or_default(),
                                    time(s.next_rotation_date()),
                                    s.rotation_enabled().unwrap_or(false),
                                ),
                            );
                        }
                        let next = out.next_token().map(str::to_owned);
                        let all_found = batch.iter().all(|n| found.contains_key(*n));
                        if next.is_none() || next == token || all_found {
                            break;
                        }
                        token = next;
                    }
                    Err(e) => {
                        let e = self.on_error("secretsmanager:ListSecrets", "*")(e);
                        if e.stops_a_look() {
                            for n in batch {
                                failed.insert((*n).to_owned(), e.clone());
                            }
                            break 'batches;
                        }
                        // Refused (a policy granting DescribeSecret on its secrets but
                        // not ListSecrets on *): these names are described one by one.
                        break;
                    }
                }
            }
        }
        let mut report = WatchReport::default();
        let mut stopped = failed.values().any(ProviderError::stops_a_look);
        for t in targets {
            let meta = match (found.get(&t.name), failed.get(&t.name)) {
                (Some(m), _) => Ok(m.clone()),
                (None, Some(e)) => Err(e.clone()),
                (None, None) if stopped || calls >= budget => continue,
                (None, None) => {
                    // Not listed: described on its own (an ARN, or a name the filter missed).
                    calls += 1;
                    match self.sm.describe_secret().secret_id(&t.name).send().await {
                        Ok(d) => Ok((
                            d.version_ids_to_stages().cloned().unwrap_or_default(),
                            time(d.next_rotation_date()),
                            d.rotation_enabled().unwrap_or(false),
                        )),
                        Err(e) => {
                            let e = self.on_error("secretsmanager:DescribeSecret", &t.name)(e);
                            stopped = e.stops_a_look();
                            Err(e)
                        }
                    }
                }
            };
            let result = meta.and_then(|(stages, next_rotation, rotation_enabled)| {
                let version_id = match &t.version {
                    Some(SecretVersion::Id(id)) if stages.contains_key(id) => Some(id.clone()),
                    Some(SecretVersion::Id(id)) => {
                        return Err(ProviderError::VersionNotFound {
                            secret: t.name.clone(),
                            version: id.clone(),
                        });
                    }
                    other => {
                        let stage = match other {
                            Some(SecretVersion::Stage(s)) => s.as_str(),
                            _ => "AWSCURRENT",
                        };
                        let mut ids: Vec<&String> = stages
                            .iter()
                            .filter(|(_, st)| st.iter().any(|s| s == stage))
                            .map(|(id, _)| id)
                            .collect();
                        ids.sort();
                        match ids.first() {
                            Some(id) => Some((*id).clone()),
                            None => {
                                return Err(ProviderError::VersionNotFound {
                                    secret: t.name.clone(),
                                    version: format!("with stage {stage}"),
                                });
                            }
                        }
                    }
                };
                Ok(WatchInfo {
                    version_id,
                    expires: None,
                    next_rotation,
                    rotation_enabled,
                    tags: Vec::new(),
                })
            });
            report.results.push((t.clone(), result));
        }
        report.calls = calls;
        report
    }

    #[tracing::instrument(name = "aws.check_access", level = "debug", skip(self), fields(provider = %self.alias))]
    async fn check_access(&self) -> Result<AccessReport> {
        let who = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(self.on_error("sts:GetCallerIdentity", "*"))?;
        let identity = who.arn().unwrap_or("(unknown)").to_owned();
        let listed = self.sm.list_secrets().max_results(1).send().await;
        let (can_list, list_error) = match listed {
            Ok(_) => (true, None),
            Err(e) => (
                false,
                Some(self.on_error("secretsmanager:ListSecrets", "*")(e).to_string()),
            ),
        };
        Ok(AccessReport {
            identity,
            can_list,
            list_error,
        })
    }
}
