//! Seed files: secrets and their versions, loaded into a running server.
//!
//! ```json
//! {"secrets": [
//!   {"name": "app-billing-db", "versions": [
//!     {"value": "{\"username\":\"u\"}", "contentType": "application/json", "tags": {"team": "billing"}}
//!   ]},
//!   {"name": "app-payments-api-key", "versions": [
//!     {"id": "5b0e7d1c9f3a4e2b8c6d0a1f2e3b4c01", "value": "v1"},
//!     {"id": "5b0e7d1c9f3a4e2b8c6d0a1f2e3b4c02", "value": "v2", "enabled": false, "exp": 1700000000, "nbf": 1600000000}
//!   ]}
//! ]}
//! ```
//!
//! Versions are listed oldest first; the last one is the latest. `id` is optional
//! (random when left out) so that tests can name a version.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::state::{SetOptions, State};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Seed {
    secrets: Vec<SeedSecret>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedSecret {
    name: String,
    versions: Vec<SeedVersion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SeedVersion {
    id: Option<String>,
    value: String,
    content_type: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    enabled: Option<bool>,
    exp: Option<i64>,
    nbf: Option<i64>,
}

impl Seed {
    /// Reads and parses a seed file; a test kit may panic on a broken fixture.
    pub fn read(path: &Path) -> Self {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("read the seed file {}: {e}", path.display()));
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("parse the seed file {}: {e}", path.display()))
    }

    /// Adds every version to `state`, returning the number of secrets. Versions of one
    /// secret get creation times one second apart, ending now, so their order shows.
    pub fn apply(self, state: &mut State) -> usize {
        let now = super::state::now();
        let count = self.secrets.len();
        for secret in self.secrets {
            let versions = secret.versions.len();
            for (i, version) in secret.versions.into_iter().enumerate() {
                let age = i64::try_from(versions - 1 - i).unwrap_or(0);
                let options = SetOptions {
                    tags: version.tags,
                    content_type: version.content_type,
                    enabled: version.enabled,
                    expires: version.exp,
                    not_before: version.nbf,
                    version: version.id,
                };
                state
                    .set(&secret.name, &version.value, options, now - age)
                    .unwrap_or_else(|e| panic!("seed secret {}: {e:?}", secret.name));
            }
        }
        count
    }
}
