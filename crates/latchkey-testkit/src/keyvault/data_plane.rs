//! The Key Vault secrets data plane: the request gate (bearer token, throttling,
//! api-version) and the operations the SDK uses — GetSecrets, GetSecretVersions,
//! GetSecret, SetSecret, UpdateSecret.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::Shared;
use super::errors::{KvError, VAULT_RESOURCE};
use super::paging::PageRequest;
use super::state::{self, SetOptions, Update};
use super::wire::{self, json_response};

/// The api-versions Key Vault accepts for secrets (the SDK sends 2025-07-01).
const API_VERSIONS: &[&str] = &[
    "2016-10-01",
    "7.0",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5",
    "7.6",
    "2025-07-01",
];

/// Where the RBAC messages say the vault lives.
const SUBSCRIPTION_ID: &str = "6f3a0c1e-0000-4000-8000-0000000be11e";
const RESOURCE_GROUP: &str = "rg-latchkey-test";
const LOCATION: &str = "westeurope";

/// The RBAC data actions of the operations served here.
const READ_METADATA: &str = "Microsoft.KeyVault/vaults/secrets/readMetadata/action";
const GET_SECRET: &str = "Microsoft.KeyVault/vaults/secrets/getSecret/action";
const SET_SECRET: &str = "Microsoft.KeyVault/vaults/secrets/setSecret/action";
const UPDATE_SECRET: &str = "Microsoft.KeyVault/vaults/secrets/update/action";

/// Who sent an authenticated request (what RBAC messages name).
#[derive(Clone, Debug)]
struct Caller {
    client_id: String,
    tenant_id: String,
}

/// The request's api-version, which nextLinks repeat.
#[derive(Clone, Debug)]
struct ApiVersion(String);

/// The data-plane routes, behind [`gate`]. `GET`/`PATCH` on `/secrets/{secret-name}`
/// (with or without a trailing slash) are GetSecret/UpdateSecret with the optional
/// version left out, which is what the SDK sends for "the latest version".
pub(super) fn router(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/secrets", get(list_secrets))
        .route(
            "/secrets/{secret-name}",
            get(get_latest).put(set_secret).patch(update_latest),
        )
        .route(
            "/secrets/{secret-name}/",
            get(get_latest).patch(update_latest),
        )
        .route("/secrets/{secret-name}/versions", get(list_versions))
        .route(
            "/secrets/{secret-name}/{secret-version}",
            get(get_version).patch(update_version),
        )
        .route_layer(from_fn_with_state(shared, gate))
}

/// Runs before every data-plane operation: the bearer token (401 with the challenge),
/// throttling (429), then the api-version (400).
async fn gate(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let checked = authenticate(&shared, request.headers()).and_then(|caller| {
        if let Some(retry_after_secs) = shared.lock().take_throttle() {
            return Err(KvError::Throttled { retry_after_secs });
        }
        Ok((caller, api_version(request.uri())?))
    });
    match checked {
        Ok((caller, api_version)) => {
            request.extensions_mut().insert(caller);
            request.extensions_mut().insert(api_version);
            next.run(request).await
        }
        Err(refusal) => refusal.into_response(),
    }
}

/// The caller of a token this server issued for Key Vault, in the vault's tenant, not
/// expired; otherwise the 401 the service sends for each case.
fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Caller, KvError> {
    let tenant = &shared.config.tenant_id;
    let unauthorized = |message: String| KvError::Unauthorized {
        tenant: tenant.clone(),
        message,
    };
    let token = bearer_token(headers).ok_or_else(|| {
        unauthorized("AKV10000: Request is missing a Bearer or PoP token.".to_owned())
    })?;
    let state = shared.lock();
    let issued = state
        .token(token)
        .ok_or_else(|| unauthorized(invalid_issuer(tenant, "an unknown issuer")))?;
    if issued.tenant_id != *tenant {
        let found = format!("https://sts.windows.net/{}/", issued.tenant_id);
        return Err(unauthorized(invalid_issuer(tenant, &found)));
    }
    if issued.audience != VAULT_RESOURCE {
        return Err(unauthorized(format!(
            "AKV10022: Invalid audience. Expected {VAULT_RESOURCE}, found: {}.",
            issued.audience
        )));
    }
    if issued.expires_at <= state::now() {
        return Err(unauthorized(
            "[TokenExpired] Error validating token: 'S2S12086'.".to_owned(),
        ));
    }
    Ok(Caller {
        client_id: issued.client_id.clone(),
        tenant_id: issued.tenant_id.clone(),
    })
}

