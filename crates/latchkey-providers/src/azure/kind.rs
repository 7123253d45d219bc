//! Azure Key Vault as a kind: its declaration, its checks and its client.

use std::collections::BTreeMap;

use latchkey_core::{
    FieldErrors, FieldKind::*, FieldSpec, ManagerSpec, NoteSpec, ProviderKind, Settings,
};

use super::{AzureAuth, AzureKeyVault, AzureSettings, Grouping, check_vault_url};
use crate::field_error as field;
use crate::{ConnectContext, Form, Result, required_secret};

const APP: [&str; 2] = ["client_secret", "client_certificate"];

pub fn spec() -> ManagerSpec {
    ManagerSpec {
        kind: ProviderKind::AzureKeyVault,
        label: "Azure Key Vault".into(),
        description: "Entra ID app (client secret or certificate), Azure CLI or managed identity.".into(),
        intro: "Latchkey reads secrets from one key vault with this identity.".into(),
        available: true,
        auth_field: Some("auth".into()),
        fields: vec![
            FieldSpec::new("vault_url", "Vault URL", Url, true)
                .placeholder("https://my-vault.vault.azure.net/")
                .help("Public cloud: .vault.azure.net — China: .vault.azure.cn — US Government: .vault.usgovcloudapi.net"),
            FieldSpec::new("auth", "Sign in with", Choice, true)
                .default("client_secret")
                .choices_help(&[
                    ("client_secret", "Entra ID app — client secret", "An app registration's client secret; the secret is kept in the OS keychain."),
                    ("client_certificate", "Entra ID app — certificate", "An app registration's certificate: a PEM or PFX file holding its private key."),
                    ("azure_cli", "Azure CLI (az login)", "Whoever is signed in to the Azure CLI on this machine."),
                    ("managed_identity", "Managed identity", "The identity of the Azure VM, App Service or container Latchkey runs on."),
                ]),
            FieldSpec::new("tenant_id", "Tenant ID", Text, false)
                .when("auth", &["client_secret", "client_certificate", "azure_cli"])
                .required_when("auth", &APP)
                .placeholder("00000000-0000-0000-0000-000000000000")
                .help("Directory (tenant) ID: Entra ID › Overview. For the Azure CLI only when it is signed in to several tenants."),
            FieldSpec::new("client_id", "Client ID", Text, false)
                .when("auth", &["client_secret", "client_certificate", "managed_identity"])
                .required_when("auth", &APP)
                .placeholder("00000000-0000-0000-0000-000000000000")
                .help("Application (client) ID of the app registration. For a managed identity, a user-assigned identity's (empty for the system-assigned one)."),
            FieldSpec::new("client_secret", "Client secret", Secret, true)
                .when("auth", &["client_secret"]),
            FieldSpec::new("certificate_path", "Certificate path (PEM or PFX)", Path, true)
                .when("auth", &["client_certificate"])
                .placeholder("/etc/latchkey/app.pfx")
                .help("A file on this machine holding the certificate and its private key."),
            FieldSpec::new("certificate_password", "Certificate password (optional)", Secret, false)
                .when("auth", &["client_certificate"]),
            FieldSpec::new("grouping", "Group the tree", Choice, true)
                .default("none")
                .choices(&[
                    ("none", "None (one flat list)"),
                    ("separator", "By name separator"),
                    ("tag", "By tag"),
                ])
                .help("Key Vault names allow only letters, digits and -: the picker can still show folders."),
            FieldSpec::new("separator", "Separator", Text, true)
                .when("grouping", &["separator"])
                .default("-")
                .placeholder("-"),
            FieldSpec::new("tag", "Tag name", Text, true)
                .when("grouping", &["tag"])
                .placeholder("team"),
            FieldSpec::new("authority_host", "Authority host", Url, false)
                .advanced()
                .placeholder("https://login.microsoftonline.com")
                .help("Entra ID's sign-in host; empty uses the vault's cloud (login.microsoftonline.com for .vault.azure.net)."),
            FieldSpec::new("ca_cert", "CA certificate", Path, false)
                .advanced()
                .destination(true)
                .placeholder("/etc/ssl/corporate-ca.pem")
                .help("Path of a PEM file to trust (a TLS-inspecting proxy); empty uses the system's trust store."),
        ],
        notes: vec![
            NoteSpec::new(
                "azure-permissions",
                "Permissions",
                "Latchkey needs to read and list secrets: assign the **Key Vault Secrets User** role on the vault (RBAC vaults), or grant the **Get** and **List** secret permissions in an access policy (access-policy vaults).",
            )
            .after("certificate_password"),
            NoteSpec::new("grouping-example", "", "billing-db-password is listed as is, in one flat list.")
                .after("tag")
                .when("grouping", &["none"]),
            NoteSpec::new(
                "grouping-example",
                "",
                "billing{separator}db{separator}password shows as billing / db / password.",
            )
            .after("tag")
            .when("grouping", &["separator"]),
            NoteSpec::new(
                "grouping-example",
                "",
                "app-db tagged {tag}=billing shows as billing / app-db; untagged, as (no {tag}) / app-db.",
            )
            .after("tag")
            .when("grouping", &["tag"]),
        ],
    }
}

