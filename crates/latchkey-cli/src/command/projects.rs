//! `latchkey projects …`

use std::process::ExitCode;

use clap::Subcommand;
use latchkey_engine::{Engine, EngineError};

use crate::print::{print_json, print_table};

#[derive(Subcommand)]
pub enum Action {
    /// List every project with its number of connections.
    List,
}

pub async fn run(engine: &Engine, action: Action, json: bool) -> Result<ExitCode, EngineError> {
    match action {
        Action::List => {
            let projects = engine.list_projects().await?;
            if json {
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
    }
    Ok(ExitCode::SUCCESS)
}
