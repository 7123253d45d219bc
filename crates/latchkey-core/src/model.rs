//! The entities of a workspace, as stored and as shown.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::ConnectionKind;
use crate::ipc_type;
use crate::secret_ref::SecretRef;
use crate::sensitive::SecretValue;

ipc_type! {
/// Where secrets managers are configured: once for the whole workspace, or per project.
/// Never both at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretsMode {
    /// One set of secrets managers serves every project (the default).
    #[default]
    Workspace,
    /// Each project has its own secrets managers.
    Project,
}
}

impl SecretsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Workspace => "workspace",
            Self::Project => "project",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "workspace" => Some(Self::Workspace),
            "project" => Some(Self::Project),
            _ => None,
        }
    }
}

ipc_type! {
/// Workspace-wide settings (one row per workspace).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSettings {
    pub secrets_mode: SecretsMode,
    /// Audit events older than this many days are pruned.
    pub audit_retention_days: u32,
    /// The external ID to put in AWS role trust policies (generated once per workspace).
    pub aws_external_id: String,
    /// Whether the app serves the local control API (127.0.0.1 only).
    pub control_api_enabled: bool,
    pub control_api_port: u16,
    /// Whether the picker and the inventory may reveal a value (audited; off by default).
    pub reveal_enabled: bool,
    /// Expiry and rotation-due warnings start this many days ahead.
    pub expiry_warning_days: u32,
    pub updated_at: String,
}
}

ipc_type! {
/// A named group of connections.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The external ID for AWS role trust policies of this project's own secrets
    /// managers (project mode): generated once, never changed.
    pub aws_external_id: String,
    pub created_at: String,
    pub updated_at: String,
}
}

ipc_type! {
/// The secrets managers Latchkey knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    AwsSecretsManager,
    AzureKeyVault,
    /// HashiCorp Vault and OpenBao.
    Vault,
    GcpSecretManager,
    Conjur,
}
}

impl ProviderKind {
    pub const ALL: [Self; 5] = [
        Self::AwsSecretsManager,
        Self::AzureKeyVault,
        Self::Vault,
        Self::GcpSecretManager,
        Self::Conjur,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwsSecretsManager => "aws_secrets_manager",
            Self::AzureKeyVault => "azure_key_vault",
            Self::Vault => "vault",
            Self::GcpSecretManager => "gcp_secret_manager",
            Self::Conjur => "conjur",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::AwsSecretsManager => "AWS Secrets Manager",
            Self::AzureKeyVault => "Azure Key Vault",
            Self::Vault => "HashiCorp Vault / OpenBao",
            Self::GcpSecretManager => "Google Secret Manager",
            Self::Conjur => "CyberArk Conjur",
        }
    }
}

ipc_type! {
/// A configured secrets manager. `settings` holds only non-secret values (region,
/// URL, role ARN…); the credentials Latchkey needs to reach the provider live in the
/// OS keychain, named by `keychain_handles` (purpose → handle).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderConfig {
    pub id: String,
    /// The name references use: `secret://ALIAS/...`.
    pub alias: String,
    pub kind: ProviderKind,
    /// `None` for a workspace-level manager, the owning project in project mode.
    pub project_id: Option<String>,
    pub settings: serde_json::Value,
    pub keychain_handles: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
}
}

/// A connection field as stored: a plain value, a literal credential kept in the OS
/// keychain (only its handle is stored), or a reference to a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum FieldValue {
    Plain { value: String },
    Keychain { handle: String },
    Secret { reference: SecretRef },
}

/// A configured target system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub kind: ConnectionKind,
    pub fields: BTreeMap<String, FieldValue>,
    pub created_at: String,
    pub updated_at: String,
}

impl Connection {
    /// Its plain fields' values, by field.
    pub fn plain_fields(&self) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .filter_map(|(k, v)| match v {
                FieldValue::Plain { value } => Some((k.clone(), value.clone())),
                _ => None,
            })
            .collect()
    }

    /// The keychain handles this connection owns (its literal credentials).
    pub fn keychain_handles(&self) -> impl Iterator<Item = &str> {
        self.fields.values().filter_map(|f| match f {
            FieldValue::Keychain { handle } => Some(handle.as_str()),
            _ => None,
        })
    }
}

