//! The local Key Vault server against Microsoft's published spec
//! (`specs/azure-keyvault/secrets.json`: Swagger 2.0, api-version 2025-07-01, a verbatim
//! copy of the project's shared spec).
//!
//! Each test drives the server over HTTPS with plain reqwest, then checks every
//! data-plane answer it recorded: the operation exists in the spec for that path and
//! method, the request's query parameters are the operation's (api-version present),
//! and the body validates against the schema the spec gives for that status
//! ("default" → `KeyVaultError`). The spec's objects are made closed
//! (`additionalProperties: false`) first, so a field the spec does not define fails.
//! The token endpoint has no spec file: its bodies are checked field by field.

mod common;

use std::collections::BTreeSet;

use common::{SHARED_SPEC, SPEC, Spec, check_all};
use latchkey_testkit::keyvault::{
    API_VERSION, AppRegistration, KeyVaultConfig, KeyVaultServer, Plane, SEED_FIXTURE, SetOptions,
    TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TENANT_ID,
};
use serde_json::{Value, json};

/// A small client for the server: token endpoint and data plane.
struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    fn new(server: &KeyVaultServer) -> Self {
        Self {
            http: common::https_client(server),
            base: server.authority_host.clone(),
            token: None,
        }
    }

    async fn token_request(&self, tenant: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/{tenant}/oauth2/v2.0/token", self.base))
            .form(form)
            .send()
            .await
            .expect("token request");
        let status = response.status().as_u16();
        let body = response.json_value().await;
        (status, body)
    }

    async fn sign_in(&mut self, tenant: &str, client_id: &str, secret: &str) {
        let (status, body) = self
            .token_request(tenant, &credentials(client_id, secret))
            .await;
        assert_eq!(status, 200, "{body}");
        self.token = Some(body["access_token"].as_str().expect("a token").to_owned());
    }

    /// Sends a data-plane request (path and query relative to the vault).
    async fn send(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Answer {
        let url = if path_and_query.starts_with("https://") {
            path_and_query.to_owned()
        } else {
            format!("{}{path_and_query}", self.base)
        };
        let mut request = self.http.request(method, url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("data-plane request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        Answer {
            status,
            headers,
            body: response.json_value().await,
        }
    }

    async fn get(&self, path_and_query: &str) -> Answer {
        self.send(reqwest::Method::GET, path_and_query, None).await
    }
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header"))
    }

    fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    fn inner_code(&self) -> &str {
        self.body["error"]["innererror"]["code"]
            .as_str()
            .unwrap_or("")
    }
}

trait JsonBody {
    async fn json_value(self) -> Value;
}

impl JsonBody for reqwest::Response {
    async fn json_value(self) -> Value {
        let bytes = self.bytes().await.expect("read the body");
        if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("the body is JSON")
        }
    }
}

fn credentials<'a>(client_id: &'a str, secret: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", secret),
        ("scope", "https://vault.azure.net/.default"),
    ]
}

fn q(path: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}api-version={API_VERSION}")
}

async fn seeded_server() -> (KeyVaultServer, Client) {
    let server = KeyVaultServer::start(KeyVaultConfig::default()).await;
    assert_eq!(server.seed_file(SEED_FIXTURE), 120);
    let mut client = Client::new(&server);
    client
        .sign_in(TEST_TENANT_ID, TEST_CLIENT_ID, TEST_CLIENT_SECRET)
        .await;
    (server, client)
}

