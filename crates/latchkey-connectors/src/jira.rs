//! Jira: Cloud (e-mail + API token, `GET /rest/api/3/myself`) or Data Center (personal
//! access token, `GET /rest/api/2/myself`) in step 3; step 4 asks `mypermissions`
//! whether the account may browse projects.

use latchkey_core::ErrorCode;
use latchkey_core::{ConnectionKind, FieldKind::*, FieldSpec, TypeSpec};
use serde::Deserialize;

use crate::{ConnectorError, Reporter, Settings, http};

pub fn spec() -> TypeSpec {
    TypeSpec {
        kind: ConnectionKind::Jira,
        label: "Jira".into(),
        description: "Jira Cloud (API token) or Jira Data Center / Server (personal access token)."
            .into(),
        group: "Web and APIs".into(),
        fields: vec![
            FieldSpec::new("base_url", "Site URL", Url, true)
                .placeholder("https://your-company.atlassian.net")
                .help(
                    "Cloud: https://SITE.atlassian.net. Data Center: the address you open Jira at.",
                ),
            FieldSpec::new("deployment", "Deployment", Choice, true)
                .default("cloud")
                .choices(&[
                    ("cloud", "Jira Cloud"),
                    ("data_center", "Jira Data Center / Server"),
                ]),
            FieldSpec::new("email", "Account e-mail", Text, true)
                .when("deployment", &["cloud"])
                .placeholder("admin@example.com"),
            FieldSpec::new("api_token", "API token", Credential, true)
                .when("deployment", &["cloud"])
                .help("Create one at id.atlassian.com › Security › API tokens."),
            FieldSpec::new("pat", "Personal access token", Credential, true)
                .when("deployment", &["data_center"])
                .help("Profile › Personal Access Tokens in Jira Data Center."),
            FieldSpec::new("ca_file", "CA certificate", Path, false)
                .destination(true)
                .advanced()
                .placeholder("/etc/ssl/certs/internal-ca.pem")
                .help("PEM file of a private CA (Data Center behind an internal CA)."),
        ],
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Myself {
    display_name: Option<String>,
    account_id: Option<String>,
    name: Option<String>,
    email_address: Option<String>,
    active: Option<bool>,
}

#[derive(Deserialize)]
struct Permissions {
    permissions: std::collections::BTreeMap<String, Permission>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Permission {
    have_permission: bool,
}

pub(crate) async fn run(s: &Settings, report: &mut (dyn Reporter + Send)) {
    let cloud = s.text("deployment") != "data_center";
    let version = if cloud { 3 } else { 2 };
    let client = match http::client(s, true) {
        Ok(c) => c,
        Err(e) => return report.step(Err(e)),
    };
    let auth = |r: reqwest::RequestBuilder| {
        if cloud {
            r.basic_auth(s.text("email"), Some(s.secret("api_token")))
        } else {
            r.bearer_auth(s.secret("pat"))
        }
    };
    let url = match http::join(s.text("base_url"), &format!("/rest/api/{version}/myself")) {
        Ok(u) => u,
        Err(e) => return report.step(Err(e)),
    };
    let response = match auth(client.get(url.clone()).header("Accept", "application/json"))
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => return report.step(Err(http::explain(e, &url))),
    };
    let status = response.status();
    if status == reqwest::StatusCode::UNAUTHORIZED {
        let fix = if cloud {
            "check the account e-mail and its API token (or the secret it comes from); a Cloud API token belongs to one e-mail"
        } else {
            "check the personal access token (or the secret it comes from): it may have expired or been revoked"
        };
        return report.step(Err(ConnectorError::new(
            ErrorCode::BadCredentials,
            format!("GET /rest/api/{version}/myself → 401 Unauthorized"),
            fix,
        )));
    }
    if status == reqwest::StatusCode::FORBIDDEN {
        let reason = response
            .headers()
            .get("X-Seraph-LoginReason")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let fix = if reason.contains("AUTHENTICATION_DENIED") {
            "Jira asks for a CAPTCHA after failed logins: log in once in a browser, then test again"
        } else {
            "the account may not use the REST API: check it is active and licensed for Jira"
        };
        return report.step(Err(ConnectorError::new(
            ErrorCode::AccessDenied,
            format!("GET /rest/api/{version}/myself → 403 Forbidden {reason}")
                .trim()
                .to_owned(),
            fix,
        )));
    }
    if status == reqwest::StatusCode::NOT_FOUND {
        return report.step(Err(ConnectorError::new(
            ErrorCode::NotFound,
            format!("GET /rest/api/{version}/myself → 404: no Jira REST API at {}", s.text("base_url")),
            if cloud {
                "check the site URL (https://SITE.atlassian.net), or choose Data Center if it is self-hosted"
            } else {
                "check the site URL (include the context path, such as /jira), or choose Cloud"
            },
        )));
    }
    let me: Myself = match response.error_for_status() {
        Ok(r) => match r.json().await {
            Ok(m) => m,
            Err(_) => {
                return report.step(Err(ConnectorError::new(
                    ErrorCode::Failed,
                    format!("{url} did not answer like Jira (not a user in JSON)"),
                    "check the site URL",
                )));
            }
        },
        Err(e) => return report.step(Err(http::explain(e, &url))),
    };
    let id = me.account_id.or(me.name).unwrap_or_default();
    let name = me.display_name.unwrap_or_else(|| id.clone());
    let email = me
        .email_address
        .map(|e| format!(", {e}"))
        .unwrap_or_default();
    if me.active == Some(false) {
        return report.step(Err(ConnectorError::new(
            ErrorCode::AccessDenied,
            format!("the account {name} ({id}) is deactivated"),
            "reactivate the account in Jira's user management",
        )));
    }
    report.step(Ok(format!(
        "signed in as {name} ({id}{email}) on Jira {}",
        if cloud { "Cloud" } else { "Data Center" }
    )));

    let url = match http::join(
        s.text("base_url"),
        &format!("/rest/api/{version}/mypermissions?permissions=BROWSE_PROJECTS"),
    ) {
        Ok(u) => u,
        Err(e) => return report.step(Err(e)),
    };
    let answer = auth(client.get(url.clone()).header("Accept", "application/json"))
        .send()
        .await;
    let result = match answer {
        Err(e) => Err(http::explain(e, &url)),
        Ok(r) if !r.status().is_success() => Err(ConnectorError::new(
            ErrorCode::Failed,
            format!("GET /rest/api/{version}/mypermissions → {}", r.status()),
            "see Jira's log",
        )),
        Ok(r) => match r.json::<Permissions>().await {
            Ok(p)
                if p.permissions
                    .get("BROWSE_PROJECTS")
                    .is_some_and(|p| p.have_permission) =>
            {
                Ok("Browse projects: granted".to_owned())
            }
            Ok(_) => Err(ConnectorError::new(
                ErrorCode::AccessDenied,
                format!("{name} may not browse any project (BROWSE_PROJECTS not granted)"),
                "add the account to a group or project role with the Browse Projects permission",
            )),
            Err(_) => Err(ConnectorError::new(
                ErrorCode::Failed,
                "the mypermissions answer is not Jira's JSON",
                "check the site URL",
            )),
        },
    };
    report.step(result);
}
