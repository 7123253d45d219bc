//! # latchkey (CLI)
//!
//! The headless host of Latchkey's engine: the same database and keychain as the
//! desktop app, for scripts and terminals.
//!
//! ```text
//! latchkey [--data-dir DIR] projects list [--json]
//! latchkey [--data-dir DIR] connections list [--project NAME] [--json]
//! latchkey [--data-dir DIR] connections test NAME [--project NAME] [--json]
//! latchkey [--data-dir DIR] info [--json]
//! latchkey [--data-dir DIR] refresh (--connection NAME | --provider ALIAS | --project NAME | --all) [--test] [--json]
//! latchkey [--data-dir DIR] mode show [--json]
//! latchkey [--data-dir DIR] mode preview (project | workspace) [--no-copy] [--json]
//! latchkey [--data-dir DIR] mode switch (project | workspace) --yes [--no-copy] [--json]
//! latchkey [--data-dir DIR] demo setup [--moto-url URL]
//! ```
//!
//! Exit status: 0 on success (for `connections test`: every step passed), 1 on an error
//! or a failed test (printed to stderr, or as a JSON
//! `{code, message, ...}` object on stdout with `--json`), 2 on bad usage.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use latchkey_core::ApiError;
use latchkey_core::SecretsMode;
use latchkey_engine::{
    Engine, EngineError, ImpactStatus, ModeRequest, RefreshOutcome, RefreshScope, paths,
};
use latchkey_keychain::OsKeychain;

#[derive(Parser)]
#[command(
    name = "latchkey",
    version,
    about = "Latchkey from the command line: the same workspace as the desktop app."
)]
struct Cli {
    /// Workspace data directory (default: $LATCHKEY_DATA_DIR, else the OS data directory).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Projects: named groups of connections.
    Projects {
        #[command(subcommand)]
        action: ProjectsAction,
    },
    /// Connections to target systems.
    Connections {
        #[command(subcommand)]
        action: ConnectionsAction,
    },
    /// Where the workspace's data, logs and credentials live.
    Info,
    /// Fetch again the secrets connections use (after a rotation): says per connection
    /// unchanged, rotated (old → new version) or failed. Exit 1 when one failed.
    Refresh {
        #[command(flatten)]
        scope: ScopeArgs,
        /// Test each connection afterwards.
        #[arg(long)]
        test: bool,
    },
    /// Secrets mode: one set of secrets managers for the whole workspace, or each
    /// project its own (never both).
    Mode {
        #[command(subcommand)]
        action: ModeAction,
    },
    /// The try-it-without-AWS demo (`bash scripts/demo.sh` runs it).
    Demo {
        #[command(subcommand)]
        action: DemoAction,
    },
}

#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct ScopeArgs {
    /// One connection, by name.
    #[arg(long, value_name = "NAME")]
    connection: Option<String>,
    /// Every connection that uses this secrets manager, by alias.
    #[arg(long, value_name = "ALIAS")]
    provider: Option<String>,
    /// Every connection of a project, by name.
    #[arg(long, value_name = "NAME")]
    project: Option<String>,
    /// Every connection.
    #[arg(long)]
    all: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ModeArg {
    Workspace,
    Project,
}

impl From<ModeArg> for SecretsMode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Workspace => Self::Workspace,
            ModeArg::Project => Self::Project,
        }
    }
}

#[derive(Subcommand)]
enum ModeAction {
    /// The current mode and every secrets manager with its scope.
    Show,
    /// What switching would do, changing nothing: every secret reference that would
    /// stop working (connection, field, manager), the managers copied into the new
    /// scope (each mapped reference is read once as a dry run) and the projects left
    /// without a manager.
    Preview {
        to: ModeArg,
        /// Copy no manager into the new scope (every reference stops working).
        #[arg(long)]
        no_copy: bool,
    },
    /// Switch, in one atomic step, with the copies the preview proposes.
    Switch {
        to: ModeArg,
        /// Confirm: the old scope's secrets managers are removed.
        #[arg(long)]
        yes: bool,
        /// Copy no manager into the new scope.
        #[arg(long)]
        no_copy: bool,
    },
}

