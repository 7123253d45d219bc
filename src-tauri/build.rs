// Only the app's own commands are exposed to the web view: tauri-build generates an
// `allow-<command>` permission for each listed here, and capabilities/ grants them.
const COMMANDS: &[&str] = &[
    "workspace_info",
    "connection_types",
    "list_projects",
    "create_project",
    "update_project",
    "delete_project",
    "list_connections",
    "get_connection",
    "create_connection",
    "update_connection",
    "delete_connection",
    "list_audit",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
