//! `latchkey mode …`: the secrets mode (workspace or project), previewed and switched.

use std::process::ExitCode;

use clap::Subcommand;
use latchkey_core::SecretsMode;
use latchkey_engine::{Engine, EngineError, ImpactStatus, ModeRequest};

use crate::print::{list_or_none, print_json, print_table};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ModeArg {
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
pub enum Action {
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

fn mode_request(to: ModeArg, no_copy: bool) -> ModeRequest {
    ModeRequest {
        to: to.into(),
        mappings: no_copy.then(Vec::new),
    }
}

pub async fn run(engine: &Engine, action: Action, json: bool) -> Result<ExitCode, EngineError> {
    match action {
        Action::Show => {
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
        Action::Preview { to, no_copy } => {
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
        Action::Switch { to, yes, no_copy } => {
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