#[derive(Subcommand)]
enum DemoAction {
    /// Adds the "Demo" project, a secrets manager "demo" on moto and a PostgreSQL
    /// connection whose password comes from it. Runs again without duplicating.
    Setup {
        /// moto's endpoint (scripts/services.sh starts it on port 5000).
        #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:5000")]
        moto_url: String,
    },
}

#[derive(Subcommand)]
enum ProjectsAction {
    /// List every project with its number of connections.
    List,
}

#[derive(Subcommand)]
enum ConnectionsAction {
    /// List connections (every project's, or one project's).
    List {
        /// Only the connections of this project (by name).
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
    },
    /// Every connection type and its fields (the same declaration the app's form uses).
    Types {
        /// Only this type (postgres, mysql, redis, http, jira, s3, ssh, smtp).
        kind: Option<String>,
    },
    /// Add a connection. Plain settings with `--set KEY=VALUE`; credentials only as
    /// secret references (`--set password=secret://aws/prod/db#password`): a literal
    /// credential is typed in the app, never on a command line. Checked like the form.
    Add {
        /// The type: postgres, mysql, redis, http, jira, s3, ssh, smtp.
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
        /// The connection's name.
        #[arg(long)]
        name: String,
        /// The project (by name); the first project when omitted.
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
        /// A field, KEY=VALUE (repeat). Defaults fill the rest.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Test a connection: resolve its credentials and log in, printing each step as
    /// it finishes (the same four steps as the app's Test button).
    Test {
        /// The connection's name.
        name: String,
        /// The project it belongs to, when several projects have one of that name.
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            let api: ApiError = e.into();
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&api).expect("errors serialize")
                );
            } else {
                eprintln!("error: {}", api.message);
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, EngineError> {
    let dir = paths::data_dir(cli.data_dir.as_deref());
    let engine = Engine::open(&dir, Arc::new(OsKeychain::for_build())).await?;
    match cli.command {
        Command::Projects {
            action: ProjectsAction::List,
        } => {
            let projects = engine.list_projects().await?;
            if cli.json {
                return print_json(&projects).map(|()| ExitCode::SUCCESS);
            }
            let rows = projects
                .iter()
                .map(|p| {
                    vec![
                        p.project.name.clone(),
                        p.connection_count.to_string(),
                        p.project.description.clone(),
                    ]
                })
                .collect();
            print_table(&["NAME", "CONNECTIONS", "DESCRIPTION"], rows);
        }
        Command::Connections {
            action: ConnectionsAction::Test { name, project },
        } => {
            let project_id = project_id(&engine, project.as_deref()).await?;
            let matching: Vec<_> = engine
                .list_connections(project_id.as_deref())
                .await?
                .into_iter()
                .filter(|c| c.name == name)
                .collect();
            let connection = match matching.as_slice() {
                [one] => one,
                [] => {
                    return Err(EngineError::NotFound(format!(
                        "No connection is named \"{name}\": see `latchkey connections list`."
                    )));
                }
                _ => {
                    return Err(EngineError::field(
                        "project",
                        format!(
                            "{} connections are named \"{name}\": add --project NAME.",
                            matching.len()
                        ),
                    ));
                }
            };
            let json = cli.json;
            let report = engine
                .test_connection(&connection.id, &|step| {
                    if !json {
                        print_step(step);
                    }
                })
                .await?;
            if json {
                print_json(&report)?;
            } else if report.ok {
                println!("\"{}\": all steps passed.", report.connection);
            }
            if !report.ok {
                if !json {
                    eprintln!("error: the test of \"{}\" failed.", report.connection);
                }
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Connections {
            action: ConnectionsAction::Types { kind },
        } => {
            let types: Vec<_> = engine
                .connection_types()
                .into_iter()
                .filter(|t| kind.as_deref().is_none_or(|k| t.kind.as_str() == k))
                .collect();
            if types.is_empty() {
                return Err(EngineError::field(
                    "type",
                    "Unknown connection type: see `latchkey connections types`.",
                ));
            }
            if cli.json {
                return print_json(&types).map(|()| ExitCode::SUCCESS);
            }
            for t in &types {
                println!(
                    "{} — {} ({}): {}",
                    t.kind.as_str(),
                    t.label,
                    t.group,
                    t.description
                );
                for f in &t.fields {
                    let mut notes = Vec::new();
                    if f.required {
                        notes.push("required".to_owned());
                    }
                    if let Some(d) = &f.default {
                        notes.push(format!("default {d}"));
                    }
                    if let Some(w) = &f.show_when {
                        notes.push(format!("when {} is {}", w.field, w.values.join("|")));
                    }
                    if !f.choices.is_empty() {
                        let c: Vec<_> = f.choices.iter().map(|c| c.value.as_str()).collect();
                        notes.push(format!("one of {}", c.join("|")));
                    }
                    let kind = format!("{:?}", f.kind).to_lowercase();
                    println!(
                        "  {:<22} {:<10} {:<28} {}",
                        f.key,
                        kind,
                        f.label,
                        notes.join("; ")
                    );
                }
                println!();
            }
        }
        Command::Connections {
            action:
                ConnectionsAction::Add {
                    kind,
                    name,
                    project,
                    set,
                },
        } => {
            let kind = latchkey_core::ConnectionKind::parse(&kind).ok_or_else(|| {
                EngineError::field(
                    "type",
                    format!(
                        "\"{kind}\" is not a connection type: see `latchkey connections types`."
                    ),
                )
            })?;
            let spec = engine.connection_type(kind);
            let project_id = match project_id(&engine, project.as_deref()).await? {
                Some(id) => id,
                None => engine.list_projects().await?[0].project.id.clone(),
            };
            let mut fields = std::collections::BTreeMap::new();
            for pair in &set {
                let Some((key, value)) = pair.split_once('=') else {
                    return Err(EngineError::field(
                        "set",
                        format!("\"{pair}\" is not KEY=VALUE, such as --set host=db.example.com."),
                    ));
                };
                let credential = spec
                    .field(key)
                    .is_some_and(|f| f.kind == latchkey_core::FieldKind::Credential);
                let input = if credential && value.starts_with("secret://") {
                    latchkey_core::FieldInput::Secret {
                        reference: value.into(),
                    }
                } else if credential {
                    return Err(EngineError::field(
                        key,
                        format!(
                            "{key} is a credential: pass a secret reference (secret://MANAGER/PATH#KEY), or type it in the app — never on a command line."
                        ),
                    ));
                } else {
                    latchkey_core::FieldInput::Plain {
                        value: value.into(),
                    }
                };
                fields.insert(key.to_owned(), input);
            }
            for f in &spec.fields {
                if let (false, Some(d)) = (fields.contains_key(&f.key), &f.default) {
                    fields.insert(
                        f.key.clone(),
                        latchkey_core::FieldInput::Plain { value: d.clone() },
                    );
                }
            }
            let c = engine
                .create_connection(latchkey_core::ConnectionInput {
                    project_id,
                    name,
                    kind,
                    fields,
                })
                .await?;
            if cli.json {
                print_json(&c)?;
            } else {
                println!(
                    "added \"{}\" ({}); test it with `latchkey connections test \"{}\"`",
                    c.name, spec.label, c.name
                );
            }
        }
        Command::Connections {
            action: ConnectionsAction::List { project },
        } => {
            let project_id = project_id(&engine, project.as_deref()).await?;
            let connections = engine.list_connections(project_id.as_deref()).await?;
            if cli.json {
                return print_json(&connections).map(|()| ExitCode::SUCCESS);
            }
            let projects = engine.list_projects().await?;
            let rows = connections
                .iter()
                .map(|c| {
                    let project = projects.iter().find(|p| p.project.id == c.project_id);
                    let field = |k: &str| match c.fields.get(k) {
                        Some(latchkey_core::FieldView::Plain { value }) => value.clone(),
                        _ => String::new(),
                    };
                    let target = target_line(&field);
                    vec![
                        c.name.clone(),
                        engine.connection_type(c.kind).label,
                        project.map(|p| p.project.name.clone()).unwrap_or_default(),
                        target,
                    ]
                })
                .collect();
            print_table(&["NAME", "TYPE", "PROJECT", "TARGET"], rows);
        }
        Command::Refresh { scope, test } => {
            let scope = match scope {
                ScopeArgs {
                    connection: Some(name),
                    ..
                } => RefreshScope::Connection(connection_id(&engine, &name).await?),
                ScopeArgs {
                    provider: Some(alias),
                    ..
                } => {
                    let providers = engine.list_providers().await?;
                    let named: Vec<_> = providers
                        .iter()
                        .filter(|p| p.alias.eq_ignore_ascii_case(&alias))
                        .collect();
                    match named.as_slice() {
                        [p] => RefreshScope::Provider(p.id.clone()),
                        [] => {
                            return Err(EngineError::NotFound(format!(
                                "No secrets manager has the alias \"{alias}\"."
                            )));
                        }
                        // Project mode: each project may have a manager of that alias.
                        many => {
                            return Err(EngineError::field(
                                "provider",
                                format!(
                                    "{} secrets managers are named \"{alias}\" (one per project, project mode): refresh a project's connections with --project NAME instead.",
                                    many.len()
                                ),
                            ));
                        }
                    }
                }
                ScopeArgs {
                    project: Some(name),
                    ..
                } => RefreshScope::Project(
                    project_id(&engine, Some(&name))
                        .await?
                        .expect("a name gives an id"),
                ),
                _ => RefreshScope::All,
            };
            let report = match via_control_api(&engine, &scope, test).await {
                Some(report) => report,
                None => engine.refresh(scope, test).await?,
            };
            let failed = report.items.iter().any(|i| {
                i.outcome == RefreshOutcome::Failed || i.test.as_ref().is_some_and(|t| !t.ok)
            });
            if cli.json {
                print_json(&report)?;
            } else {
                let rows = report
                    .items
                    .iter()
                    .map(|i| {
                        vec![
                            i.connection.clone(),
                            format!("{:?}", i.outcome).to_lowercase()
                                + if i.stale {
                                    " (stale value serving)"
                                } else {
                                    ""
                                },
                            i.test.as_ref().map_or(String::new(), |t| {
                                if t.ok {
                                    "passed".into()
                                } else {
                                    "FAILED".into()
                                }
                            }),
                            i.detail.clone(),
                        ]
                    })
                    .collect();
                print_table(&["CONNECTION", "REFRESH", "TEST", "DETAIL"], rows);
                println!(
                    "{} secrets fetched in {} ms.",
                    report.secrets_fetched, report.duration_ms
                );
            }
            if failed {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Demo {
            action: DemoAction::Setup { moto_url },
        } => demo_setup(&engine, &moto_url).await?,
        Command::Mode { action } => return mode(&engine, action, cli.json).await,
        Command::Info => {
            let info = engine.workspace_info().await?;
            if cli.json {
                return print_json(&info).map(|()| ExitCode::SUCCESS);
            }
            println!("Latchkey {} ({} build)", info.version, info.build);
            println!("data dir:     {}", info.data_dir);
            println!("database:     {}", info.database);
            println!("logs:         {}", info.log_dir);
            println!("keychain:     {}", info.keychain);
            println!("secrets mode: {}", info.settings.secrets_mode.as_str());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn mode_request(to: ModeArg, no_copy: bool) -> ModeRequest {
    ModeRequest {
        to: to.into(),
        mappings: no_copy.then(Vec::new),
    }
}

async fn mode(engine: &Engine, action: ModeAction, json: bool) -> Result<ExitCode, EngineError> {
    match action {
        ModeAction::Show => {
            let info = engine.workspace_info().await?;
            let providers = engine.list_providers().await?;
            let projects = engine.list_projects().await?;
            if json {
                print_json(&serde_json::json!({
                    "mode": info.settings.secrets_mode,
                    "secrets_managers": providers,
                }))?;
                return Ok(ExitCode::SUCCESS);
            }
            let mode = info.settings.secrets_mode;
            println!(
                "Secrets mode: {} ({})",
                mode.as_str(),
                match mode {
                    SecretsMode::Workspace => "one set of secrets managers serves every project",
                    SecretsMode::Project => "each project has its own secrets managers",
                }
            );
            let scope = |id: &Option<String>| match id {
                None => "workspace".to_owned(),
                Some(id) => projects
                    .iter()
                    .find(|p| &p.project.id == id)
                    .map_or_else(|| id.clone(), |p| p.project.name.clone()),
            };
            let rows = providers
                .iter()
                .map(|p| {
                    vec![
                        p.alias.clone(),
                        p.kind_label.clone(),
                        scope(&p.project_id),
                        p.used_by.len().to_string(),
                    ]
                })
                .collect();
            print_table(&["MANAGER", "KIND", "SCOPE", "CONNECTIONS"], rows);
            if mode == SecretsMode::Project {
                println!();
                let rows = projects
                    .iter()
                    .map(|p| vec![p.project.name.clone(), p.project.aws_external_id.clone()])
                    .collect();
                print_table(&["PROJECT", "AWS EXTERNAL ID"], rows);
            } else {
                println!("AWS external ID: {}", info.settings.aws_external_id);
            }
        }
        ModeAction::Preview { to, no_copy } => {
            let preview = engine.preview_mode(mode_request(to, no_copy)).await?;
            if json {
                print_json(&preview)?;
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "Switching from {} mode to {} mode would:",
                preview.from.as_str(),
                preview.to.as_str()
            );
            println!("  remove: {}", list_or_none(&preview.removed));
            let copies: Vec<String> = preview
                .proposals
                .iter()
                .filter(|p| p.selected)
                .map(|p| format!("{} ({}) → {}", p.alias, p.from_scope, p.to_scope))
                .collect();
            println!("  copy:   {}", list_or_none(&copies));
            if !preview.without_manager.is_empty() {
                println!(
                    "  leave without a secrets manager: {}",
                    preview.without_manager.join(", ")
                );
            }
            println!();
            let rows = preview
                .references
                .iter()
                .map(|r| {
                    vec![
                        r.connection.clone(),
                        r.field.clone(),
                        r.manager_now.clone().unwrap_or_else(|| "-".into()),
                        r.manager_after.clone().unwrap_or_else(|| "-".into()),
                        match r.status {
                            ImpactStatus::Stops => "STOPS WORKING".into(),
                            ImpactStatus::Works => "works (dry run read it)".into(),
                            ImpactStatus::Fails => format!("FAILS: {}", r.detail),
                            ImpactStatus::AlreadyBroken => "already broken".into(),
                        },
                    ]
                })
                .collect();
            print_table(&["CONNECTION", "FIELD", "NOW", "AFTER", "RESULT"], rows);
            println!(
                "{} of {} references would break. Switch with `latchkey mode switch {} --yes{}`.",
                preview.breaking,
                preview.references.len(),
                preview.to.as_str(),
                if no_copy { " --no-copy" } else { "" }
            );
        }
        ModeAction::Switch { to, yes, no_copy } => {
            if !yes {
                return Err(EngineError::field(
                    "yes",
                    format!(
                        "Switching removes the current scope's secrets managers: see what changes with `latchkey mode preview {}`, then add --yes.",
                        SecretsMode::from(to).as_str()
                    ),
                ));
            }
            let report = engine.switch_mode(mode_request(to, no_copy)).await?;
            if json {
                print_json(&report)?;
            } else {
                println!("Secrets mode is now {}.", report.mode.as_str());
                println!("  removed: {}", list_or_none(&report.removed));
                println!("  added:   {}", list_or_none(&report.added));
                println!(
                    "  {} references name no secrets manager now.",
                    report.broken
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// Refreshes through the running app's control API when Settings turned it on and it
/// answers (so the app's own cache is the one refreshed); `None` means "do it here".
async fn via_control_api(
    engine: &Engine,
    scope: &RefreshScope,
    test: bool,
) -> Option<latchkey_engine::RefreshReport> {
    use latchkey_core::ExposeSecret;
    let settings = engine.store().settings().get().await.ok()?;
    if !settings.control_api_enabled {
        return None;
    }
    let addr = format!("127.0.0.1:{}", settings.control_api_port);
    let token = engine.control_api_token().await.ok()?;
    let mut body = serde_json::to_value(scope).ok()?;
    body["test"] = serde_json::Value::Bool(test);
    let sent = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/refresh"))
        .bearer_auth(token.expose_secret())
        .body(body.to_string())
        .timeout(std::time::Duration::from_secs(600))
        .send()
        .await;
    let answer = match sent {
        Ok(r) => r.text().await.ok()?,
        Err(e) if e.is_connect() => {
            eprintln!("The app's control API does not answer on {addr}: refreshing here.");
            return None;
        }
        Err(e) => {
            eprintln!("The app's control API failed ({e}): refreshing here.");
            return None;
        }
    };
    let v: serde_json::Value = serde_json::from_str(&answer).ok()?;
    let report = serde_json::from_value(v["report"].clone()).ok();
    if report.is_some() {
        eprintln!("Refreshed through the running app's control API on {addr}.");
    } else {
        eprintln!(
            "The app's control API refused: {}; refreshing here.",
            v["error"]
        );
    }
    report
}

/// The id of the one connection named `name`, or a clear error.
async fn connection_id(engine: &Engine, name: &str) -> Result<String, EngineError> {
    let matching: Vec<_> = engine
        .list_connections(None)
        .await?
        .into_iter()
        .filter(|c| c.name == name)
        .collect();
    match matching.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(EngineError::NotFound(format!(
            "No connection is named \"{name}\": see `latchkey connections list`."
        ))),
        _ => Err(EngineError::field(
            "connection",
            format!("{} connections are named \"{name}\".", matching.len()),
        )),
    }
}

/// The id of the project named `name`, or a clear error.
async fn project_id(engine: &Engine, name: Option<&str>) -> Result<Option<String>, EngineError> {
    let Some(name) = name else { return Ok(None) };
    let project = engine.store().projects().find_by_name(name).await?;
    project.map(|p| Some(p.id)).ok_or_else(|| {
        EngineError::NotFound(format!(
            "No project is named \"{name}\": see `latchkey projects list`."
        ))
    })
}

fn print_step(step: &latchkey_engine::StepReport) {
    use latchkey_engine::StepOutcome;
    let mark = match step.outcome {
        StepOutcome::Ok => "ok  ",
        StepOutcome::Failed => "FAIL",
        StepOutcome::Skipped => "skip",
    };
    println!(
        "{mark} {}. {:<22} {:>6} ms  {}",
        step.step, step.title, step.duration_ms, step.detail
    );
    if let (Some(code), Some(cause)) = (&step.code, &step.cause) {
        println!("       {code}: {cause}");
    }
    if let Some(fix) = &step.fix {
        println!("       fix: {fix}");
    }
}

/// The demo secret the connection uses (seeded by tests/fixtures/moto_demo_seed.py).
const DEMO_SECRET: &str = "demo/prod/billing/postgres";

async fn demo_setup(engine: &Engine, moto_url: &str) -> Result<(), EngineError> {
    use latchkey_core::{ConnectionInput, ConnectionKind, FieldInput, SecretValue};
    use latchkey_engine::{AwsAuthMethod, AwsForm, ProviderInput};

    let project = match engine.store().projects().find_by_name("Demo").await? {
        Some(p) => p,
        None => {
            engine
                .create_project(
                    "Demo",
                    "Try Latchkey without an AWS account: moto + PostgreSQL",
                )
                .await?
        }
    };
    let manager = ProviderInput {
        azure: None,
        alias: "demo".into(),
        project_id: None,
        vault: None,
        cache: None,
        aws: Some(AwsForm {
            region: "us-east-1".into(),
            endpoint_url: moto_url.into(),
            auth: AwsAuthMethod::AccessKey,
            profile: String::new(),
            access_key_id: "AKIADEMODEMODEMO0001".into(),
            // moto accepts any key pair; this one is not a secret.
            secret_access_key: Some(FieldInput::Literal {
                value: SecretValue::from("moto-accepts-any-key".to_owned()),
            }),
            role_arn: String::new(),
        }),
    };
    // Updated when it exists: the keychain may be a new one (scripts/demo.sh on a
    // headless machine starts a private keyring each time).
    let providers = engine.list_providers().await?;
    match providers.iter().find(|p| p.alias == "demo") {
        Some(existing) => engine.update_provider(&existing.id, manager).await?,
        None => engine.create_provider(manager).await?,
    };
    let name = "Billing database (demo)";
    let existing = engine.list_connections(Some(&project.id)).await?;
    if !existing.iter().any(|c| c.name == name) {
        let plain = |v: &str| FieldInput::Plain { value: v.into() };
        engine
            .create_connection(ConnectionInput {
                project_id: project.id.clone(),
                name: name.into(),
                kind: ConnectionKind::Postgres,
                fields: [
                    ("host", plain("127.0.0.1")),
                    ("port", plain("5432")),
                    ("database", plain("latchkey_test")),
                    ("user", plain("latchkey_test")),
                    ("sslmode", plain("prefer")),
                    (
                        "password",
                        FieldInput::Secret {
                            reference: format!("secret://demo/{DEMO_SECRET}#password"),
                        },
                    ),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            })
            .await?;
    }
    println!(
        "Demo ready: project \"Demo\", secrets manager \"demo\" ({moto_url}), connection \"{name}\"."
    );
    Ok(())
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), EngineError> {
    println!(
        "{}",
        serde_json::to_string_pretty(value).map_err(|e| EngineError::Internal(e.to_string()))?
    );
    Ok(())
}

fn print_table(headers: &[&str], rows: Vec<Vec<String>>) {
    if rows.is_empty() {
        println!("(none)");
        return;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Where a connection points, in one line: `user@host:port/database`, a URL, a bucket.
fn target_line(field: &dyn Fn(&str) -> String) -> String {
    let url = field("base_url");
    if !url.is_empty() {
        return url;
    }
    let bucket = field("bucket");
    if !bucket.is_empty() {
        let endpoint = field("endpoint");
        return if endpoint.is_empty() {
            format!("s3://{bucket}")
        } else {
            format!("{endpoint}/{bucket}")
        };
    }
    let user = [field("user"), field("username")]
        .into_iter()
        .find(|u| !u.is_empty());
    let mut line = user.map(|u| format!("{u}@")).unwrap_or_default();
    line.push_str(&field("host"));
    if !field("port").is_empty() {
        line.push_str(&format!(":{}", field("port")));
    }
    if !field("database").is_empty() {
        line.push_str(&format!("/{}", field("database")));
    }
    line
}
