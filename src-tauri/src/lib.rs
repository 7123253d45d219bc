//! # latchkey-desktop
//!
//! The desktop host: a Tauri 2 window over the web UI in `ui/`, and thin
//! `#[tauri::command]` adapters (in [`commands`]) that call `latchkey-engine` and turn
//! its errors into `ApiError` data. The TypeScript bindings in
//! `ui/src/ipc/bindings.ts` are generated from these commands by [`ipc::builder`];
//! a test fails when the committed file is stale.
//!
//! Flags: `--data-dir DIR` (else `LATCHKEY_DATA_DIR`, else the OS data directory).

mod commands;
pub mod ipc;

/// The names of the app's IPC commands.
pub mod command_names {
    include!("command_names.rs");
}

use std::path::PathBuf;
use std::sync::Arc;

use latchkey_engine::{Engine, logging, paths};
use latchkey_keychain::OsKeychain;

fn data_dir_flag() -> Option<PathBuf> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
        if let Some(v) = arg.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(v));
        }
    }
    None
}

/// Opens the workspace and runs the window until it is closed.
pub fn run() {
    let data_dir = paths::data_dir(data_dir_flag().as_deref());
    let _log_guard = match logging::init(&paths::log_dir(&data_dir), cfg!(debug_assertions)) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!(
                "latchkey: cannot write logs in {}: {e}",
                paths::log_dir(&data_dir).display()
            );
            None
        }
    };
    let engine = match tauri::async_runtime::block_on(Engine::open(
        &data_dir,
        Arc::new(OsKeychain::for_build()),
    )) {
        Ok(engine) => engine,
        Err(e) => {
            tracing::error!(error = %e, "cannot open the workspace");
            eprintln!(
                "latchkey: cannot open the workspace in {}: {e}",
                data_dir.display()
            );
            std::process::exit(1);
        }
    };

    // The control API, when Settings turned it on (a taken port is logged, not fatal).
    let control_api = tauri::async_runtime::block_on(async {
        let settings = engine.store().settings().get().await.ok()?;
        if !settings.control_api_enabled {
            return None;
        }
        match engine.start_control_api(settings.control_api_port).await {
            Ok(api) => Some(api),
            Err(e) => {
                tracing::warn!(error = %e, "the control API did not start");
                None
            }
        }
    });

    let builder = ipc::builder();
    tauri::Builder::default()
        .invoke_handler(builder.invoke_handler())
        .manage(engine)
        .manage(commands::ControlApiSlot(tokio::sync::Mutex::new(
            control_api,
        )))
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "the window failed");
            eprintln!("latchkey: {e}");
            std::process::exit(1);
        });
}