/// A tenant's domain name: labels of letters, digits and hyphens, with a dot.
fn is_domain(s: &str) -> bool {
    s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// A GUID as Entra ID shows tenant and client IDs (a tenant may also be a domain name).
fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

pub fn check(form: &Form) -> FieldErrors {
    let mut errors = Vec::new();
    if let Err(e) = check_vault_url(form.text("vault_url")) {
        field(&mut errors, "vault_url", e.to_string());
    }
    let (tenant, client) = (form.text("tenant_id"), form.text("client_id"));
    let app = APP.contains(&form.text("auth"));
    if app && tenant.is_empty() {
        field(
            &mut errors,
            "tenant_id",
            "Enter the directory (tenant) ID: Entra ID › Overview, a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47.",
        );
    } else if !tenant.is_empty() && !is_guid(tenant) && !is_domain(tenant) {
        // The value is not repeated: a client secret pasted into the wrong box would be.
        field(
            &mut errors,
            "tenant_id",
            "This is not a tenant ID: use the directory (tenant) ID, a GUID, or the tenant's domain (contoso.onmicrosoft.com).",
        );
    }
    if app && client.is_empty() {
        field(
            &mut errors,
            "client_id",
            "Enter the application (client) ID of the app registration (a GUID).",
        );
    } else if !client.is_empty() && !is_guid(client) {
        field(
            &mut errors,
            "client_id",
            "This is not a client ID: use the application (client) ID, a GUID (the client secret goes in its own field).",
        );
    }
    let path = form.text("certificate_path");
    if form.text("auth") == "client_certificate"
        && !path.is_empty()
        && !std::path::Path::new(path).is_file()
    {
        field(
            &mut errors,
            "certificate_path",
            format!(
                "The file \"{path}\" does not exist: enter the certificate's path (PEM or PFX)."
            ),
        );
    }
    let authority = form.text("authority_host");
    if !authority.is_empty() && !authority.starts_with("https://") {
        field(
            &mut errors,
            "authority_host",
            "The authority host starts with https:// (e.g. https://login.microsoftonline.com), or leave it empty for the vault's cloud.",
        );
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
    let separator = form.text("separator");
    if form.text("grouping") == "separator"
        && (separator.is_empty() || separator.chars().any(|c| c.is_ascii_alphanumeric()))
    {
        field(
            &mut errors,
            "separator",
            "Enter the separator that splits names into folders, such as - (Key Vault names allow only letters, digits and -).",
        );
    }
    errors
}

pub fn normalise(plain: &mut BTreeMap<String, String>) {
    if let Some(url) = plain.get_mut("vault_url")
        && let Ok(normal) = check_vault_url(url)
    {
        *url = normal;
    }
    if let Some(a) = plain.get_mut("authority_host") {
        *a = a.trim().trim_end_matches('/').to_owned();
    }
}

pub fn connect(mut s: Settings, context: &ConnectContext) -> Result<AzureKeyVault> {
    let tenant = s.text("tenant_id").to_owned();
    let client = s.text("client_id").to_owned();
    let auth = match s.text("auth") {
        "client_certificate" => AzureAuth::ClientCertificate {
            tenant_id: tenant,
            client_id: client,
            path: s.text("certificate_path").into(),
            password: s.take_secret("certificate_password"),
        },
        "azure_cli" => AzureAuth::AzureCli {
            tenant_id: (!tenant.is_empty()).then_some(tenant),
        },
        "managed_identity" => AzureAuth::ManagedIdentity {
            client_id: (!client.is_empty()).then_some(client),
        },
        _ => AzureAuth::ClientSecret {
            tenant_id: tenant,
            client_id: client,
            secret: required_secret(&mut s, "client_secret", "client secret")?,
        },
    };
    let grouping = match s.text("grouping") {
        "separator" => Grouping::Separator(s.text("separator").into()),
        "tag" => Grouping::Tag(s.text("tag").into()),
        _ => Grouping::None,
    };
    let settings = AzureSettings {
        vault_url: s.text("vault_url").into(),
        auth,
        authority_host: s.opt("authority_host"),
        ca_cert: s.opt("ca_cert"),
        grouping,
    };
    AzureKeyVault::connect(&context.alias, settings)
}
