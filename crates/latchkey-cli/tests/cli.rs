//! The `latchkey` binary against a workspace seeded through the engine.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

use latchkey_core::{ConnectionInput, ConnectionKind, FieldInput, SecretValue};
use latchkey_engine::Engine;
use latchkey_keychain::MemoryKeychain;

async fn seed(dir: &std::path::Path) {
    let engine = Engine::open(dir, Arc::new(MemoryKeychain::default()))
        .await
        .unwrap();
    let p = engine.create_project("Finance", "Reporting").await.unwrap();
    let plain = |v: &str| FieldInput::Plain { value: v.into() };
    let fields = BTreeMap::from([
        ("host".to_string(), plain("db.finance.internal")),
        ("port".to_string(), plain("5433")),
        ("database".to_string(), plain("ledger")),
        ("user".to_string(), plain("reporter")),
        ("sslmode".to_string(), plain("require")),
        (
            "password".to_string(),
            FieldInput::Literal {
                value: SecretValue::from("canary-cli-77".to_owned()),
            },
        ),
    ]);
    engine
        .create_connection(ConnectionInput {
            project_id: p.id,
            name: "Ledger".into(),
            kind: ConnectionKind::Postgres,
            fields,
        })
        .await
        .unwrap();
    engine.store().clone().close().await;
}

fn latchkey(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("LATCHKEY_DATA_DIR")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[tokio::test]
async fn lists_projects_and_connections_as_tables_and_json() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path()).await;

    let (code, out, _) = latchkey(dir.path(), &["projects", "list"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("NAME") && lines[0].contains("CONNECTIONS"),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Finance") && l.contains(" 1 ") && l.contains("Reporting")),
        "{out}"
    );
    assert!(lines.iter().any(|l| l.starts_with("Default")), "{out}");

    let (code, out, _) = latchkey(dir.path(), &["projects", "list", "--json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let finance = json
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Finance")
        .unwrap();
    assert_eq!(finance["connection_count"], 1);

    let (code, out, _) = latchkey(dir.path(), &["connections", "list"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Ledger") && out.contains("PostgreSQL") && out.contains("Finance"),
        "{out}"
    );
    assert!(
        out.contains("reporter@db.finance.internal:5433/ledger"),
        "{out}"
    );

    let (code, out, _) = latchkey(
        dir.path(),
        &["connections", "list", "--project", "finance", "--json"],
    );
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["name"], "Ledger");
    assert_eq!(
        json[0]["fields"]["password"],
        serde_json::json!({"source": "literal"})
    );
    assert!(!out.contains("canary-cli-77"));
}

#[tokio::test]
async fn an_unknown_project_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path()).await;
    let (code, _, err) = latchkey(dir.path(), &["connections", "list", "--project", "Nope"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("No project is named \"Nope\"") && err.contains("latchkey projects list"),
        "{err}"
    );

    let (code, out, _) = latchkey(
        dir.path(),
        &["connections", "list", "--project", "Nope", "--json"],
    );
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["code"], "not_found");
}

#[test]
fn an_empty_workspace_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = latchkey(dir.path(), &["connections", "list"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "(none)");
}

