//! The catalogues: each connection type and each secrets-manager kind declares its
//! fields once, and the UI form, the CLI and the validation all come from that
//! declaration. Both catalogues share one field model ([`FieldSpec`]).

use serde::{Deserialize, Serialize};

use crate::ipc_type;
use crate::model::ProviderKind;

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
    /// A secret Latchkey itself needs to reach a secrets manager (a token, a client
    /// secret): typed in, kept in the OS keychain, never a reference.
    Secret,
}
}

impl FieldKind {
    /// Whether the field holds a secret value (never a plain setting).
    pub fn is_secret(self) -> bool {
        matches!(self, Self::Credential | Self::Secret)
    }
}

ipc_type! {
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    /// Shown under the field while this choice is chosen ("" for none).
    pub help: String,
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
    /// The field says where credentials are sent (an address, a URL, a host, an
    /// authority host, the CA that says who the server is): when it changes, a secret
    /// kept from before is not sent until it is typed again. On by default for host
    /// and URL fields (a port on the same host is the same place).
    pub destination: bool,
    /// Required only while another field has one of these values (and `required` is off).
    pub required_when: Option<ShowWhen>,
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

impl ShowWhen {
    /// While `field` has one of `values`.
    pub fn new(field: &str, values: &[&str]) -> Self {
        Self {
            field: field.into(),
            values: values.iter().map(|v| (*v).into()).collect(),
        }
    }
}

/// What both catalogues' declarations have: a label and fields in form order. The
/// validation ([`crate::validate::fields`]) and the rules on fields read them through it.
pub trait Declaration {
    fn label(&self) -> &str;
    fn fields(&self) -> &[FieldSpec];

    fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields().iter().find(|f| f.key == key)
    }

    /// Whether `key` is a declared field that holds a plain setting (not a secret).
    fn is_plain_field(&self, key: &str) -> bool {
        self.field(key).is_some_and(|f| !f.kind.is_secret())
    }

    /// Whether `field` applies given the other fields' plain values (a missing value
    /// counts as its field's default).
    fn applies(&self, field: &FieldSpec, value_of: &dyn Fn(&str) -> Option<String>) -> bool {
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

    /// Whether `field` must be given (it applies, and it is required or its
    /// `required_when` condition holds).
    fn is_required(&self, field: &FieldSpec, value_of: &dyn Fn(&str) -> Option<String>) -> bool {
        if !self.applies(field, value_of) {
            return false;
        }
        field.required
            || field.required_when.as_ref().is_some_and(|cond| {
                let v = self.value_or_default(&cond.field, value_of);
                cond.values.contains(&v)
            })
    }

    /// A plain field's effective value: as given (trimmed), else its default, else "".
    fn value_or_default(&self, key: &str, value_of: &dyn Fn(&str) -> Option<String>) -> String {
        value_of(key)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .or_else(|| self.field(key).and_then(|f| f.default.clone()))
            .unwrap_or_default()
    }

    /// The first destination field (where credentials are sent) whose effective value
    /// differs between `before` and `after`: a secret kept from before must not follow it.
    fn moved_destination(
        &self,
        before: &dyn Fn(&str) -> Option<String>,
        after: &dyn Fn(&str) -> Option<String>,
    ) -> Option<(&FieldSpec, String, String)> {
        self.fields()
            .iter()
            .filter(|f| f.destination)
            .find_map(|f| {
                let (old, new) = (
                    self.value_or_default(&f.key, before),
                    self.value_or_default(&f.key, after),
                );
                let applies_now = self.applies(f, after) || self.applies(f, before);
                (applies_now
                    && !old
                        .trim_end_matches('/')
                        .eq_ignore_ascii_case(new.trim_end_matches('/')))
                .then_some((f, old, new))
            })
    }
}

impl Declaration for TypeSpec {
    fn label(&self) -> &str {
        &self.label
    }
    fn fields(&self) -> &[FieldSpec] {
        &self.fields
    }
}

impl TypeSpec {
    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        Declaration::field(self, key)
    }

    /// Whether `field` applies given the other fields' plain values.
    pub fn applies(&self, field: &FieldSpec, value_of: &dyn Fn(&str) -> Option<String>) -> bool {
        Declaration::applies(self, field, value_of)
    }
}

