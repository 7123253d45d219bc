// Only the app's own commands are exposed to the web view: tauri-build generates an
// `allow-<command>` permission for each, and capabilities/ grants them.
include!("src/command_names.rs");

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