/// The demo and `connections test` against moto (:5000) and PostgreSQL (:5432), which
/// scripts/services.sh starts.
#[tokio::test]
async fn demo_setup_adds_the_demo_once_and_its_connection_passes_the_test() {
    let sm = latchkey_testkit::moto::seeder().await;
    let value = r#"{"username":"latchkey_test","password":"latchkey-test-pw"}"#;
    if sm
        .describe_secret()
        .secret_id("demo/prod/billing/postgres")
        .send()
        .await
        .is_ok()
    {
        latchkey_testkit::moto::rotate(&sm, "demo/prod/billing/postgres", value).await;
    } else {
        latchkey_testkit::moto::put(&sm, "demo/prod/billing/postgres", value).await;
    }

    let dir = tempfile::tempdir().unwrap();
    // The demo's moto key goes to the OS keychain: a namespace of this test's own.
    let service = format!("latchkey-test-cli-demo-{}", std::process::id());
    let exec = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_latchkey"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env_remove("LATCHKEY_DATA_DIR")
            .env("LATCHKEY_KEYCHAIN_SERVICE", &service)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let run = |args: &[&str]| {
        let (code, stdout, stderr) = exec(args);
        assert_eq!(code, 0, "{args:?}: {stdout}{stderr}");
        stdout
    };
    let first = run(&["demo", "setup", "--moto-url", "http://127.0.0.1:5000"]);
    assert!(first.contains("Demo ready"), "{first}");
    run(&["demo", "setup", "--moto-url", "http://127.0.0.1:5000"]);

    let projects: serde_json::Value =
        serde_json::from_str(&run(&["projects", "list", "--json"])).unwrap();
    let demo: Vec<_> = projects
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "Demo")
        .collect();
    assert_eq!(demo.len(), 1, "{projects}");
    assert_eq!(demo[0]["connection_count"], 1, "{projects}");

    let connections = run(&["connections", "list", "--project", "Demo", "--json"]);
    assert!(
        connections.contains("secret://demo/demo/prod/billing/postgres#password"),
        "{connections}"
    );

    let demo = "Billing database (demo)";
    let steps = run(&["connections", "test", demo, "--project", "Demo"]);
    for n in 1..=4 {
        assert!(steps.contains(&format!("ok   {n}. ")), "step {n}: {steps}");
    }
    assert!(
        steps.contains("latchkey_test"),
        "current_user reported: {steps}"
    );
    assert!(steps.contains("all steps passed"), "{steps}");
    assert!(
        !steps.contains("latchkey-test-pw"),
        "the password never printed"
    );

    let report: serde_json::Value =
        serde_json::from_str(&run(&["connections", "test", demo, "--json"])).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["steps"].as_array().unwrap().len(), 4, "{report}");

    let refreshed = run(&["refresh", "--all", "--test"]);
    assert!(refreshed.contains(demo), "{refreshed}");
    assert!(refreshed.contains("passed"), "{refreshed}");
    assert!(refreshed.contains("1 secrets fetched"), "{refreshed}");
    let (code, _, stderr) = exec(&["refresh"]);
    assert_eq!(code, 2, "a scope is required: {stderr}");

    let (code, _, stderr) = exec(&["connections", "test", "No such connection"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("No connection is named"), "{stderr}");

    // Secrets mode: show, preview, switch (refused without --yes), and back.
    let shown = run(&["mode", "show"]);
    assert!(shown.contains("Secrets mode: workspace"), "{shown}");
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("demo") && l.contains("workspace")),
        "{shown}"
    );
    let preview = run(&["mode", "preview", "project"]);
    assert!(
        preview.contains("copy:   demo (workspace) → Demo"),
        "{preview}"
    );
    assert!(
        preview
            .lines()
            .any(|l| l.starts_with(demo) && l.contains("works (dry run read it)")),
        "{preview}"
    );
    assert!(
        preview.contains("0 of 1 references would break"),
        "{preview}"
    );
    let cut = run(&["mode", "preview", "project", "--no-copy"]);
    assert!(
        cut.contains("STOPS WORKING") && cut.contains("1 of 1"),
        "{cut}"
    );
    assert!(!preview.contains("latchkey-test-pw") && !cut.contains("latchkey-test-pw"));
    let (code, _, stderr) = exec(&["mode", "switch", "project"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--yes"), "{stderr}");
    assert!(run(&["mode", "show"]).contains("Secrets mode: workspace"));

    let switched = run(&["mode", "switch", "project", "--yes"]);
    assert!(
        switched.contains("Secrets mode is now project"),
        "{switched}"
    );
    let shown: serde_json::Value = serde_json::from_str(&run(&["mode", "show", "--json"])).unwrap();
    assert_eq!(shown["mode"], "project", "{shown}");
    assert_eq!(shown["secrets_managers"][0]["alias"], "demo", "{shown}");
    assert!(
        shown["secrets_managers"][0]["project_id"].is_string(),
        "{shown}"
    );
    let table = run(&["mode", "show"]);
    assert!(table.contains("AWS EXTERNAL ID"), "{table}");
    assert!(run(&["connections", "test", demo]).contains("all steps passed"));

    run(&["mode", "preview", "workspace"]);
    let back = run(&["mode", "switch", "workspace", "--yes"]);
    assert!(back.contains("Secrets mode is now workspace"), "{back}");
    assert!(run(&["connections", "test", demo]).contains("all steps passed"));
}

/// `latchkey refresh` goes through the running app's control API when it is on (so
/// the app's cache is the one refreshed), and refreshes by itself when it is not up.
#[tokio::test]
async fn refresh_uses_the_running_apps_control_api_and_falls_back_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("latchkey-test-cli-api-{}", std::process::id());
    let engine = Engine::open(
        dir.path(),
        Arc::new(latchkey_keychain::OsKeychain::new(service.clone())),
    )
    .await
    .unwrap();
    let api = engine.start_control_api(0).await.unwrap();
    engine.set_control_api(true, api.addr.port()).await.unwrap();
    let path = dir.path().to_path_buf();
    let refresh = move || {
        let out = Command::new(env!("CARGO_BIN_EXE_latchkey"))
            .arg("--data-dir")
            .arg(&path)
            .args(["refresh", "--all"])
            .env_remove("LATCHKEY_DATA_DIR")
            .env("LATCHKEY_KEYCHAIN_SERVICE", &service)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    let (code, stderr) = tokio::task::spawn_blocking(refresh.clone()).await.unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("through the running app's control API"),
        "{stderr}"
    );
    let events = engine.list_audit(Default::default()).await.unwrap();
    assert!(events.iter().any(|e| e.kind == "api.called"), "{events:?}");

    drop(api);
    let (code, stderr) = tokio::task::spawn_blocking(refresh).await.unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("refreshing here"), "{stderr}");
}

