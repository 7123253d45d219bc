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

/// The binary with its own keychain namespace, extra environment variables and,
/// optionally, text on stdin.
fn latchkey_with(
    dir: &std::path::Path,
    service: &str,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> (i32, String, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_latchkey"));
    cmd.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("LATCHKEY_DATA_DIR")
        .env("LATCHKEY_KEYCHAIN_SERVICE", service)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        // Dropped after the write: the CLI reads to the end.
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn provider_types_come_from_the_one_declaration() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = latchkey(dir.path(), &["providers", "types"]);
    assert_eq!(code, 0, "{err}");
    for kind in [
        "aws_secrets_manager",
        "vault",
        "azure_key_vault",
        "gcp_secret_manager",
        "conjur",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(kind)),
            "{kind} listed: {out}"
        );
    }
    assert_eq!(out.lines().count(), 5, "{out}");
    let conjur = out.lines().find(|l| l.starts_with("conjur")).unwrap();
    assert!(conjur.contains("not yet"), "{conjur}");

    let (code, out, err) = latchkey(dir.path(), &["providers", "types", "vault"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("vault — HashiCorp Vault / OpenBao"),
        "{out}"
    );
    let token = out
        .lines()
        .find(|l| l.trim_start().starts_with("token "))
        .unwrap();
    assert!(
        token.contains("secret") && token.contains("from the environment or stdin"),
        "{token}"
    );
    assert!(token.contains("when auth is token"), "{token}");

    let (_, json, _) = latchkey(dir.path(), &["--json", "providers", "types"]);
    let kinds: Vec<String> = serde_json::from_str::<serde_json::Value>(&json)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds.len(), 5, "{json}");

    let (code, _, err) = latchkey(dir.path(), &["providers", "types", "nope"]);
    assert_eq!(code, 1);
    assert!(err.contains("latchkey providers types"), "{err}");
}

