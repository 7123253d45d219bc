//! The IPC surface: which commands exist, and how their TypeScript bindings are made.

use specta_typescript::Typescript;
use tauri_specta::{Builder, collect_commands};

use crate::commands::*;

/// Where the generated bindings are committed, relative to this crate.
pub const BINDINGS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/ipc/bindings.ts");

/// Every command the web view may call.
pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            workspace_info,
            connection_types,
            provider_types,
            list_projects,
            create_project,
            update_project,
            delete_project,
            list_connections,
            get_connection,
            create_connection,
            update_connection,
            accept_offer,
            delete_connection,
            list_audit,
            list_providers,
            create_provider,
            update_provider,
            delete_provider,
            test_provider,
            list_secrets,
            describe_secret,
            secret_json_keys,
            test_connection,
            refresh,
            connection_secrets,
            cache_entries,
            clear_cache,
            control_api_status,
            set_control_api,
            reveal_control_api_token,
            export_audit,
            set_audit_retention,
            preview_mode,
            switch_mode,
            secrets_inventory,
            secret_used_by,
            watch_now,
            provider_stats,
            reveal_secret,
            set_secret_life,
        ])
        // Audit event ids are row ids: far below 2^53.
        .dangerously_cast_bigints_to_number()
}

/// Writes the TypeScript bindings to `path`.
pub fn export(path: &std::path::Path) -> Result<(), String> {
    builder()
        .export(
            Typescript::default().header("// Generated from src-tauri by tauri-specta: do not edit.\n// Regenerate with scripts/bindings.sh; the tests fail when this file is stale.\n"),
            path,
        )
        .map_err(|e| e.to_string())
}
