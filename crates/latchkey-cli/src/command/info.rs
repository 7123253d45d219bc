//! `latchkey info`

use std::process::ExitCode;

use latchkey_engine::{Engine, EngineError};

use crate::print::print_json;

pub async fn run(engine: &Engine, json: bool) -> Result<ExitCode, EngineError> {
    let info = engine.workspace_info().await?;
    if json {
        return print_json(&info).map(|()| ExitCode::SUCCESS);
    }
    println!("Latchkey {} ({} build)", info.version, info.build);
    println!("data dir:     {}", info.data_dir);
    println!("database:     {}", info.database);
    println!("logs:         {}", info.log_dir);
    println!("keychain:     {}", info.keychain);
    println!("secrets mode: {}", info.settings.secrets_mode.as_str());
    Ok(ExitCode::SUCCESS)
}
