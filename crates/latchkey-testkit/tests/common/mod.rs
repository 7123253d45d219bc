//! What the Key Vault server's tests share: an HTTPS client that trusts the server's
//! CA, and the published spec every recorded answer is checked against.

// Each test file compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};

use jsonschema::Validator;
use latchkey_testkit::keyvault::{KeyVaultServer, Plane, RecordedResponse};
use serde_json::{Value, json};

/// A reqwest client trusting only the server's CA (no system roots needed).
pub fn https_client(server: &KeyVaultServer) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(server.ca_pem.as_bytes()).expect("the CA is PEM");
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .expect("build the HTTPS client")
}

pub const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/specs/azure-keyvault/secrets.json"
);

/// The project's shared copy, where a checkout has it beside the repository.
pub const SHARED_SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/specs/azure-keyvault/secrets.json"
);

/// The published spec, with validators compiled per definition on demand.
pub struct Spec {
    doc: Value,
    /// The definitions, closed against unknown properties.
    definitions: Value,
    validators: HashMap<String, Validator>,
}

impl Spec {
    pub fn load() -> Self {
        let text = std::fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("{SPEC}: {e}"));
        let doc: Value = serde_json::from_str(&text).expect("the spec is JSON");
        let mut definitions = doc["definitions"].clone();
        close_objects(&mut definitions);
        Self {
            doc,
            definitions,
            validators: HashMap::new(),
        }
    }

    /// A validator for `{"$ref": "#/definitions/<name>"}` with every definition in scope.
    pub fn validator(&mut self, reference: &str) -> &Validator {
        let definitions = &self.definitions;
        self.validators
            .entry(reference.to_owned())
            .or_insert_with(|| {
                let schema = json!({
                    "allOf": [{ "$ref": reference }],
                    "definitions": definitions,
                });
                jsonschema::draft4::new(&schema)
                    .unwrap_or_else(|e| panic!("compile {reference}: {e}"))
            })
    }

    /// The spec's operation for a route and method.
    fn operation(&self, route: &str, method: &str) -> &Value {
        let path = self.doc["paths"]
            .get(route)
            .unwrap_or_else(|| panic!("the spec has no path {route}"));
        path.get(method.to_ascii_lowercase())
            .unwrap_or_else(|| panic!("the spec has no {method} {route}"))
    }

    /// An operation's query parameters (`$ref`s resolved): name → required.
    fn query_parameters(&self, operation: &Value) -> HashMap<String, bool> {
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        parameters
            .iter()
            .map(|p| self.resolve(p))
            .filter(|p| p["in"] == "query")
            .map(|p| {
                let name = p["name"]
                    .as_str()
                    .expect("a parameter has a name")
                    .to_owned();
                (name, p["required"].as_bool().unwrap_or(false))
            })
            .collect()
    }

    fn resolve(&self, value: &Value) -> Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let pointer = reference.trim_start_matches('#');
                self.doc
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("unresolved {reference}"))
                    .clone()
            }
            None => value.clone(),
        }
    }

    /// Checks one recorded data-plane answer against the spec; returns the schema used.
    fn check(&mut self, response: &RecordedResponse) -> String {
        let context = format!(
            "{} {} → {}",
            response.method, response.path, response.status
        );
        let operation = self.operation(&response.route, &response.method).clone();
        self.check_query(&operation, response, &context);
        let responses = &operation["responses"];
        let declared = responses
            .get(response.status.to_string())
            .or_else(|| responses.get("default"))
            .unwrap_or_else(|| panic!("{context}: the spec declares no such response"));
        let Some(reference) = declared["schema"]["$ref"].as_str() else {
            assert!(
                response.body.is_none(),
                "{context}: the spec declares no body"
            );
            return "(no body)".to_owned();
        };
        let reference = reference.to_owned();
        let body = response
            .body
            .as_ref()
            .unwrap_or_else(|| panic!("{context}: no JSON body"));
        let errors: Vec<String> = self
            .validator(&reference)
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{context}: body does not match {reference}: {errors:#?}\n{body:#}"
        );
        reference
    }

    fn check_query(&self, operation: &Value, response: &RecordedResponse, context: &str) {
        let mut allowed = self.query_parameters(operation);
        // A pageable operation's nextLink is opaque: the server's own skip token rides on it.
        if operation.get("x-ms-pageable").is_some() {
            allowed.insert("$skiptoken".to_owned(), false);
        }
        for name in &response.query {
            assert!(
                allowed.contains_key(name),
                "{context}: query parameter {name} is not in the spec"
            );
        }
        let has_api_version = response.query.iter().any(|n| n == "api-version");
        assert!(
            has_api_version || response.status == 400,
            "{context}: no api-version, yet not refused"
        );
        assert_eq!(
            allowed.get("api-version"),
            Some(&true),
            "{context}: api-version required"
        );
    }
}

/// Makes every object schema with `properties` refuse properties it does not list.
fn close_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            map.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// Checks every data-plane answer `server` recorded; returns the `(method route status
/// code)` kinds seen, to assert coverage.
pub fn check_all(server: &KeyVaultServer) -> BTreeSet<String> {
    let mut spec = Spec::load();
    let mut kinds = BTreeSet::new();
    for response in server.responses() {
        if response.plane != Plane::Data {
            continue;
        }
        spec.check(&response);
        let code = response
            .body
            .as_ref()
            .and_then(|b| b.pointer("/error/code"))
            .and_then(Value::as_str)
            .unwrap_or("");
        kinds.insert(format!(
            "{} {} {} {code}",
            response.method, response.route, response.status
        ));
    }
    kinds
}
