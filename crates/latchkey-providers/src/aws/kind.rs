//! AWS Secrets Manager as a kind: its declaration, its checks and its client.

use latchkey_core::{
    FieldErrors, FieldKind::*, FieldSpec, ManagerSpec, NoteExtra, NoteSpec, ProviderKind, Settings,
};

use super::{AwsAuth, AwsSecretsManager, AwsSettings, check_region, check_role_arn};
use crate::field_error as field;
use crate::{ConnectContext, Form, ProviderError, Result, required_secret};

pub const SECRET_KEY: &str = "secret_access_key";

pub fn spec() -> ManagerSpec {
    ManagerSpec {
        kind: ProviderKind::AwsSecretsManager,
        label: "AWS Secrets Manager".into(),
        description: "Default chain, profile, access key or an assumed role.".into(),
        intro: "Latchkey reads secrets with this identity. It needs secretsmanager:ListSecrets, DescribeSecret and GetSecretValue.".into(),
        available: true,
        auth_field: Some("auth".into()),
        fields: vec![
            FieldSpec::new("region", "Region", Text, true)
                .default("us-east-1")
                .placeholder("us-east-1")
                .help("The region the secrets live in, such as eu-west-1."),
            FieldSpec::new("auth", "Sign in with", Choice, true)
                .default("default_chain")
                .choices_help(&[
                    ("default_chain", "Default chain", "Environment variables, ~/.aws files, SSO or an instance role."),
                    ("profile", "Named profile", "A profile from ~/.aws/config (SSO profiles work too)."),
                    ("access_key", "Access key", "An IAM user's key pair; the secret key is kept in the OS keychain."),
                    ("assume_role", "Assume role", "Latchkey assumes a role with the external ID below."),
                ]),
            FieldSpec::new("profile", "Profile", Text, true).when("auth", &["profile"]),
            FieldSpec::new("role_arn", "Role ARN", Text, true)
                .when("auth", &["assume_role"])
                .placeholder("arn:aws:iam::123456789012:role/latchkey-reader"),
            FieldSpec::new("access_key_id", "Access key ID", Text, false)
                .when("auth", &["access_key", "assume_role"])
                .required_when("auth", &["access_key"])
                .help("For Assume role it is optional: the key pair that assumes the role (empty: the default chain)."),
            FieldSpec::new(SECRET_KEY, "Secret access key", Secret, false)
                .when("auth", &["access_key", "assume_role"])
                .required_when("auth", &["access_key"]),
            FieldSpec::new("endpoint_url", "Endpoint URL", Url, false)
                .advanced()
                .placeholder("https://secretsmanager.us-east-1.amazonaws.com")
                .help("Only for an AWS-compatible endpoint (a VPC endpoint, or moto for testing)."),
        ],
        notes: vec![
            NoteSpec::new(
                "external-id-note",
                "External ID",
                "Add it to the role's trust policy:",
            )
            .after("role_arn")
            .when("auth", &["assume_role"])
            .extra(NoteExtra::AwsExternalId),
        ],
    }
}

pub fn check(form: &Form) -> FieldErrors {
    let mut errors = Vec::new();
    if let Err(ProviderError::InvalidSetting { message, .. }) = check_region(form.text("region")) {
        field(&mut errors, "region", message);
    }
    let auth = form.text("auth");
    match auth {
        "profile" if form.text("profile").is_empty() => field(
            &mut errors,
            "profile",
            "Enter the name of a profile from ~/.aws/config.",
        ),
        "access_key" if form.text("access_key_id").is_empty() => field(
            &mut errors,
            "access_key_id",
            "Enter the access key ID (it starts with AKIA or ASIA).",
        ),
        "assume_role" => {
            if let Err(e) = check_role_arn(form.text("role_arn")) {
                field(&mut errors, "role_arn", e.to_string());
            }
        }
        _ => {}
    }
    if matches!(auth, "access_key" | "assume_role")
        && !form.text("access_key_id").is_empty()
        && !form.has_secret(SECRET_KEY)
    {
        field(
            &mut errors,
            SECRET_KEY,
            "Enter the secret access key: it is kept in the OS keychain only.",
        );
    }
    errors
}

pub fn unused_secrets(form: &Form) -> Vec<&'static str> {
    if form.text("auth") == "assume_role" && form.text("access_key_id").is_empty() {
        vec![SECRET_KEY]
    } else {
        Vec::new()
    }
}

pub async fn connect(mut s: Settings, context: &ConnectContext) -> Result<AwsSecretsManager> {
    let auth = match s.text("auth") {
        "profile" => AwsAuth::Profile {
            name: s.text("profile").into(),
        },
        "access_key" => AwsAuth::AccessKey {
            access_key_id: s.text("access_key_id").into(),
            secret_access_key: required_secret(&mut s, SECRET_KEY, "secret access key")?,
        },
        "assume_role" => {
            let key_id = s.text("access_key_id").to_owned();
            AwsAuth::AssumeRole {
                role_arn: s.text("role_arn").into(),
                external_id: context.external_id.clone(),
                source: match s.take_secret(SECRET_KEY) {
                    Some(k) if !key_id.is_empty() => Some((key_id, k)),
                    _ => None,
                },
            }
        }
        _ => AwsAuth::DefaultChain,
    };
    let settings = AwsSettings {
        region: s.text("region").into(),
        endpoint_url: s.opt("endpoint_url"),
        auth,
    };
    AwsSecretsManager::connect(&context.alias, settings).await
}