#[tokio::test]
async fn token_endpoint_answers_like_entra() {
    let server = KeyVaultServer::start(KeyVaultConfig::default()).await;
    let client = Client::new(&server);

    let (status, ok) = client
        .token_request(
            TEST_TENANT_ID,
            &credentials(TEST_CLIENT_ID, TEST_CLIENT_SECRET),
        )
        .await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["token_type"], "Bearer");
    assert_eq!(ok["expires_in"], 3599);
    assert_eq!(ok["ext_expires_in"], 3599);
    assert!(
        ok["access_token"].as_str().is_some_and(|t| t.len() >= 32),
        "{ok}"
    );

    let cases = [
        (
            "no-such-tenant",
            TEST_CLIENT_ID,
            TEST_CLIENT_SECRET,
            400,
            "invalid_request",
            90002,
            "AADSTS90002: Tenant 'no-such-tenant' not found.",
        ),
        (
            TEST_TENANT_ID,
            "no-such-app",
            TEST_CLIENT_SECRET,
            400,
            "unauthorized_client",
            700016,
            "AADSTS700016: Application with identifier 'no-such-app' was not found in the directory",
        ),
        (
            TEST_TENANT_ID,
            TEST_CLIENT_ID,
            "wrong",
            401,
            "invalid_client",
            7000215,
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app",
        ),
    ];
    for (tenant, client_id, secret, status, error, code, description) in cases {
        let (got, body) = client
            .token_request(tenant, &credentials(client_id, secret))
            .await;
        assert_eq!(got, status, "{body}");
        assert_entra_error(&body, error, code, description);
    }

    let mut bad_scope = credentials(TEST_CLIENT_ID, TEST_CLIENT_SECRET);
    bad_scope[3] = ("scope", "https://vault.azure.net");
    let (status, body) = client.token_request(TEST_TENANT_ID, &bad_scope).await;
    assert_eq!(status, 400);
    assert_entra_error(&body, "invalid_scope", 1002012, "AADSTS1002012: ");

    let (status, body) = client
        .token_request(
            TEST_TENANT_ID,
            &credentials(TEST_CLIENT_ID, TEST_CLIENT_SECRET)[..3],
        )
        .await;
    assert_eq!(status, 400);
    assert_entra_error(
        &body,
        "invalid_request",
        900144,
        "AADSTS900144: The request body must contain the following parameter: 'scope'.",
    );

    assert_eq!(server.token_requests(), 6);
    assert_eq!(server.requests(), 0);
    let recorded = server.responses();
    assert!(recorded.iter().all(|r| r.plane == Plane::Token));
    assert!(
        recorded
            .iter()
            .all(|r| r.route == "/{tenant}/oauth2/v2.0/token")
    );
}