/// An AWS Secrets Manager on moto (:5000, started by scripts/services.sh), its secret
/// key from an environment variable.
#[test]
fn an_aws_manager_added_with_its_key_from_the_environment_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("latchkey-test-cli-aws-{}", std::process::id());
    let canary = "canary-cli-aws-secret-key-93";
    let secret_env = [("LATCHKEY_TEST_AWS_SECRET", canary)];
    let run =
        |args: &[&str], env: &[(&str, &str)]| latchkey_with(dir.path(), &service, args, env, None);
    let mut outputs = String::new();
    let add = |extra: &[&str]| {
        let mut args = vec![
            "providers",
            "add",
            "--kind",
            "aws_secrets_manager",
            "--alias",
            "moto",
            "--set",
            "region=us-east-1",
            "--set",
            "auth=access_key",
            "--set",
            "access_key_id=AKIATESTLATCHKEY0001",
            "--set",
            "endpoint_url=http://127.0.0.1:5000",
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };

    // The secret key on the command line is refused (exit 2) and never echoed.
    let on_command_line = format!("secret_access_key={canary}");
    let args = add(&["--set", on_command_line.as_str()]);
    let (code, out, err) = run(&strs(&args), &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("secret_access_key") && err.contains("secrets never go on the command line"),
        "{err}"
    );
    assert!(
        err.contains("--secret-env") && err.contains("--secret-stdin"),
        "{err}"
    );
    outputs.push_str(&(out + &err));

    // `--secret-env KEY=$VAR` (the shell put the value itself there) and `--set` of a
    // value without its key are refused without repeating what came.
    let expanded = format!("secret_access_key={canary}");
    let no_key = canary.to_string();
    for args in [
        add(&["--secret-env", expanded.as_str()]),
        add(&["--set", no_key.as_str()]),
    ] {
        let (code, out, err) = run(&strs(&args), &[]);
        assert_eq!(code, 2, "{out}{err}");
        assert!(
            !out.contains(&no_key) && !err.contains(&no_key),
            "{out}{err}"
        );
        outputs.push_str(&(out + &err));
    }

    // An environment variable that is not set is named.
    let args = add(&[
        "--secret-env",
        "secret_access_key=LATCHKEY_TEST_UNSET_VARIABLE",
    ]);
    let (code, out, err) = run(&strs(&args), &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("LATCHKEY_TEST_UNSET_VARIABLE"), "{err}");
    let (_, list, _) = run(&["providers", "list"], &[]);
    assert_eq!(list.trim(), "(none)", "nothing was added: {list}");

    let args = add(&["--secret-env", "secret_access_key=LATCHKEY_TEST_AWS_SECRET"]);
    let (code, out, err) = run(&strs(&args), &secret_env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("added moto (AWS Secrets Manager, us-east-1 · http://127.0.0.1:5000)"),
        "{out}"
    );
    outputs.push_str(&(out + &err));

    let (code, out, err) = run(&["providers", "test", "MOTO"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("signed in as "), "{out}");
    assert!(out.contains("listing secrets works"), "{out}");
    outputs.push_str(&(out + &err));

    let (code, out, err) = run(&["providers", "list"], &[]);
    assert_eq!(code, 0, "{err}");
    let header = out.lines().next().unwrap();
    for column in ["ALIAS", "KIND", "TARGET", "SIGN-IN", "SCOPE", "USED BY"] {
        assert!(header.contains(column), "{header}");
    }
    let row = out.lines().find(|l| l.starts_with("moto")).unwrap();
    assert!(
        row.contains("AWS Secrets Manager")
            && row.contains("http://127.0.0.1:5000")
            && row.contains("Access key")
            && row.contains("workspace"),
        "{row}"
    );
    outputs.push_str(&(out + &err));

    let (code, out, _) = run(&["providers", "list", "--json"], &[]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["alias"], "moto", "{json}");
    assert_eq!(
        json[0]["fields"]["secret_access_key"],
        serde_json::json!({"source": "literal"})
    );
    outputs.push_str(&out);

    // Unsaved settings are tested without saving anything.
    let (code, out, err) = run(
        &[
            "providers",
            "test",
            "--kind",
            "aws_secrets_manager",
            "--set",
            "auth=access_key",
            "--set",
            "access_key_id=AKIATESTLATCHKEY0001",
            "--set",
            "endpoint_url=http://127.0.0.1:5000",
            "--secret-env",
            "secret_access_key=LATCHKEY_TEST_AWS_SECRET",
        ],
        &secret_env,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("signed in as "), "{out}");
    outputs.push_str(&(out + &err));

    let (code, out, err) = run(&["providers", "delete", "moto", "--yes"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!outputs.contains(canary), "the secret key never printed");
}

/// A Vault manager on the OpenBao dev server (:8200, started by scripts/services.sh),
/// its token from stdin; the endpoint rule on edit; delete only with --yes.
#[test]
fn a_vault_manager_takes_its_token_from_stdin_and_keeps_it_at_its_address() {
    let bao = latchkey_testkit::openbao::OpenBao::load();
    let addr = bao.addr();
    let dir = tempfile::tempdir().unwrap();
    let service = format!("latchkey-test-cli-vault-{}", std::process::id());
    let run = |args: &[&str]| latchkey_with(dir.path(), &service, args, &[], None);
    let address = format!("address={addr}");

    // A token on the command line: refused (exit 2), the value never printed.
    let canary = "canary-cli-bao-token-58";
    let token_arg = format!("token={canary}");
    let (code, out, err) = run(&[
        "providers",
        "add",
        "--kind",
        "vault",
        "--alias",
        "bao",
        "--set",
        address.as_str(),
        "--set",
        token_arg.as_str(),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("token") && err.contains("secrets never go on the command line"),
        "{err}"
    );
    assert!(
        !out.contains(canary) && !err.contains(canary),
        "the token never printed: {out}{err}"
    );
    let (_, list, _) = run(&["providers", "list"]);
    assert_eq!(list.trim(), "(none)", "nothing was added: {list}");

    let token_line = format!("{}\n", bao.root_token());
    let (code, out, err) = latchkey_with(
        dir.path(),
        &service,
        &[
            "providers",
            "add",
            "--kind",
            "vault",
            "--alias",
            "bao",
            "--set",
            address.as_str(),
            "--secret-stdin",
            "token",
        ],
        &[],
        Some(token_line.as_str()),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("added bao (HashiCorp Vault / OpenBao, {addr})")),
        "{out}"
    );

    let (code, out, err) = run(&["providers", "test", "bao"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("signed in as "), "{out}");
    assert!(out.contains("listing secrets works"), "{out}");

    // A changed address with the token kept: refused, naming the token; nothing changes.
    let (code, out, err) = run(&[
        "providers",
        "edit",
        "bao",
        "--set",
        "address=http://127.0.0.1:8299",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("  token: "), "{err}");
    let (_, list, _) = run(&["providers", "list"]);
    let row = list.lines().find(|l| l.starts_with("bao")).unwrap();
    assert!(row.contains(&addr) && !row.contains("8299"), "{row}");
    assert!(row.contains("Token"), "sign-in shown: {row}");

    // Delete: refused without --yes (nothing changes), done with it.
    let (code, _, err) = run(&["providers", "delete", "bao"]);
    assert_eq!(code, 1);
    assert!(err.contains("--yes"), "{err}");
    let (_, list, _) = run(&["providers", "list"]);
    assert!(list.lines().any(|l| l.starts_with("bao")), "{list}");
    let (code, out, err) = run(&["providers", "delete", "bao", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("deleted bao"), "{out}");
    let (_, list, _) = run(&["providers", "list"]);
    assert_eq!(list.trim(), "(none)", "{list}");
    let (code, _, err) = run(&["providers", "test", "bao"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("No secrets manager has the alias \"bao\""),
        "{err}"
    );
}

/// `providers add` of an AWS manager on moto (:5000), its secret key from
/// $LATCHKEY_TEST_AWS_SECRET, with `extra` arguments.
fn moto_manager<'a>(alias: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "providers",
        "add",
        "--kind",
        "aws_secrets_manager",
        "--alias",
        alias,
        "--set",
        "region=us-east-1",
        "--set",
        "auth=access_key",
        "--set",
        "access_key_id=AKIATESTLATCHKEY0001",
        "--set",
        "endpoint_url=http://127.0.0.1:5000",
        "--secret-env",
        "secret_access_key=LATCHKEY_TEST_AWS_SECRET",
    ];
    args.extend_from_slice(extra);
    args
}

/// A rotation between two `latchkey refresh` processes (as a rotation script runs
/// them) is reported as rotated with the exact old and new version IDs moto reports —
/// for a manager that caches and for one with the cache off — because the version
/// history lives in the workspace database, which holds no value afterwards.
#[tokio::test]
async fn refresh_in_a_new_process_reports_the_rotation_with_its_versions() {
    use latchkey_testkit::moto::{put, seeder, unique};
    let dir = tempfile::tempdir().unwrap();
    let service = format!("latchkey-test-cli-rotation-{}", std::process::id());
    let run = |args: &[&str]| {
        latchkey_with(
            dir.path(),
            &service,
            args,
            &[("LATCHKEY_TEST_AWS_SECRET", "moto-accepts-any")],
            None,
        )
    };
    let sm = seeder().await;
    let cached = unique("cli-rotation/cached");
    let uncached = unique("cli-rotation/uncached");
    let canary_old = unique("canary-old");
    let canary_new = unique("canary-new");
    for name in [&cached, &uncached] {
        put(&sm, name, &format!(r#"{{"password":"{canary_old}"}}"#)).await;
    }
    for (alias, ttl) in [("cached", "3600"), ("uncached", "0")] {
        let (code, out, err) = run(&moto_manager(alias, &["--cache-ttl", ttl]));
        assert_eq!(code, 0, "{out}{err}");
    }
    for (conn, alias, name) in [
        ("Cached", "cached", &cached),
        ("Uncached", "uncached", &uncached),
    ] {
        let reference = format!("password=secret://{alias}/{name}#password");
        let (code, out, err) = run(&[
            "connections",
            "add",
            "--type",
            "postgres",
            "--name",
            conn,
            "--set",
            "host=127.0.0.1",
            "--set",
            "database=latchkey_test",
            "--set",
            "user=latchkey_test",
            "--set",
            &reference,
        ]);
        assert_eq!(code, 0, "{out}{err}");
    }
    let (code, out, err) = run(&["refresh", "--all", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let first: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        first["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["outcome"] == "unchanged"),
        "{first}"
    );
    let current = |name: &str| {
        let sm = sm.clone();
        let name = name.to_owned();
        async move {
            sm.describe_secret()
                .secret_id(&name)
                .send()
                .await
                .unwrap()
                .version_ids_to_stages()
                .unwrap()
                .iter()
                .find(|(_, s)| s.iter().any(|s| s == "AWSCURRENT"))
                .map(|(id, _)| id.clone())
                .unwrap()
        }
    };
    let mut expected = Vec::new();
    for name in [&cached, &uncached] {
        let old = current(name).await;
        let new = sm
            .put_secret_value()
            .secret_id(name.as_str())
            .secret_string(format!(r#"{{"password":"{canary_new}"}}"#))
            .send()
            .await
            .unwrap()
            .version_id()
            .unwrap()
            .to_owned();
        expected.push(format!(
            "secret://{}/{name}: {old} → {new}",
            if name == &cached {
                "cached"
            } else {
                "uncached"
            }
        ));
    }
    let (code, out, err) = run(&["refresh", "--all", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let second: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut details: Vec<String> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert_eq!(i["outcome"], "rotated", "{second}");
            i["detail"].as_str().unwrap().to_owned()
        })
        .collect();
    details.sort();
    expected.sort();
    assert_eq!(details, expected);

    let (code, out, _) = run(&["secrets", "list", "--json"]);
    assert_eq!(code, 0);
    let inventory: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(inventory.as_array().unwrap().len(), 2);
    assert!(
        inventory
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["state"] == "picked_up"),
        "{inventory}"
    );
    let (code, out, _) = run(&["secrets", "list"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("SECRET"), "{out}");
    assert!(out.contains("rotated") && out.contains("Cached"), "{out}");
    let (code, out, err) = run(&["providers", "stats", "uncached"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("read") && out.contains("rotation watch: every 300 s"),
        "{out}"
    );
    let (code, out, err) = run(&["providers", "watch", "uncached", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let look: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(look["outcome"], "ok", "{look}");
    assert_eq!(look["checked"], 1);

    for canary in [&canary_old, &canary_new] {
        assert!(
            latchkey_testkit::target::files_containing(dir.path(), canary).is_empty(),
            "a value reached the workspace folder"
        );
    }
}

/// A rename the references follow: refused with the list first, done with --yes.
#[test]
fn a_manager_rename_lists_the_references_and_needs_yes() {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("latchkey-test-cli-rename-{}", std::process::id());
    let run = |args: &[&str]| {
        latchkey_with(
            dir.path(),
            &service,
            args,
            &[("LATCHKEY_TEST_AWS_SECRET", "moto-accepts-any")],
            None,
        )
    };
    let (code, _, err) = run(&moto_manager("old", &[]));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&[
        "connections",
        "add",
        "--type",
        "postgres",
        "--name",
        "Uses old",
        "--set",
        "host=127.0.0.1",
        "--set",
        "database=d",
        "--set",
        "user=u",
        "--set",
        "password=secret://old/app/db#password",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["providers", "edit", "old", "--rename", "new"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Uses old (password)") && err.contains("Confirm"),
        "{err}"
    );
    let (_, out, _) = run(&["providers", "list", "--json"]);
    assert!(out.contains("\"alias\": \"old\""), "nothing changed: {out}");
    let (code, out, err) = run(&["providers", "edit", "old", "--rename", "new", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    let (_, out, _) = run(&["connections", "list", "--json"]);
    assert!(out.contains("secret://new/app/db#password"), "{out}");
}
