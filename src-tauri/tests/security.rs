//! The desktop shell's security settings: a strict CSP, and capabilities that grant
//! the app's own commands and nothing else.

use std::collections::BTreeSet;

use latchkey_desktop::command_names::COMMANDS;
use serde_json::Value;

fn json(path: &str) -> Value {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
}

#[test]
fn csp_is_strict() {
    let conf = json("tauri.conf.json");
    let csp = &conf["app"]["security"]["csp"];
    assert!(csp.is_object(), "a CSP must be set");
    for (directive, value) in csp.as_object().unwrap() {
        for token in value.as_str().unwrap().split_whitespace() {
            let broad = token.starts_with("'unsafe-")
                || token.contains('*')
                || token == "http:"
                || token == "https:";
            assert!(!broad, "the CSP's {directive} allows {token}");
            if token == "data:" {
                assert_eq!(directive, "img-src", "data: is allowed for images only");
            }
        }
    }
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self'");
    assert_eq!(csp["object-src"], "'none'");
    assert_eq!(conf["app"]["withGlobalTauri"], false);
}

#[test]
fn capabilities_grant_only_the_apps_own_commands() {
    let dir = format!("{}/capabilities", env!("CARGO_MANIFEST_DIR"));
    let mut granted = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let cap: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(
            cap["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{path:?} says why"
        );
        for p in cap["permissions"].as_array().unwrap() {
            let p = p.as_str().expect("permissions are plain identifiers");
            assert!(
                p.starts_with("allow-") && !p.contains(':'),
                "{path:?} grants a non-app permission: {p}"
            );
            granted.insert(p.to_owned());
        }
    }
    let wanted: BTreeSet<String> = COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    assert_eq!(
        granted, wanted,
        "capabilities must grant exactly the app's commands"
    );
}

#[test]
fn every_command_is_in_the_bindings() {
    let bindings = std::fs::read_to_string(latchkey_desktop::ipc::BINDINGS_PATH).unwrap();
    for c in COMMANDS {
        assert!(
            bindings.contains(&format!("(\"{c}\"")),
            "{c} is missing from bindings.ts"
        );
    }
}
