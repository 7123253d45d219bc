//! The connection catalogue: each connection type declares its fields once, and the
//! UI form, the CLI and the validation all come from that declaration.

use serde::{Deserialize, Serialize};

use crate::ipc_type;

ipc_type! {
/// The kinds of target system a connection can point at. Their fields and what a test
/// does with them are declared in `latchkey-connectors` (its registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    Postgres,
    Mysql,
    Redis,
    Http,
    Jira,
    S3,
    Ssh,
    Smtp,
}
}

impl ConnectionKind {
    /// Every type, in menu order.
    pub const ALL: [Self; 8] = [
        Self::Postgres,
        Self::Mysql,
        Self::Redis,
        Self::Http,
        Self::Jira,
        Self::S3,
        Self::Ssh,
        Self::Smtp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Mysql => "mysql",
            Self::Redis => "redis",
            Self::Http => "http",
            Self::Jira => "jira",
            Self::S3 => "s3",
            Self::Ssh => "ssh",
            Self::Smtp => "smtp",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

ipc_type! {
/// How a field is entered and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text on one line.
    Text,
    /// A hostname or IP address: no spaces.
    Host,
    /// A TCP port, 1–65535.
    Port,
    /// An http:// or https:// URL.
    Url,
    /// A path to a file on this computer (a CA certificate, a known_hosts file).
    Path,
    /// One of `choices`.
    Choice,
    /// A credential: a literal kept in the OS keychain, or a secret reference.
    Credential,
}
}

ipc_type! {
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}
}

ipc_type! {
/// One field of a connection type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    pub default: Option<String>,
    pub placeholder: String,
    pub help: String,
    pub choices: Vec<Choice>,
    /// The field applies only while another field has one of these values; otherwise
    /// it is hidden, not required, and not saved.
    pub show_when: Option<ShowWhen>,
    /// Shown under "Advanced" in the form.
    pub advanced: bool,
    /// A credential typed in on several lines (a private key).
    pub multiline: bool,
}
}

ipc_type! {
/// A condition on another field's value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowWhen {
    pub field: String,
    pub values: Vec<String>,
}
}

ipc_type! {
/// A connection type and its fields, in form order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeSpec {
    pub kind: ConnectionKind,
    pub label: String,
    pub description: String,
    /// Menu group: "Databases", "Web and APIs", "Storage", "Servers".
    pub group: String,
    pub fields: Vec<FieldSpec>,
}
}

impl TypeSpec {
    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }
}

impl TypeSpec {
    /// Whether `field` applies given the other fields' plain values (a missing value
    /// counts as its field's default).
    pub fn applies(&self, field: &FieldSpec, value_of: &dyn Fn(&str) -> Option<String>) -> bool {
        let Some(cond) = &field.show_when else {
            return true;
        };
        let Some(controller) = self.field(&cond.field) else {
            return false;
        };
        if !self.applies(controller, value_of) {
            return false;
        }
        let value = value_of(&cond.field)
            .filter(|v| !v.trim().is_empty())
            .or_else(|| controller.default.clone())
            .unwrap_or_default();
        cond.values.iter().any(|v| v == value.trim())
    }
}

impl FieldSpec {
    /// A field with no default, placeholder, help or choices.
    pub fn new(key: &str, label: &str, kind: FieldKind, required: bool) -> Self {
        Self {
            key: key.into(),
            label: label.into(),
            kind,
            required,
            default: None,
            placeholder: String::new(),
            help: String::new(),
            choices: Vec::new(),
            show_when: None,
            advanced: false,
            multiline: false,
        }
    }
    pub fn default(mut self, value: &str) -> Self {
        self.default = Some(value.into());
        self
    }
    pub fn placeholder(mut self, text: &str) -> Self {
        self.placeholder = text.into();
        self
    }
    pub fn help(mut self, text: &str) -> Self {
        self.help = text.into();
        self
    }
    pub fn choices(mut self, choices: &[(&str, &str)]) -> Self {
        self.choices = choices
            .iter()
            .map(|(v, l)| Choice {
                value: (*v).into(),
                label: (*l).into(),
            })
            .collect();
        self
    }
    /// Applies only while `field` has one of `values`.
    pub fn when(mut self, field: &str, values: &[&str]) -> Self {
        self.show_when = Some(ShowWhen {
            field: field.into(),
            values: values.iter().map(|v| (*v).into()).collect(),
        });
        self
    }
    pub fn advanced(mut self) -> Self {
        self.advanced = true;
        self
    }
    pub fn multiline(mut self) -> Self {
        self.multiline = true;
        self
    }
}
