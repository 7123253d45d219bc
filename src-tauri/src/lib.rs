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

/// How often the app asks whether a manager's watch is due (each manager's own
/// interval decides when it looks); `LATCHKEY_WATCH_TICK_SECS` shortens it for tests.
fn watch_tick() -> std::time::Duration {
    let secs = std::env::var("LATCHKEY_WATCH_TICK_SECS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| (1..=3600).contains(s))
        .unwrap_or(30);
    std::time::Duration::from_secs(secs)
}

/// The rotation watch, while the window is open: every tick, each manager whose
/// interval has passed reads its secrets' metadata; a rotation found upstream shows a
/// desktop notification (and is in the audit and the inventory already).
async fn watch_loop(engine: Engine, app: tauri::AppHandle) {
    use tauri_plugin_notification::NotificationExt;
    let tick = watch_tick();
    loop {
        tokio::time::sleep(tick).await;
        let reports = match engine.watch_due().await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "the rotation watch could not run");
                continue;
            }
        };
        for r in reports.iter().filter(|r| !r.rotated.is_empty()) {
            let names: Vec<&str> = r.rotated.iter().map(|x| x.reference.as_str()).collect();
            let mut used: Vec<&str> = r
                .rotated
                .iter()
                .flat_map(|x| x.connections.iter().map(String::as_str))
                .collect();
            used.sort_unstable();
            used.dedup();
            let body = format!(
                "{} secret{} of \"{}\" rotated upstream: {}. Used by {}.{}",
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                r.provider,
                names.join(", "),
                used.join(", "),
                if r.refreshed.is_some() {
                    " Refreshed and re-tested."
                } else {
                    " Refresh to pick them up."
                }
            );
            if let Err(e) = app
                .notification()
                .builder()
                .title("Latchkey: secrets rotated")
                .body(body)
                .show()
            {
                tracing::warn!(error = %e, "the desktop notification could not be shown");
            }
        }
    }
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
    let watcher = engine.clone();
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            tauri::async_runtime::spawn(watch_loop(watcher, app.handle().clone()));
            Ok(())
        })
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