ipc_type! {
/// A connection field as the UI sees it: never a credential's value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum FieldView {
    Plain { value: String },
    /// A literal credential is stored in the OS keychain.
    Literal,
    /// A secret reference, in its text syntax.
    Secret { reference: String },
}
}

impl From<&FieldValue> for FieldView {
    fn from(value: &FieldValue) -> Self {
        match value {
            FieldValue::Plain { value } => Self::Plain {
                value: value.clone(),
            },
            FieldValue::Keychain { .. } => Self::Literal,
            FieldValue::Secret { reference } => Self::Secret {
                reference: reference.to_string(),
            },
        }
    }
}

ipc_type! {
/// A connection as the UI sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub kind: ConnectionKind,
    pub fields: BTreeMap<String, FieldView>,
    /// What it points at, in one line (`user@host:port/db`, a URL, `s3://bucket`),
    /// computed once by the engine from the type's declaration; "" until then.
    pub target: String,
    pub created_at: String,
    pub updated_at: String,
}
}

impl From<&Connection> for ConnectionView {
    fn from(c: &Connection) -> Self {
        Self {
            id: c.id.clone(),
            project_id: c.project_id.clone(),
            name: c.name.clone(),
            kind: c.kind,
            fields: c
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), v.into()))
                .collect(),
            target: String::new(),
            created_at: c.created_at.clone(),
            updated_at: c.updated_at.clone(),
        }
    }
}

ipc_type! {
/// A field value as a form submits it.
#[derive(Debug, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum FieldInput {
    Plain { value: String },
    /// A credential typed in: it goes to the OS keychain and nowhere else.
    Literal {
        #[cfg_attr(feature = "specta", specta(type = String))]
        value: SecretValue,
    },
    /// Keep the literal credential already stored for this field (when editing).
    KeepLiteral,
    /// A secret reference in its text syntax.
    Secret { reference: String },
}
}

/// The plain values of a submission, by field (as submitted, untrimmed).
pub fn plain_inputs(fields: &BTreeMap<String, FieldInput>) -> BTreeMap<String, String> {
    fields
        .iter()
        .filter_map(|(k, v)| match v {
            FieldInput::Plain { value } => Some((k.clone(), value.clone())),
            _ => None,
        })
        .collect()
}

ipc_type! {
/// What a form submits to create or update a connection.
#[derive(Debug, Deserialize)]
pub struct ConnectionInput {
    pub project_id: String,
    pub name: String,
    pub kind: ConnectionKind,
    pub fields: BTreeMap<String, FieldInput>,
}
}

ipc_type! {
/// How an audited action ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Ok,
    Failed,
    Denied,
}
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::Denied => "denied",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ok" => Some(Self::Ok),
            "failed" => Some(Self::Failed),
            "denied" => Some(Self::Denied),
            _ => None,
        }
    }
}

ipc_type! {
/// One audit log entry: who did what, when, and how it ended. Never a secret value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: i64,
    pub at: String,
    /// The OS user who acted.
    pub actor: String,
    /// What happened, e.g. `connection.created`.
    pub kind: String,
    /// What it happened to, e.g. `connection:Billing DB`.
    pub target: String,
    pub outcome: AuditOutcome,
    /// A human-readable summary; never a value.
    pub detail: String,
}
}

ipc_type! {
/// Which audit events to list. Every field is optional; empty ones match everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// RFC 3339 lower bound (inclusive).
    pub since: Option<String>,
    /// RFC 3339 upper bound (exclusive).
    pub until: Option<String>,
    /// Event kind prefix, e.g. `connection.` or `project.created`.
    pub kind: Option<String>,
    pub outcome: Option<AuditOutcome>,
    /// Matches the target text anywhere (e.g. a connection name), case-insensitively.
    pub target: Option<String>,
    /// At most this many events (default 1000).
    pub limit: Option<u32>,
}
}

/// An audit event to record (the store assigns id and time).
#[derive(Clone, Debug)]
pub struct NewAuditEvent {
    pub actor: String,
    pub kind: String,
    pub target: String,
    pub outcome: AuditOutcome,
    pub detail: String,
}