#[tokio::test]
async fn connection_types_and_add_come_from_the_one_declaration() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path()).await;

    let (code, out, _) = latchkey(dir.path(), &["connections", "types", "redis"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("redis — Redis (Databases)"), "{out}");
    let password = out
        .lines()
        .find(|l| l.trim_start().starts_with("password"))
        .unwrap();
    assert!(password.contains("credential"), "{password}");
    let ca = out
        .lines()
        .find(|l| l.trim_start().starts_with("ca_file"))
        .unwrap();
    assert!(ca.contains("when tls is on"), "{ca}");
    let (_, json, _) = latchkey(dir.path(), &["--json", "connections", "types"]);
    let kinds: Vec<String> = serde_json::from_str::<serde_json::Value>(&json)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "postgres", "mysql", "redis", "http", "jira", "s3", "ssh", "smtp"
        ]
    );

    // A literal credential on a command line is refused, naming the field.
    let add = |extra: &[&str]| {
        let mut args = vec![
            "connections",
            "add",
            "--type",
            "redis",
            "--name",
            "Cache",
            "--set",
            "host=127.0.0.1",
        ];
        args.extend_from_slice(extra);
        latchkey(dir.path(), &args)
    };
    let (code, _, err) = add(&["--set", "password=hunter2"]);
    assert_eq!(code, 1);
    assert!(err.contains("password is a credential"), "{err}");
    // The form's checks: a bad port is named.
    let (code, _, err) = add(&["--set", "port=70000"]);
    assert_eq!(code, 1);
    assert!(err.contains("65535"), "{err}");
    // A type whose chosen auth scheme needs fields says which.
    let (code, _, err) = latchkey(
        dir.path(),
        &[
            "connections",
            "add",
            "--type",
            "http",
            "--name",
            "API",
            "--set",
            "base_url=https://api.example.com",
            "--set",
            "auth=basic",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("User name is required") && err.contains("Password is required"),
        "{err}"
    );

    let (code, out, err) = add(&["--set", "port=6390"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added \"Cache\" (Redis)"), "{out}");
    let (_, out, _) = latchkey(dir.path(), &["connections", "list"]);
    let row = out.lines().find(|l| l.starts_with("Cache")).unwrap();
    assert!(
        row.contains("Redis") && row.contains("127.0.0.1:6390"),
        "{row}"
    );
}
