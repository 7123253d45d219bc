//! Entra ID's token endpoint for the client-credentials grant:
//! `POST /{tenant}/oauth2/v2.0/token`, answering a token or Entra's error body
//! (`error`, `error_description` with the trace details, `error_codes`, `timestamp`,
//! `trace_id`, `correlation_id`, `error_uri`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use super::state::{self, IssuedToken};
use super::wire::json_response;
use super::{AppRegistration, Shared};

/// The only grant this endpoint serves.
const CLIENT_CREDENTIALS: &str = "client_credentials";
/// What a client-credentials scope must end with.
const DEFAULT_SUFFIX: &str = "/.default";

pub(super) fn router() -> Router<Arc<Shared>> {
    Router::new().route("/{tenant}/oauth2/v2.0/token", post(token))
}

/// An Entra refusal: HTTP status, OAuth `error`, AADSTS code and its sentence.
#[derive(Debug)]
struct EntraError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    description: String,
}

impl EntraError {
    fn bad_request(error: &'static str, code: u32, description: String) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            code,
            description,
        }
    }

    fn invalid_client(code: u32, description: String) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            code,
            description,
        }
    }

    fn missing(parameter: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }
}

impl IntoResponse for EntraError {
    /// Entra's body. The description ends with the trace details joined by spaces, as the
    /// service writes them today (it used `\r\n` until about 2023).
    fn into_response(self) -> Response {
        let trace_id = uuid::Uuid::new_v4().to_string();
        let correlation_id = uuid::Uuid::new_v4().to_string();
        let timestamp = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
        let code = self.code;
        let body = json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{code}: {} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}",
                self.description
            ),
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        });
        json_response(self.status, &body)
    }
}

/// The token request, checked in Entra's order: tenant, grant, client, scope, secret.
async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let form = form.map(|Form(form)| form).unwrap_or_default();
    match issue(&shared, &tenant, &form) {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

fn issue(
    shared: &Shared,
    tenant: &str,
    form: &HashMap<String, String>,
) -> Result<Response, EntraError> {
    let apps = shared.config.apps();
    if !apps.iter().any(|app| app.tenant_id == tenant) {
        return Err(EntraError::bad_request(
            "invalid_request",
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        ));
    }
    check_grant(form)?;
    let client_id = form
        .get("client_id")
        .ok_or_else(|| EntraError::missing("client_id"))?;
    let audience = audience(form)?;
    let app = find_app(&apps, tenant, client_id)?;
    if form.contains_key("client_assertion") {
        check_assertion(shared, app, tenant, form)?;
    } else {
        check_secret(app, form)?;
    }
    Ok(new_token(shared, app, audience))
}

fn check_grant(form: &HashMap<String, String>) -> Result<(), EntraError> {
    let grant = form
        .get("grant_type")
        .ok_or_else(|| EntraError::missing("grant_type"))?;
    if grant != CLIENT_CREDENTIALS {
        return Err(EntraError::bad_request(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant}'."),
        ));
    }
    Ok(())
}

/// The resource a client-credentials scope names (`https://vault.azure.net/.default`
/// → `https://vault.azure.net`).
fn audience(form: &HashMap<String, String>) -> Result<String, EntraError> {
    let scope = form
        .get("scope")
        .ok_or_else(|| EntraError::missing("scope"))?;
    scope
        .strip_suffix(DEFAULT_SUFFIX)
        .filter(|resource| !resource.is_empty() && !scope.contains(' '))
        .map(str::to_owned)
        .ok_or_else(|| {
            EntraError::bad_request(
                "invalid_scope",
                1002012,
                format!(
                    "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                ),
            )
        })
}

fn find_app<'a>(
    apps: &'a [AppRegistration],
    tenant: &str,
    client_id: &str,
) -> Result<&'a AppRegistration, EntraError> {
    apps.iter()
        .find(|app| app.tenant_id == tenant && app.client_id == client_id)
        .ok_or_else(|| {
            EntraError::bad_request(
                "unauthorized_client",
                700016,
                format!(
                    "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
                ),
            )
        })
}