ipc_type! {
/// Something a secrets-manager form draws beside its fields that the declaration
/// cannot carry as text: a named extra the UI renders itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteExtra {
    /// The workspace's (or project's) AWS external ID, with the role trust-policy snippet.
    AwsExternalId,
}
}

ipc_type! {
/// A note a secrets-manager form shows (the permissions a manager needs, the grouping
/// example), while its condition holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteSpec {
    /// Stable name (the UI's test id). Variants of one note (by condition) share it.
    pub id: String,
    pub title: String,
    pub text: String,
    /// Drawn after this field (None: at the end of the form).
    pub after: Option<String>,
    pub show_when: Option<ShowWhen>,
    pub extra: Option<NoteExtra>,
}
}

impl NoteSpec {
    pub fn new(id: &str, title: &str, text: &str) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            text: text.into(),
            after: None,
            show_when: None,
            extra: None,
        }
    }
    pub fn after(mut self, field: &str) -> Self {
        self.after = Some(field.into());
        self
    }
    pub fn when(mut self, field: &str, values: &[&str]) -> Self {
        self.show_when = Some(ShowWhen::new(field, values));
        self
    }
    pub fn extra(mut self, extra: NoteExtra) -> Self {
        self.extra = Some(extra);
        self
    }
}

ipc_type! {
/// A secrets-manager kind and its setup form, in form order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagerSpec {
    pub kind: ProviderKind,
    pub label: String,
    pub description: String,
    /// Whether Latchkey can use this kind yet (the chooser shows "not yet" otherwise).
    pub available: bool,
    /// The field that chooses how Latchkey signs in (a choice field), if the kind has one.
    pub auth_field: Option<String>,
    pub fields: Vec<FieldSpec>,
    pub notes: Vec<NoteSpec>,
    /// What the setup dialog says under its title (what Latchkey does with this identity).
    pub intro: String,
}
}

impl Declaration for ManagerSpec {
    fn label(&self) -> &str {
        &self.label
    }
    fn fields(&self) -> &[FieldSpec] {
        &self.fields
    }
}

impl ManagerSpec {
    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        Declaration::field(self, key)
    }

    /// The label of the chosen sign-in method (the auth choice's label), or "".
    pub fn auth_label(&self, value_of: &dyn Fn(&str) -> Option<String>) -> String {
        let Some(f) = self.auth_field.as_deref().and_then(|k| self.field(k)) else {
            return String::new();
        };
        let v = self.value_or_default(&f.key, value_of);
        f.choices
            .iter()
            .find(|c| c.value == v)
            .map(|c| c.label.clone())
            .unwrap_or(v)
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
            destination: matches!(kind, FieldKind::Host | FieldKind::Url),
            required_when: None,
        }
    }
    /// Required only while `field` has one of `values`.
    pub fn required_when(mut self, field: &str, values: &[&str]) -> Self {
        self.required_when = Some(ShowWhen::new(field, values));
        self
    }
    /// Marks the field as saying where credentials are sent (see `destination`).
    pub fn destination(mut self, yes: bool) -> Self {
        self.destination = yes;
        self
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
                help: String::new(),
            })
            .collect();
        self
    }
    /// Choices with a help line each: (value, label, help).
    pub fn choices_help(mut self, choices: &[(&str, &str, &str)]) -> Self {
        self.choices = choices
            .iter()
            .map(|(v, l, h)| Choice {
                value: (*v).into(),
                label: (*l).into(),
                help: (*h).into(),
            })
            .collect();
        self
    }
    /// Applies only while `field` has one of `values`.
    pub fn when(mut self, field: &str, values: &[&str]) -> Self {
        self.show_when = Some(ShowWhen::new(field, values));
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
