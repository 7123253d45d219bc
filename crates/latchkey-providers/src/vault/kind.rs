//! HashiCorp Vault / OpenBao as a kind: its declaration, its checks and its client.

use std::collections::BTreeMap;

use latchkey_core::{
    FieldErrors, FieldKind::*, FieldSpec, ManagerSpec, NoteSpec, ProviderKind, Settings,
};

use super::{Vault, VaultAuth, VaultSettings, check_address, parse_mounts};
use crate::field_error as field;
use crate::{ConnectContext, Form, ProviderError, Result, required_secret};

pub fn spec() -> ManagerSpec {
    ManagerSpec {
        kind: ProviderKind::Vault,
        label: "HashiCorp Vault / OpenBao".into(),
        description: "KV v1 and v2 with a token, AppRole or username & password.".into(),
        intro: "Latchkey reads KV secrets (v1 and v2) with this identity. Its policy needs list and read on the paths you pick from.".into(),
        available: true,
        auth_field: Some("auth".into()),
        fields: vec![
            FieldSpec::new("address", "Server URL", Url, true)
                .placeholder("https://vault.example.com:8200"),
            FieldSpec::new("namespace", "Namespace", Text, false)
                .placeholder("team-a")
                .help("Optional; empty for the root namespace. Sent as X-Vault-Namespace."),
            FieldSpec::new("auth", "Sign in with", Choice, true)
                .default("token")
                .choices_help(&[
                    ("token", "Token", "A Vault token; Latchkey renews it while it is renewable."),
                    ("app_role", "AppRole", "A role ID and a secret ID, exchanged for a short-lived token (the usual choice for apps)."),
                    ("userpass", "Username & password", "A Vault user of the userpass auth method."),
                ]),
            FieldSpec::new("token", "Token", Secret, true).when("auth", &["token"]),
            FieldSpec::new("role_id", "Role ID", Text, true).when("auth", &["app_role"]),
            FieldSpec::new("secret_id", "Secret ID", Secret, true).when("auth", &["app_role"]),
            FieldSpec::new("username", "Username", Text, true).when("auth", &["userpass"]),
            FieldSpec::new("password", "Password", Secret, true).when("auth", &["userpass"]),
            FieldSpec::new("ca_cert", "CA certificate", Path, false)
                .advanced()
                .destination(true)
                .placeholder("/etc/ssl/vault-ca.pem")
                .help("Path of a PEM file to trust for this server; empty uses the system's trust store."),
            FieldSpec::new("auth_mount", "Auth mount path", Text, false)
                .advanced()
                .when("auth", &["app_role", "userpass"])
                .placeholder("approle")
                .help("Empty for the default (approle for AppRole, userpass for username & password)."),
            FieldSpec::new("mounts", "KV mounts", Text, false)
                .advanced()
                .placeholder("secret:2")
                .help("Only needed when the token may not list mounts: e.g. secret:2 legacy:1"),
            FieldSpec::new("expiry_metadata_key", "Expiry metadata key", Text, false)
                .advanced()
                .placeholder("expires_at")
                .help("A KV v2 custom-metadata key that holds each secret's expiry date (2026-12-31 or RFC 3339): the inventory warns before it."),
        ],
        notes: vec![NoteSpec::new(
            "vault-policy",
            "Policy",
            "The policy needs **list** on the folders you browse and **read** on the secrets you use (KV v2: on data/ and metadata/).",
        )
        .after("password")],
    }
}

pub fn check(form: &Form) -> FieldErrors {
    let mut errors = Vec::new();
    let address = form.text("address").trim_end_matches('/');
    if let Err(ProviderError::InvalidSetting { message, .. }) = check_address(address) {
        field(&mut errors, "address", message);
    }
    let ca = form.text("ca_cert");
    if !ca.is_empty() && !std::path::Path::new(ca).is_file() {
        field(
            &mut errors,
            "ca_cert",
            format!(
                "The file \"{ca}\" does not exist: enter the path of the CA certificate (PEM), or leave it empty."
            ),
        );
    }
    if let Err(ProviderError::InvalidSetting { message, .. }) = parse_mounts(form.text("mounts")) {
        field(&mut errors, "mounts", message);
    }
    let key = form.text("expiry_metadata_key");
    if key.len() > 128 || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        field(
            &mut errors,
            "expiry_metadata_key",
            "A custom-metadata key is one word of at most 128 characters (no spaces): e.g. expires_at.",
        );
    }
    errors
}

pub fn normalise(plain: &mut BTreeMap<String, String>) {
    for (key, trim) in [("address", "/"), ("namespace", "/"), ("auth_mount", "/")] {
        if let Some(v) = plain.get_mut(key) {
            *v = if key == "address" {
                v.trim().trim_end_matches(trim).to_owned()
            } else {
                v.trim().trim_matches('/').to_owned()
            };
        }
    }
}

pub fn connect(mut s: Settings, context: &ConnectContext) -> Result<Vault> {
    let auth_mount = s.opt("auth_mount");
    let mount = |default: &str| auth_mount.clone().unwrap_or_else(|| default.to_owned());
    let auth = match s.text("auth") {
        "app_role" => VaultAuth::AppRole {
            mount: mount("approle"),
            role_id: s.text("role_id").into(),
            secret_id: required_secret(&mut s, "secret_id", "secret ID")?,
        },
        "userpass" => VaultAuth::Userpass {
            mount: mount("userpass"),
            username: s.text("username").into(),
            password: required_secret(&mut s, "password", "password")?,
        },
        _ => VaultAuth::Token(required_secret(&mut s, "token", "token")?),
    };
    let settings = VaultSettings {
        address: s.text("address").trim_end_matches('/').into(),
        namespace: s.opt("namespace"),
        ca_cert: s.opt("ca_cert"),
        auth,
        manual_mounts: parse_mounts(s.text("mounts"))?,
    };
    Vault::connect(&context.alias, settings)
}
