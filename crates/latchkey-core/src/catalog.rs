//! The connection catalogue: each connection type declares its fields once, and the
//! UI form, the CLI and the validation all come from that declaration.

use serde::{Deserialize, Serialize};

use crate::ipc_type;

ipc_type! {
/// The kinds of target system a connection can point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    Postgres,
}
}

impl ConnectionKind {
    pub const ALL: [Self; 1] = [Self::Postgres];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn spec(self) -> TypeSpec {
        match self {
            Self::Postgres => postgres(),
        }
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
}
}

ipc_type! {
/// A connection type and its fields, in form order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeSpec {
    pub kind: ConnectionKind,
    pub label: String,
    pub description: String,
    pub fields: Vec<FieldSpec>,
}
}

impl TypeSpec {
    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }
}

fn field(key: &str, label: &str, kind: FieldKind, required: bool) -> FieldSpec {
    FieldSpec {
        key: key.into(),
        label: label.into(),
        kind,
        required,
        default: None,
        placeholder: String::new(),
        help: String::new(),
        choices: Vec::new(),
    }
}

impl FieldSpec {
    fn default(mut self, value: &str) -> Self {
        self.default = Some(value.into());
        self
    }
    fn placeholder(mut self, text: &str) -> Self {
        self.placeholder = text.into();
        self
    }
    fn help(mut self, text: &str) -> Self {
        self.help = text.into();
        self
    }
    fn choices(mut self, choices: &[(&str, &str)]) -> Self {
        self.choices = choices
            .iter()
            .map(|(v, l)| Choice {
                value: (*v).into(),
                label: (*l).into(),
            })
            .collect();
        self
    }
}

fn postgres() -> TypeSpec {
    use FieldKind::*;
    TypeSpec {
        kind: ConnectionKind::Postgres,
        label: "PostgreSQL".into(),
        description: "A PostgreSQL database server.".into(),
        fields: vec![
            field("host", "Host", Host, true)
                .placeholder("db.example.com")
                .help("Hostname or IP address of the server."),
            field("port", "Port", Port, true).default("5432"),
            field("database", "Database", Text, true).placeholder("postgres"),
            field("user", "User", Text, true).placeholder("app_user"),
            field("password", "Password", Credential, true)
                .help("Typed in, it is kept in the OS keychain only; or use a secret from a secrets manager."),
            field("sslmode", "SSL mode", Choice, true)
                .default("prefer")
                .choices(&[
                    ("disable", "disable — no TLS"),
                    ("allow", "allow — TLS if the server insists"),
                    ("prefer", "prefer — TLS when available"),
                    ("require", "require — TLS, any certificate"),
                    ("verify-ca", "verify-ca — TLS, trusted CA"),
                    ("verify-full", "verify-full — TLS, trusted CA and matching host"),
                ])
                .help("How the connection uses TLS."),
        ],
    }
}

/// Every connection type, in menu order.
pub fn all() -> Vec<TypeSpec> {
    ConnectionKind::ALL.iter().map(|k| k.spec()).collect()
}