/// A client assertion (RFC 7523 JWT, RS256) must be signed by the key of the
/// certificate registered on the app, name it by its SHA-1 thumbprint (`x5t`), and be
/// issued by and for the app to this tenant's token endpoint.
fn check_assertion(
    shared: &Shared,
    app: &AppRegistration,
    tenant: &str,
    form: &HashMap<String, String>,
) -> Result<(), EntraError> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
    let invalid = |why: &str| {
        EntraError::invalid_client(
            700027,
            format!("Client assertion contains an invalid signature. [Reason - {why}]"),
        )
    };
    if form.get("client_assertion_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    {
        return Err(EntraError::bad_request(
            "invalid_request",
            70002,
            "The client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.".into(),
        ));
    }
    let jwt = &form["client_assertion"];
    let parts: Vec<&str> = jwt.split('.').collect();
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .or_else(|_| URL_SAFE.decode(part))
            .map_err(|_| invalid("The assertion is not a JWT."))
    };
    let [header, payload, signature] = parts.as_slice() else {
        return Err(invalid("The assertion is not a JWT."));
    };
    let head: serde_json::Value =
        serde_json::from_slice(&decode(header)?).map_err(|_| invalid("Bad JWT header."))?;
    let claims: serde_json::Value =
        serde_json::from_slice(&decode(payload)?).map_err(|_| invalid("Bad JWT payload."))?;
    let Some(pem) = &shared.config.client_certificate_pem else {
        return Err(invalid("The key was not found."));
    };
    let cert = openssl::x509::X509::from_pem(pem.as_bytes()).expect("the registered certificate");
    let thumbprint = STANDARD.encode(
        cert.digest(openssl::hash::MessageDigest::sha1())
            .expect("sha1 thumbprint"),
    );
    if head["x5t"].as_str() != Some(thumbprint.as_str()) {
        return Err(invalid(&format!(
            "The key was not found., Thumbprint of key used by client: '{}'",
            head["x5t"].as_str().unwrap_or_default()
        )));
    }
    let key = cert.public_key().expect("the certificate's public key");
    let mut verifier = openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &key)
        .expect("verifier");
    verifier
        .update(format!("{header}.{payload}").as_bytes())
        .expect("verify");
    if !verifier.verify(&decode(signature)?).unwrap_or(false) {
        return Err(invalid("The signature does not verify."));
    }
    let endpoint = format!("{}/{tenant}/oauth2/v2.0/token", shared.base);
    let now = chrono::Utc::now().timestamp();
    if claims["iss"] != app.client_id.as_str()
        || claims["sub"] != app.client_id.as_str()
        || claims["aud"] != endpoint.as_str()
        || claims["exp"].as_i64().is_none_or(|exp| exp < now)
    {
        return Err(EntraError::invalid_client(
            700024,
            "Client assertion is not within its valid time range, or its issuer, subject or audience is not this app and token endpoint.".into(),
        ));
    }
    Ok(())
}

fn check_secret(app: &AppRegistration, form: &HashMap<String, String>) -> Result<(), EntraError> {
    let secret = form.get("client_secret").ok_or_else(|| {
        EntraError::invalid_client(
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".to_owned(),
        )
    })?;
    if *secret != app.client_secret {
        return Err(EntraError::invalid_client(
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                app.client_id
            ),
        ));
    }
    Ok(())
}

/// Issues a random opaque token for `app` and `audience` and answers it.
fn new_token(shared: &Shared, app: &AppRegistration, audience: String) -> Response {
    let lifetime = shared.config.token_lifetime_secs;
    let token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let issued = IssuedToken {
        tenant_id: app.tenant_id.clone(),
        client_id: app.client_id.clone(),
        audience,
        expires_at: state::now() + i64::try_from(lifetime).unwrap_or(i64::MAX / 2),
    };
    shared.lock().issue_token(token.clone(), issued);
    let body = json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": token,
    });
    json_response(StatusCode::OK, &body)
}
