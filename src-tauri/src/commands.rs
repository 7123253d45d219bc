//! Thin adapters: each command calls the engine and maps its error to `ApiError`.

use latchkey_core::ExposeSecret;
use latchkey_core::{
    ApiError, AuditEvent, ConnectionInput, ConnectionView, ManagerSpec, Project, TypeSpec,
    WorkspaceSettings,
};
use latchkey_engine::{
    AuditQuery, CacheEntryView, ConnectionSecrets, ControlApi, ControlApiStatus, Engine,
    ExportFormat, InventoryItem, ModePreview, ModeRequest, ModeSwitchReport, ProjectSummary,
    ProviderCheck, ProviderInput, ProviderStats, ProviderView, RefreshReport, RefreshScope,
    RevealRequest, Revealed, SecretInfo, SecretPage, SecretUse, StepReport, TestReport, Trial,
    WatchCycleReport, WorkspaceInfo,
};
use tauri::State;
use tauri::ipc::Channel;

type Reply<T> = Result<T, ApiError>;

fn api<T>(r: latchkey_engine::Result<T>) -> Reply<T> {
    r.map_err(|e| {
        tracing::warn!(code = e.code().as_str(), error = %e, "command failed");
        ApiError::from(e)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn workspace_info(engine: State<'_, Engine>) -> Reply<WorkspaceInfo> {
    api(engine.workspace_info().await)
}

/// Every secrets-manager kind's declaration (the setup dialog is drawn from it).
#[tauri::command]
#[specta::specta]
pub fn provider_types(engine: State<'_, Engine>) -> Vec<ManagerSpec> {
    engine.provider_types()
}

#[tauri::command]
#[specta::specta]
pub fn connection_types(engine: State<'_, Engine>) -> Vec<TypeSpec> {
    engine.connection_types()
}

#[tauri::command]
#[specta::specta]
pub async fn list_projects(engine: State<'_, Engine>) -> Reply<Vec<ProjectSummary>> {
    api(engine.list_projects().await)
}

#[tauri::command]
#[specta::specta]
pub async fn create_project(
    engine: State<'_, Engine>,
    name: String,
    description: String,
) -> Reply<Project> {
    api(engine.create_project(&name, &description).await)
}

#[tauri::command]
#[specta::specta]
pub async fn update_project(
    engine: State<'_, Engine>,
    id: String,
    name: String,
    description: String,
) -> Reply<Project> {
    api(engine.update_project(&id, &name, &description).await)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_project(engine: State<'_, Engine>, id: String) -> Reply<()> {
    api(engine.delete_project(&id).await)
}

#[tauri::command]
#[specta::specta]
pub async fn list_connections(
    engine: State<'_, Engine>,
    project_id: Option<String>,
) -> Reply<Vec<ConnectionView>> {
    api(engine.list_connections(project_id.as_deref()).await)
}

#[tauri::command]
#[specta::specta]
pub async fn get_connection(engine: State<'_, Engine>, id: String) -> Reply<ConnectionView> {
    api(engine.get_connection(&id).await)
}

#[tauri::command]
#[specta::specta]
pub async fn create_connection(
    engine: State<'_, Engine>,
    input: ConnectionInput,
) -> Reply<ConnectionView> {
    api(engine.create_connection(input).await)
}

#[tauri::command]
#[specta::specta]
pub async fn update_connection(
    engine: State<'_, Engine>,
    id: String,
    input: ConnectionInput,
) -> Reply<ConnectionView> {
    api(engine.update_connection(&id, input).await)
}

/// Saves the plain settings a test offered (trusting an SSH host key on first use).
#[tauri::command]
#[specta::specta]
pub async fn accept_offer(
    engine: State<'_, Engine>,
    id: String,
    fields: std::collections::BTreeMap<String, String>,
) -> Reply<ConnectionView> {
    api(engine.accept_offer(&id, fields).await)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_connection(engine: State<'_, Engine>, id: String) -> Reply<()> {
    api(engine.delete_connection(&id).await)
}

#[tauri::command]
#[specta::specta]
pub async fn list_audit(engine: State<'_, Engine>, query: AuditQuery) -> Reply<Vec<AuditEvent>> {
    api(engine.list_audit(query).await)
}

#[tauri::command]
#[specta::specta]
pub async fn list_providers(engine: State<'_, Engine>) -> Reply<Vec<ProviderView>> {
    api(engine.list_providers().await)
}

#[tauri::command]
#[specta::specta]
pub async fn create_provider(
    engine: State<'_, Engine>,
    input: ProviderInput,
) -> Reply<ProviderView> {
    api(engine.create_provider(input).await)
}

#[tauri::command]
#[specta::specta]
pub async fn update_provider(
    engine: State<'_, Engine>,
    id: String,
    input: ProviderInput,
) -> Reply<ProviderView> {
    api(engine.update_provider(&id, input).await)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_provider(engine: State<'_, Engine>, id: String) -> Reply<()> {
    api(engine.delete_provider(&id).await)
}

/// Tests the settings as typed on the form; `id` lets a kept secret key be used.
#[tauri::command]
#[specta::specta]
pub async fn test_provider(
    engine: State<'_, Engine>,
    id: Option<String>,
    input: ProviderInput,
) -> Reply<ProviderCheck> {
    api(engine.test_provider(id.as_deref(), input).await)
}

#[tauri::command]
#[specta::specta]
pub async fn list_secrets(
    engine: State<'_, Engine>,
    provider_id: String,
    prefix: Option<String>,
    page: Option<String>,
) -> Reply<SecretPage> {
    api(engine.list_secrets(&provider_id, prefix, page).await)
}

#[tauri::command]
#[specta::specta]
pub async fn describe_secret(
    engine: State<'_, Engine>,
    provider_id: String,
    name: String,
) -> Reply<SecretInfo> {
    api(engine.describe_secret(&provider_id, &name).await)
}

/// Key names only: the values never leave the engine.
#[tauri::command]
#[specta::specta]
pub async fn secret_json_keys(
    engine: State<'_, Engine>,
    provider_id: String,
    name: String,
    version: Option<String>,
) -> Reply<Vec<String>> {
    api(engine.secret_json_keys(&provider_id, &name, version).await)
}

/// Runs the four test steps; each is sent on `on_step` as it finishes. With `trial`,
/// one secret is read at another version or stage (test before cutover).
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    engine: State<'_, Engine>,
    id: String,
    trial: Option<Trial>,
    on_step: Channel<StepReport>,
) -> Reply<TestReport> {
    api(engine
        .test_connection_with(&id, trial, &|s: &StepReport| {
            let _ = on_step.send(s.clone());
        })
        .await)
}

/// Every secret a connection references, with its rotation state, dates and uses.
#[tauri::command]
#[specta::specta]
pub async fn secrets_inventory(engine: State<'_, Engine>) -> Reply<Vec<InventoryItem>> {
    api(engine.secrets_inventory().await)
}

/// The connection fields that use a secret (the picker's "used by").
#[tauri::command]
#[specta::specta]
pub async fn secret_used_by(
    engine: State<'_, Engine>,
    provider_id: String,
    secret: String,
) -> Reply<Vec<SecretUse>> {
    api(engine.secret_used_by(&provider_id, &secret).await)
}

/// Runs a manager's rotation watch once now (metadata only).
#[tauri::command]
#[specta::specta]
pub async fn watch_now(engine: State<'_, Engine>, provider_id: String) -> Reply<WatchCycleReport> {
    api(engine.watch_now(&provider_id).await)
}

/// A manager's call meter and rotation watch.
#[tauri::command]
#[specta::specta]
pub async fn provider_stats(
    engine: State<'_, Engine>,
    provider_id: String,
) -> Reply<ProviderStats> {
    api(engine.provider_stats(&provider_id).await)
}

/// The audited reveal: one value, once, when the workspace allows it.
#[tauri::command]
#[specta::specta]
pub async fn reveal_secret(engine: State<'_, Engine>, request: RevealRequest) -> Reply<Revealed> {
    api(engine.reveal_secret(request).await)
}

/// Reveal on or off, and how many days ahead expiry warns.
#[tauri::command]
#[specta::specta]
pub async fn set_secret_life(
    engine: State<'_, Engine>,
    reveal_enabled: bool,
    expiry_warning_days: u32,
) -> Reply<WorkspaceSettings> {
    api(engine
        .set_secret_life(reveal_enabled, expiry_warning_days)
        .await)
}

/// What switching the secrets mode would do (with a dry run of every mapped reference).
#[tauri::command]
#[specta::specta]
pub async fn preview_mode(engine: State<'_, Engine>, request: ModeRequest) -> Reply<ModePreview> {
    api(engine.preview_mode(request).await)
}

/// Switches the secrets mode in one atomic step.
#[tauri::command]
#[specta::specta]
pub async fn switch_mode(
    engine: State<'_, Engine>,
    request: ModeRequest,
) -> Reply<ModeSwitchReport> {
    api(engine.switch_mode(request).await)
}

/// Fetches again the secrets a scope of connections uses; `test` tests each afterwards.
#[tauri::command]
#[specta::specta]
pub async fn refresh(
    engine: State<'_, Engine>,
    scope: RefreshScope,
    test: bool,
) -> Reply<RefreshReport> {
    api(engine.refresh(scope, test).await)
}

/// Per connection: when its secrets were fetched, stale or not, when last rotated.
#[tauri::command]
#[specta::specta]
pub async fn connection_secrets(engine: State<'_, Engine>) -> Reply<Vec<ConnectionSecrets>> {
    api(engine.connection_secrets().await)
}

/// The cache's entries: metadata only, never a value.
#[tauri::command]
#[specta::specta]
pub async fn cache_entries(engine: State<'_, Engine>) -> Reply<Vec<CacheEntryView>> {
    api(engine.cache_entries().await)
}

/// Empties the cache (one manager's entries, or all); returns how many went.
#[tauri::command]
#[specta::specta]
pub async fn clear_cache(engine: State<'_, Engine>, provider_id: Option<String>) -> Reply<u32> {
    api(engine.clear_cache(provider_id.as_deref()).await)
}

/// The running control API, when on.
pub struct ControlApiSlot(pub tokio::sync::Mutex<Option<ControlApi>>);

async fn control_api_status_of(
    engine: &Engine,
    slot: &ControlApiSlot,
    error: Option<String>,
) -> Reply<ControlApiStatus> {
    let settings = api(engine
        .store()
        .settings()
        .get()
        .await
        .map_err(latchkey_engine::EngineError::from))?;
    let running = slot.0.lock().await;
    Ok(ControlApiStatus {
        enabled: settings.control_api_enabled,
        port: settings.control_api_port,
        listening: running.as_ref().map(|a| a.addr.to_string()),
        error,
    })
}

/// Whether the local control API is on, and where it listens.
#[tauri::command]
#[specta::specta]
pub async fn control_api_status(
    engine: State<'_, Engine>,
    slot: State<'_, ControlApiSlot>,
) -> Reply<ControlApiStatus> {
    control_api_status_of(&engine, &slot, None).await
}

/// Turns the control API on (listening on 127.0.0.1:`port`) or off.
#[tauri::command]
#[specta::specta]
pub async fn set_control_api(
    engine: State<'_, Engine>,
    slot: State<'_, ControlApiSlot>,
    enabled: bool,
    port: u16,
) -> Reply<ControlApiStatus> {
    api(engine.set_control_api(enabled, port).await)?;
    let mut running = slot.0.lock().await;
    running.take();
    let mut error = None;
    if enabled {
        match engine.start_control_api(port).await {
            Ok(a) => *running = Some(a),
            Err(e) => error = Some(e.to_string()),
        }
    }
    drop(running);
    control_api_status_of(&engine, &slot, error).await
}

/// Shows the control API's bearer token (an audited reveal), for a script to use.
#[tauri::command]
#[specta::specta]
pub async fn reveal_control_api_token(engine: State<'_, Engine>) -> Reply<String> {
    api(engine.reveal_control_api_token().await).map(|t| t.expose_secret().to_owned())
}

/// Writes the selected audit events to a file under the data folder's `exports/`.
#[tauri::command]
#[specta::specta]
pub async fn export_audit(
    engine: State<'_, Engine>,
    query: AuditQuery,
    format: ExportFormat,
) -> Reply<String> {
    api(engine.export_audit(query, format).await)
}

/// Sets the audit retention (days) and prunes older events now; returns how many went.
#[tauri::command]
#[specta::specta]
pub async fn set_audit_retention(engine: State<'_, Engine>, days: u32) -> Reply<u32> {
    api(engine.set_audit_retention(days).await).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}