/// Entra's error body: every field Entra sends, the description with its trace details.
fn assert_entra_error(body: &Value, error: &str, code: u64, description: &str) {
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"], json!([code]), "{body}");
    let text = body["error_description"]
        .as_str()
        .expect("error_description");
    assert!(text.starts_with(description), "{text}");
    assert!(text.contains(" Trace ID: "), "{text}");
    assert!(text.contains(" Correlation ID: "), "{text}");
    assert!(text.contains(" Timestamp: "), "{text}");
    for field in ["timestamp", "trace_id", "correlation_id"] {
        assert!(
            body[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {body}"
        );
    }
    assert_eq!(
        body["error_uri"],
        format!("https://login.microsoftonline.com/error?code={code}")
    );
    let object = body.as_object().expect("an object");
    assert_eq!(object.len(), 7, "exactly Entra's fields: {body}");
}

#[tokio::test]
async fn listing_pages_through_absolute_next_links() {
    let (server, client) = seeded_server().await;

    let mut url = q("/secrets?maxresults=25");
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let page = client.get(&url).await;
        assert_eq!(page.status, 200, "{}", page.body);
        pages += 1;
        for item in page.body["value"].as_array().expect("value") {
            let id = item["id"].as_str().expect("id");
            let name = id
                .strip_prefix(&format!("{}secrets/", server.url))
                .unwrap_or_else(|| panic!("{id} is not under the vault URL"));
            assert!(!name.contains('/'), "a list item has no version: {id}");
            names.push(name.to_owned());
        }
        match page.body.get("nextLink").and_then(Value::as_str) {
            Some(next) => {
                assert!(next.starts_with(&server.url), "absolute nextLink: {next}");
                assert!(
                    next.contains("api-version=") && next.contains("maxresults=25"),
                    "{next}"
                );
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(names.len(), 120);
    let unique: BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), 120, "no secret twice");
    assert!(names.contains(&"app-billing-db-password".to_owned()));

    // Without maxresults the service's page size is 25 too.
    let first = client.get(&q("/secrets")).await;
    assert_eq!(first.body["value"].as_array().map(Vec::len), Some(25));

    // Versions page the same way; ids carry the version.
    let versions = client
        .get(&q("/secrets/app-payments-api-key/versions?maxresults=2"))
        .await;
    assert_eq!(versions.status, 200);
    let ids: Vec<&str> = versions.body["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|v| v["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0].ends_with("/secrets/app-payments-api-key/5b0e7d1c9f3a4e2b8c6d0a1f2e3b4c01"));
    let next = versions.body["nextLink"].as_str().expect("a second page");
    let rest = client.get(next).await;
    assert_eq!(rest.body["value"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest.body["value"][0]["attributes"]["enabled"], true);
    assert!(
        rest.body.get("nextLink").is_none(),
        "last page has no nextLink"
    );

    let kinds = check_all(&server);
    assert!(kinds.contains("GET /secrets 200 "), "{kinds:?}");
    assert!(
        kinds.contains("GET /secrets/{secret-name}/versions 200 "),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn every_data_plane_answer_matches_the_spec() {
    let mut config = KeyVaultConfig::default();
    config.other_apps.push(AppRegistration {
        tenant_id: "0f0f0f0f-0000-4000-8000-0000000f0f0f".to_owned(),
        client_id: "other-app".to_owned(),
        client_secret: "other-secret".to_owned(),
    });
    let server = KeyVaultServer::start(config).await;
    server.seed_file(SEED_FIXTURE);
    let mut client = Client::new(&server);

    // 401: no token (the SDK's first request), an unknown token, another tenant's token.
    let challenge = client.get(&q("/secrets/app-billing-db/")).await;
    assert_eq!(challenge.status, 401);
    assert_eq!(
        challenge.header("www-authenticate"),
        format!(
            r#"Bearer authorization="https://login.microsoftonline.com/{TEST_TENANT_ID}", resource="https://vault.azure.net""#
        )
    );
    assert_eq!(
        challenge.body,
        json!({"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}})
    );
    client.token = Some("not-a-token-this-server-issued".to_owned());
    let unknown = client.get(&q("/secrets")).await;
    assert_eq!(unknown.status, 401);
    assert!(unknown.headers.contains_key("www-authenticate"));
    let message = unknown.body["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.starts_with("AKV10032: Invalid issuer."),
        "{message}"
    );
    client
        .sign_in(
            "0f0f0f0f-0000-4000-8000-0000000f0f0f",
            "other-app",
            "other-secret",
        )
        .await;
    let other_tenant = client.get(&q("/secrets")).await;
    assert_eq!(other_tenant.status, 401);
    let message = other_tenant.body["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("found https://sts.windows.net/0f0f0f0f-"),
        "{message}"
    );

    client
        .sign_in(TEST_TENANT_ID, TEST_CLIENT_ID, TEST_CLIENT_SECRET)
        .await;

    // 200: get (latest with and without the trailing slash, and by version).
    let latest = client.get(&q("/secrets/app-billing-db/")).await;
    assert_eq!(latest.status, 200, "{}", latest.body);
    assert_eq!(
        latest.body["value"],
        r#"{"username":"latchkey_test","password":"latchkey-test-pw"}"#
    );
    assert_eq!(latest.body["contentType"], "application/json");
    assert_eq!(latest.body["tags"], json!({"team": "billing"}));
    let id = latest.body["id"].as_str().expect("id");
    let version = id.rsplit('/').next().expect("a version");
    assert_eq!(version.len(), 32);
    assert!(version.chars().all(|c| c.is_ascii_hexdigit()));
    let same = client.get(&q("/secrets/APP-BILLING-DB")).await;
    assert_eq!(same.body["id"], id, "names are case-insensitive");
    let by_version = client
        .get(&q(&format!("/secrets/app-billing-db/{version}")))
        .await;
    assert_eq!(by_version.status, 200);
    let expired = client
        .get(&q("/secrets/app-reporting-smtp-password/"))
        .await;
    assert_eq!(expired.status, 200, "Key Vault serves expired secrets");
    assert_eq!(expired.body["attributes"]["exp"], 1_700_000_000);

    // 200: set a new version, then update it (answered without the value).
    let set = client
        .send(
            reqwest::Method::PUT,
            &q("/secrets/app-new-secret"),
            Some(
                json!({"value": "s3cret", "contentType": "text/plain", "tags": {"team": "qa"},
                        "attributes": {"enabled": true, "exp": 4_102_444_800_i64}}),
            ),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["value"], "s3cret");
    assert_eq!(
        set.body["attributes"]["recoveryLevel"],
        "Recoverable+Purgeable"
    );
    let new_version = set.body["id"]
        .as_str()
        .and_then(|i| i.rsplit('/').next())
        .expect("id");
    let update = client
        .send(
            reqwest::Method::PATCH,
            &q(&format!("/secrets/app-new-secret/{new_version}")),
            Some(json!({"attributes": {"enabled": false}, "tags": {"team": "billing"}})),
        )
        .await;
    assert_eq!(update.status, 200, "{}", update.body);
    assert!(
        update.body.get("value").is_none(),
        "an update answers no value"
    );
    assert_eq!(update.body["attributes"]["enabled"], false);
    assert_eq!(update.body["tags"], json!({"team": "billing"}));
    let reenabled = client
        .send(
            reqwest::Method::PATCH,
            &q("/secrets/app-new-secret/"),
            Some(json!({"attributes": {"enabled": true}})),
        )
        .await;
    assert_eq!(reenabled.status, 200);

    // 403: a disabled version, then RBAC on one secret and on the whole vault.
    let disabled = client
        .get(&q(
            "/secrets/app-payments-api-key/5b0e7d1c9f3a4e2b8c6d0a1f2e3b4c02",
        ))
        .await;
    assert_eq!(disabled.status, 403);
    assert_eq!(
        disabled.body,
        json!({"error":{"code":"Forbidden","message":"Operation get is not allowed on a disabled secret.","innererror":{"code":"SecretDisabled"}}})
    );
    let latest_disabled = client.get(&q("/secrets/app-search-webhook-secret/")).await;
    assert_eq!(latest_disabled.inner_code(), "SecretDisabled");
    server.deny("app-orders-api-key");
    let denied = client.get(&q("/secrets/app-orders-api-key/")).await;
    assert_eq!(denied.status, 403);
    assert_eq!(
        (denied.error_code(), denied.inner_code()),
        ("Forbidden", "ForbiddenByRbac")
    );
    let message = denied.body["error"]["message"].as_str().expect("message");
    assert!(message.starts_with("Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n"), "{message}");
    assert!(
        message.contains(&format!("Caller: appid={TEST_CLIENT_ID};oid=")),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            ";iss=https://sts.windows.net/{TEST_TENANT_ID}/\r\n"
        )),
        "{message}"
    );
    assert!(
        message.contains("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\n"),
        "{message}"
    );
    assert!(
        message.contains("/secrets/app-orders-api-key'\r\nAssignment: (not found)\r\n"),
        "{message}"
    );
    let denied_set = client
        .send(
            reqwest::Method::PUT,
            &q("/secrets/app-orders-api-key"),
            Some(json!({"value": "x"})),
        )
        .await;
    assert_eq!(denied_set.inner_code(), "ForbiddenByRbac");
    assert_eq!(
        client.get(&q("/secrets")).await.status,
        200,
        "listing is not denied"
    );
    server.deny_all(true);
    let all_denied = client.get(&q("/secrets")).await;
    assert_eq!(all_denied.inner_code(), "ForbiddenByRbac");
    let message = all_denied.body["error"]["message"]
        .as_str()
        .expect("message");
    assert!(
        message.contains("Action: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'"),
        "{message}"
    );
    assert_eq!(
        client
            .get(&q("/secrets/app-billing-db/versions"))
            .await
            .status,
        403
    );
    server.deny_all(false);

    // 404: unknown secret, unknown version.
    let missing = client.get(&q("/secrets/no-such-secret/")).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_code(), "SecretNotFound");
    assert_eq!(
        missing.body["error"]["message"],
        "A secret with (name/id) no-such-secret was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
    );
    let missing_version = client
        .get(&q(
            "/secrets/app-billing-db/00000000000000000000000000000000",
        ))
        .await;
    assert_eq!(missing_version.status, 404);
    let patch_missing = client
        .send(
            reqwest::Method::PATCH,
            &q("/secrets/no-such-secret/"),
            Some(json!({})),
        )
        .await;
    assert_eq!(patch_missing.status, 404);

    // 429: throttled with Retry-After, then served again.
    server.throttle(2, 7);
    for _ in 0..2 {
        let throttled = client.get(&q("/secrets/app-billing-db/")).await;
        assert_eq!(throttled.status, 429);
        assert_eq!(throttled.header("retry-after"), "7");
        assert_eq!(
            throttled.body,
            json!({"error":{"code":"Throttled","message":"Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"}})
        );
    }
    assert_eq!(client.get(&q("/secrets/app-billing-db/")).await.status, 200);

    // 400: no api-version, an unknown one, maxresults over 25, an invalid name, no value.
    let no_version = client.get("/secrets/app-billing-db/").await;
    assert_eq!(no_version.status, 400);
    assert_eq!(no_version.error_code(), "BadParameter");
    assert_eq!(
        client.get("/secrets?api-version=1999-01-01").await.status,
        400
    );
    assert_eq!(client.get(&q("/secrets?maxresults=26")).await.status, 400);
    assert_eq!(
        client.get(&q("/secrets/bad_name/")).await.error_code(),
        "BadParameter"
    );
    let no_value = client
        .send(
            reqwest::Method::PUT,
            &q("/secrets/app-empty"),
            Some(json!({"tags": {}})),
        )
        .await;
    assert_eq!(no_value.status, 400);

    // 401 once more: an expired token.
    server.expire_tokens();
    let expired_token = client.get(&q("/secrets")).await;
    assert_eq!(expired_token.status, 401);
    assert_eq!(
        expired_token.body["error"]["message"],
        "[TokenExpired] Error validating token: 'S2S12086'."
    );

    let kinds = check_all(&server);
    let expected = [
        "GET /secrets 200 ",
        "GET /secrets 401 Unauthorized",
        "GET /secrets 403 Forbidden",
        "GET /secrets 400 BadParameter",
        "GET /secrets/{secret-name}/versions 403 Forbidden",
        "GET /secrets/{secret-name}/{secret-version} 200 ",
        "GET /secrets/{secret-name}/{secret-version} 401 Unauthorized",
        "GET /secrets/{secret-name}/{secret-version} 403 Forbidden",
        "GET /secrets/{secret-name}/{secret-version} 404 SecretNotFound",
        "GET /secrets/{secret-name}/{secret-version} 429 Throttled",
        "GET /secrets/{secret-name}/{secret-version} 400 BadParameter",
        "PUT /secrets/{secret-name} 200 ",
        "PUT /secrets/{secret-name} 403 Forbidden",
        "PUT /secrets/{secret-name} 400 BadParameter",
        "PATCH /secrets/{secret-name}/{secret-version} 200 ",
        "PATCH /secrets/{secret-name}/{secret-version} 404 SecretNotFound",
    ];
    for kind in expected {
        assert!(kinds.contains(kind), "{kind} not seen in {kinds:#?}");
    }
    let data = server
        .responses()
        .iter()
        .filter(|r| r.plane == Plane::Data)
        .count();
    assert_eq!(server.requests(), data);
}

#[tokio::test]
async fn test_controls_shape_the_answers() {
    let server = KeyVaultServer::start(KeyVaultConfig::default()).await;
    let mut client = Client::new(&server);
    client
        .sign_in(TEST_TENANT_ID, TEST_CLIENT_ID, TEST_CLIENT_SECRET)
        .await;
    let options = SetOptions {
        tags: [("team".to_owned(), "billing".to_owned())].into(),
        content_type: Some("text/plain".to_owned()),
        expires: Some(4_102_444_800),
        not_before: Some(1_600_000_000),
        ..SetOptions::default()
    };
    let first = server.set("db-password", "one", options);
    let second = server.set("db-password", "two", SetOptions::default());
    assert_eq!(
        server.versions("db-password"),
        vec![first.clone(), second.clone()]
    );
    server.disable("db-password", &second);

    let old = client
        .get(&q(&format!("/secrets/db-password/{first}")))
        .await;
    assert_eq!(old.body["value"], "one");
    assert_eq!(old.body["attributes"]["exp"], 4_102_444_800_i64);
    assert_eq!(old.body["attributes"]["nbf"], 1_600_000_000);
    assert_eq!(old.body["tags"]["team"], "billing");
    let latest = client.get(&q("/secrets/db-password")).await;
    assert_eq!(latest.inner_code(), "SecretDisabled");
    let listed = client.get(&q("/secrets")).await;
    assert_eq!(listed.body["value"][0]["attributes"]["enabled"], false);
    assert_eq!(
        listed.body["value"][0]["id"],
        format!("{}secrets/db-password", server.url)
    );

    let before = server.requests();
    let _ = client.get(&q("/secrets")).await;
    assert_eq!(server.requests(), before + 1);
    assert!(
        std::fs::read_to_string(server.ca_path())
            .expect("the CA file")
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    check_all(&server);
}

#[test]
fn the_spec_copy_is_the_shared_one() {
    let ours = std::fs::read(SPEC).expect("the spec copy");
    match std::fs::read(SHARED_SPEC) {
        Ok(shared) => assert!(ours == shared, "{SPEC} differs from {SHARED_SPEC}"),
        Err(e) => eprintln!("no shared spec to compare with ({SHARED_SPEC}: {e})"),
    }
}

#[test]
fn the_closed_spec_rejects_drift() {
    let mut spec = Spec::load();
    let good = json!({"value": [{"id": "https://v/secrets/a", "attributes": {"enabled": true}}]});
    assert!(
        spec.validator("#/definitions/SecretListResult")
            .is_valid(&good)
    );
    let drifted = [
        json!({"value": [], "nextLink": null}),
        json!({"value": [{"id": "x", "name": "a"}]}),
        json!({"value": [{"id": "x", "attributes": {"enabled": "yes"}}]}),
        json!({"value": [{"id": "x", "attributes": {"recoveryLevel": "Whatever"}}]}),
        json!({"value": [{"id": "x", "tags": {"n": 1}}]}),
    ];
    for body in drifted {
        assert!(
            !spec
                .validator("#/definitions/SecretListResult")
                .is_valid(&body),
            "accepted {body}"
        );
    }
    let error = json!({"error": {"code": "X", "message": "m", "detail": "not in the spec"}});
    assert!(
        !spec
            .validator("#/definitions/KeyVaultError")
            .is_valid(&error)
    );
}
