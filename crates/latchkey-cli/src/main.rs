//! # latchkey (CLI)
//!
//! The headless host of Latchkey's engine: the same database and keychain as the
//! desktop app, for scripts and terminals. A thin host: each subcommand (one module
//! under `command/`) calls the engine and prints what it answers (`print.rs`).
//!
//! ```text
//! latchkey [--data-dir DIR] projects list [--json]
//! latchkey [--data-dir DIR] connections list [--project NAME] [--json]
//! latchkey [--data-dir DIR] connections types [TYPE] [--json]
//! latchkey [--data-dir DIR] connections add --type TYPE --name NAME [--project NAME] --set KEY=VALUE…
//! latchkey [--data-dir DIR] connections test NAME [--project NAME] [--version ID | --stage STAGE [--secret PATH]] [--json]
//! latchkey [--data-dir DIR] secrets list [--attention] [--json]
//! latchkey [--data-dir DIR] providers types [KIND] [--json]
//! latchkey [--data-dir DIR] providers list [--json]
//! latchkey [--data-dir DIR] providers add --kind KIND --alias ALIAS [--project NAME] --set KEY=VALUE… [--secret-env KEY=ENVVAR…] [--secret-stdin KEY] [--cache-ttl SECS] [--watch-interval SECS] [--watch-refresh BOOL]
//! latchkey [--data-dir DIR] providers edit ALIAS [--project NAME] [--set …] [--secret-env …] [--secret-stdin KEY] [--unset KEY…]
//! latchkey [--data-dir DIR] providers test (ALIAS | --kind KIND --set … --secret-env …)
//! latchkey [--data-dir DIR] providers edit ALIAS --rename NEW [--yes]   (references follow, once confirmed)
//! latchkey [--data-dir DIR] providers stats ALIAS [--json]
//! latchkey [--data-dir DIR] providers watch ALIAS [--json]
//! latchkey [--data-dir DIR] providers delete ALIAS [--project NAME] --yes
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
//! `{code, message, ...}` object on stdout with `--json`), 2 on bad usage (including a
//! secret given with `--set`).

mod command;
mod print;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use latchkey_core::ApiError;
use latchkey_engine::{Engine, EngineError, paths};
use latchkey_keychain::OsKeychain;

use command::{connections, demo, info, mode, projects, providers, refresh, secrets};

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
        action: projects::Action,
    },
    /// Connections to target systems.
    Connections {
        #[command(subcommand)]
        action: connections::Action,
    },
    /// Secrets managers: the kinds and their fields, and the configured managers
    /// (add, edit, test, delete). Secrets come from the environment or stdin only.
    Providers {
        #[command(subcommand)]
        action: providers::Action,
    },
    /// The secrets inventory: every secret a connection references, where it is used,
    /// its rotation state and expiry (metadata only).
    Secrets {
        #[command(subcommand)]
        action: secrets::Action,
    },
    /// Where the workspace's data, logs and credentials live.
    Info,
    /// Fetch again the secrets connections use (after a rotation): says per connection
    /// unchanged, rotated (old → new version) or failed. Exit 1 when one failed.
    Refresh(refresh::RefreshArgs),
    /// Secrets mode: one set of secrets managers for the whole workspace, or each
    /// project its own (never both).
    Mode {
        #[command(subcommand)]
        action: mode::Action,
    },
    /// The try-it-without-AWS demo (`bash scripts/demo.sh` runs it).
    Demo {
        #[command(subcommand)]
        action: demo::Action,
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
    let json = cli.json;
    match cli.command {
        Command::Projects { action } => projects::run(&engine, action, json).await,
        Command::Connections { action } => connections::run(&engine, action, json).await,
        Command::Providers { action } => providers::run(&engine, action, json).await,
        Command::Secrets { action } => secrets::run(&engine, action, json).await,
        Command::Info => info::run(&engine, json).await,
        Command::Refresh(args) => refresh::run(&engine, args, json).await,
        Command::Mode { action } => mode::run(&engine, action, json).await,
        Command::Demo { action } => demo::run(&engine, action, json).await,
    }
}
