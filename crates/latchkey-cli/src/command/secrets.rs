//! `latchkey secrets …`: the secrets inventory.

use std::process::ExitCode;

use clap::Subcommand;
use latchkey_engine::{Engine, EngineError, InventoryItem, RotationState};

use crate::print::{print_json, print_table};

#[derive(Subcommand)]
pub enum Action {
    /// Every secret a connection references: its manager, the version in use, when it
    /// was fetched, its rotation state, expiry and next rotation, and the connections
    /// that use it; soonest due first. Never a value.
    List {
        /// Only the secrets with a warning or a rotation not yet picked up.
        #[arg(long)]
        attention: bool,
    },
}

pub async fn run(engine: &Engine, action: Action, json: bool) -> Result<ExitCode, EngineError> {
    match action {
        Action::List { attention } => {
            let items: Vec<InventoryItem> = engine
                .secrets_inventory()
                .await?
                .into_iter()
                .filter(|i| {
                    !attention
                        || i.warning.is_some()
                        || i.problem.is_some()
                        || i.state == RotationState::RotatedUpstream
                })
                .collect();
            if json {
                return print_json(&items).map(|()| ExitCode::SUCCESS);
            }
            print_table(
                &["SECRET", "VERSION", "FETCHED", "STATE", "DUE", "USED BY"],
                items.iter().map(row).collect(),
            );
            for i in &items {
                if let Some(w) = &i.warning {
                    println!("warning: {}: {w}", i.reference);
                }
                if let Some(p) = &i.problem {
                    println!("problem: {}: {p}", i.reference);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn row(i: &InventoryItem) -> Vec<String> {
    let state = match i.state {
        RotationState::NotFetched => "not fetched yet".to_owned(),
        RotationState::Unchanged => "unchanged".to_owned(),
        RotationState::RotatedUpstream => format!(
            "rotated upstream → {}, not picked up",
            i.upstream_version.as_deref().unwrap_or("-")
        ),
        RotationState::PickedUp => format!(
            "rotated {} → in use",
            i.previous_version.as_deref().unwrap_or("-")
        ),
    };
    let mut used: Vec<String> = i.used_by.iter().map(|u| u.connection.clone()).collect();
    used.dedup();
    vec![
        i.reference.clone(),
        i.version_in_use.clone().unwrap_or_else(|| "-".into()),
        i.fetched_at.clone().unwrap_or_else(|| "never".into()),
        state,
        i.due_at.clone().unwrap_or_else(|| "-".into()),
        format!("{} ({})", used.len(), used.join(", ")),
    ]
}