fn invalid_issuer(tenant: &str, found: &str) -> String {
    format!(
        "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/{tenant}/, https://login.microsoftonline.com/{tenant}/v2.0, found {found}."
    )
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The `api-version` query parameter, which every data-plane request must carry.
fn api_version(uri: &Uri) -> Result<ApiVersion, KvError> {
    let query = Query::<HashMap<String, String>>::try_from_uri(uri)
        .map(|Query(query)| query)
        .unwrap_or_default();
    let version = query.get("api-version").ok_or_else(|| {
        KvError::BadParameter(
            "The api-version query parameter (?api-version=) is required for all requests."
                .to_owned(),
        )
    })?;
    if !API_VERSIONS.contains(&version.as_str()) {
        return Err(KvError::BadParameter(format!(
            "The specified version ({version}) is not recognized. Consider using the latest supported version ({}).",
            super::API_VERSION
        )));
    }
    Ok(ApiVersion(version.clone()))
}

/// The 403 RBAC sends when `caller` has no role allowing `action` on the vault
/// (`name` = `None`) or on one secret.
fn rbac_denied(shared: &Shared, caller: &Caller, action: &str, name: Option<&str>) -> KvError {
    let vault = &shared.config.vault_name;
    let mut resource = format!(
        "/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/{RESOURCE_GROUP}/providers/microsoft.keyvault/vaults/{vault}"
    );
    if let Some(name) = name {
        resource = format!("{resource}/secrets/{name}");
    }
    let object_id = shared
        .object_ids
        .get(&caller.client_id)
        .map_or("00000000-0000-0000-0000-000000000000", String::as_str);
    KvError::Rbac(format!(
        "Caller is not authorized to perform action on resource.\r\n\
         If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n\
         Caller: appid={};oid={object_id};iss=https://sts.windows.net/{}/\r\n\
         Action: '{action}'\r\n\
         Resource: '{resource}'\r\n\
         Assignment: (not found)\r\n\
         DenyAssignmentId: null\r\n\
         DecisionReason: null \r\n\
         Vault: {vault};location={LOCATION}\r\n",
        caller.client_id, caller.tenant_id
    ))
}

/// Refuses names Key Vault would not accept in a URI.
fn check_name(name: &str) -> Result<(), KvError> {
    if state::valid_name(name) {
        Ok(())
    } else {
        Err(KvError::invalid_name(name))
    }
}

/// The absolute nextLink of a listing at `path` (`/secrets`, `/secrets/<name>/versions`).
fn next_link(
    shared: &Shared,
    path: &str,
    api_version: &ApiVersion,
    page: &PageRequest,
    token: String,
) -> String {
    format!(
        "{}{path}?api-version={}&$skiptoken={token}&maxresults={}",
        shared.base,
        api_version.0,
        page.max_results()
    )
}

/// GetSecrets: every secret (its latest version's attributes, no version in the id).
async fn list_secrets(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Extension(api_version): Extension<ApiVersion>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, KvError> {
    let page = PageRequest::from_query(&query)?;
    let state = shared.lock();
    if state.is_denied(None) {
        return Err(rbac_denied(&shared, &caller, READ_METADATA, None));
    }
    let items = state
        .secrets()
        .map(|(key, secret)| (key.clone(), wire::secret_item(&shared.base, secret)))
        .collect();
    let (values, next) = page.page(items);
    let next = next.map(|token| next_link(&shared, "/secrets", &api_version, &page, token));
    Ok(json_response(StatusCode::OK, &wire::list(values, next)))
}

/// GetSecretVersions: every version of one secret, oldest first, ids with the version.
async fn list_versions(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Extension(api_version): Extension<ApiVersion>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, KvError> {
    check_name(&name)?;
    let page = PageRequest::from_query(&query)?;
    let state = shared.lock();
    if state.is_denied(Some(&name)) {
        return Err(rbac_denied(&shared, &caller, READ_METADATA, Some(&name)));
    }
    let items = state
        .secret(&name)
        .map(|secret| {
            secret
                .versions
                .iter()
                .enumerate()
                .map(|(i, version)| {
                    let item = wire::version_item(&shared.base, secret, version);
                    (format!("{i:010}"), item)
                })
                .collect()
        })
        .unwrap_or_default();
    let (values, next) = page.page(items);
    let path = format!("/secrets/{name}/versions");
    let next = next.map(|token| next_link(&shared, &path, &api_version, &page, token));
    Ok(json_response(StatusCode::OK, &wire::list(values, next)))
}

async fn get_latest(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Response, KvError> {
    get_secret(&shared, &caller, &name, None)
}

async fn get_version(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path((name, version)): Path<(String, String)>,
) -> Result<Response, KvError> {
    get_secret(&shared, &caller, &name, Some(&version))
}

/// GetSecret: one version with its value; a disabled one is refused.
fn get_secret(
    shared: &Shared,
    caller: &Caller,
    name: &str,
    version: Option<&str>,
) -> Result<Response, KvError> {
    check_name(name)?;
    let state = shared.lock();
    if state.is_denied(Some(name)) {
        return Err(rbac_denied(shared, caller, GET_SECRET, Some(name)));
    }
    let (secret, version) = state.version(name, version)?;
    if !version.enabled {
        return Err(KvError::Disabled);
    }
    let bundle = wire::bundle(&shared.base, secret, version, true);
    Ok(json_response(StatusCode::OK, &bundle))
}

/// `SecretAttributes` as a request carries them (read-only fields are ignored).
#[derive(Deserialize, Default)]
struct AttributesIn {
    enabled: Option<bool>,
    exp: Option<i64>,
    nbf: Option<i64>,
}

/// `SecretSetParameters`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetParameters {
    value: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    content_type: Option<String>,
    #[serde(default)]
    attributes: AttributesIn,
}

/// `SecretUpdateParameters`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateParameters {
    content_type: Option<String>,
    attributes: Option<AttributesIn>,
    tags: Option<BTreeMap<String, String>>,
}

fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, KvError> {
    serde_json::from_slice(body)
        .map_err(|e| KvError::BadParameter(format!("The request body is not valid: {e}")))
}

/// SetSecret: a new version, answered with its value.
async fn set_secret(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, KvError> {
    check_name(&name)?;
    let parameters: SetParameters = parse_body(&body)?;
    let value = parameters
        .value
        .ok_or_else(|| KvError::BadParameter("The parameter 'value' is required.".to_owned()))?;
    let options = SetOptions {
        tags: parameters.tags,
        content_type: parameters.content_type,
        enabled: parameters.attributes.enabled,
        expires: parameters.attributes.exp,
        not_before: parameters.attributes.nbf,
        version: None,
    };
    let mut state = shared.lock();
    if state.is_denied(Some(&name)) {
        return Err(rbac_denied(&shared, &caller, SET_SECRET, Some(&name)));
    }
    let id = state.set(&name, &value, options, state::now())?;
    let (secret, version) = state.version(&name, Some(&id))?;
    let bundle = wire::bundle(&shared.base, secret, version, true);
    Ok(json_response(StatusCode::OK, &bundle))
}

async fn update_latest(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, KvError> {
    update_secret(&shared, &caller, &name, None, &body)
}

async fn update_version(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path((name, version)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, KvError> {
    update_secret(&shared, &caller, &name, Some(&version), &body)
}

/// UpdateSecret: attributes, tags and content type of one version, answered without
/// the value.
fn update_secret(
    shared: &Shared,
    caller: &Caller,
    name: &str,
    version: Option<&str>,
    body: &Bytes,
) -> Result<Response, KvError> {
    check_name(name)?;
    let parameters: UpdateParameters = parse_body(body)?;
    let attributes = parameters.attributes.unwrap_or_default();
    let update = Update {
        enabled: attributes.enabled,
        expires: attributes.exp,
        not_before: attributes.nbf,
        tags: parameters.tags,
        content_type: parameters.content_type,
    };
    let mut state = shared.lock();
    if state.is_denied(Some(name)) {
        return Err(rbac_denied(shared, caller, UPDATE_SECRET, Some(name)));
    }
    let (secret, version) = state.update(name, version, update, state::now())?;
    let bundle = wire::bundle(&shared.base, &secret, &version, false);
    Ok(json_response(StatusCode::OK, &bundle))
}
