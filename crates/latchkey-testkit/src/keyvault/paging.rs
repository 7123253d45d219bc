//! Paged listings: `maxresults` (1–25, default 25, as the service allows) and an
//! opaque `$skiptoken` that the absolute `nextLink` carries.
//!
//! The token is shaped like the service's: base64 of `{"NextMarker":…,"TargetLocation":0}`,
//! where the marker is the sort key of the first item of the next page, so that
//! secrets added between two pages do not shift the rest.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::errors::KvError;

/// What Key Vault answers when `maxresults` is not given, and the most it allows.
const MAX_RESULTS: usize = 25;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SkipToken {
    next_marker: String,
    target_location: u32,
}

/// Which page a listing request asks for.
pub(super) struct PageRequest {
    max_results: usize,
    /// The sort key to start at; `None` for the first page.
    marker: Option<String>,
}

impl PageRequest {
    /// Reads `maxresults` and `$skiptoken` from the query.
    pub fn from_query(query: &HashMap<String, String>) -> Result<Self, KvError> {
        let max_results = match query.get("maxresults") {
            None => MAX_RESULTS,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_RESULTS).contains(n))
                .ok_or_else(|| {
                    KvError::BadParameter(format!(
                        "Invalid value '{text}' for query parameter 'maxresults': it must be an integer between 1 and {MAX_RESULTS}."
                    ))
                })?,
        };
        let marker = query
            .get("$skiptoken")
            .map(|token| decode(token))
            .transpose()?;
        Ok(Self {
            max_results,
            marker,
        })
    }

    /// The page of `items` (`(sort key, item)`, sorted by key) this request asks for,
    /// and the `$skiptoken` of the next page if there is one.
    pub fn page(&self, items: Vec<(String, Value)>) -> (Vec<Value>, Option<String>) {
        let start = match &self.marker {
            None => 0,
            Some(marker) => items
                .iter()
                .position(|(key, _)| key >= marker)
                .unwrap_or(items.len()),
        };
        let mut rest = items.into_iter().skip(start);
        let page: Vec<Value> = rest
            .by_ref()
            .take(self.max_results)
            .map(|(_, item)| item)
            .collect();
        let next = rest.next().map(|(key, _)| encode(key));
        (page, next)
    }

    /// `maxresults` as the nextLink repeats it.
    pub fn max_results(&self) -> usize {
        self.max_results
    }
}

fn encode(marker: String) -> String {
    let token = SkipToken {
        next_marker: marker,
        target_location: 0,
    };
    let json = serde_json::to_vec(&token).expect("a skip token serializes");
    URL_SAFE_NO_PAD.encode(json)
}

fn decode(token: &str) -> Result<String, KvError> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|json| serde_json::from_slice::<SkipToken>(&json).ok())
        .map(|token| token.next_marker)
        .ok_or_else(|| KvError::BadParameter(format!("Invalid skip token: {token}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn items(n: usize) -> Vec<(String, Value)> {
        (0..n).map(|i| (format!("k{i:03}"), json!(i))).collect()
    }

    #[test]
    fn pages_follow_each_other_without_gaps() {
        let mut query = HashMap::from([("maxresults".to_owned(), "10".to_owned())]);
        let mut seen = Vec::new();
        loop {
            let request = PageRequest::from_query(&query).expect("valid query");
            let (page, next) = request.page(items(25));
            seen.extend(page);
            let Some(token) = next else { break };
            query.insert("$skiptoken".to_owned(), token);
        }
        assert_eq!(seen, (0..25).map(|i| json!(i)).collect::<Vec<_>>());
    }

    #[test]
    fn maxresults_outside_1_to_25_is_refused() {
        for bad in ["0", "26", "x", "-1"] {
            let query = HashMap::from([("maxresults".to_owned(), bad.to_owned())]);
            assert!(PageRequest::from_query(&query).is_err(), "{bad}");
        }
    }
}
