//! `latchkey refresh …`: through the running app's control API when it is on, else here.

use std::process::ExitCode;

use latchkey_engine::{Engine, EngineError, RefreshOutcome, RefreshReport, RefreshScope};

use super::project_id;
use crate::print::{print_json, print_table};

#[derive(clap::Args)]
pub struct RefreshArgs {
    #[command(flatten)]
    scope: ScopeArgs,
    /// Test each connection afterwards.
    #[arg(long)]
    test: bool,
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

pub async fn run(engine: &Engine, args: RefreshArgs, json: bool) -> Result<ExitCode, EngineError> {
    let RefreshArgs { scope, test } = args;
    let scope = match scope {
        ScopeArgs {
            connection: Some(name),
            ..
        } => RefreshScope::Connection(connection_id(engine, &name).await?),
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
            project_id(engine, Some(&name))
                .await?
                .expect("a name gives an id"),
        ),
        _ => RefreshScope::All,
    };
    let report = match via_control_api(engine, &scope, test).await {
        Some(report) => report,
        None => engine.refresh(scope, test).await?,
    };
    let failed = report
        .items
        .iter()
        .any(|i| i.outcome == RefreshOutcome::Failed || i.test.as_ref().is_some_and(|t| !t.ok));
    if json {
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
    Ok(ExitCode::SUCCESS)
}

/// Refreshes through the running app's control API when Settings turned it on and it
/// answers (so the app's own cache is the one refreshed); `None` means "do it here".
async fn via_control_api(
    engine: &Engine,
    scope: &RefreshScope,
    test: bool,
) -> Option<RefreshReport> {
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
