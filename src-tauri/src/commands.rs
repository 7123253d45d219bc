//! Thin adapters: each command calls the engine and maps its error to `ApiError`.

use latchkey_core::{ApiError, AuditEvent, ConnectionInput, ConnectionView, Project, TypeSpec};
use latchkey_engine::{AuditQuery, Engine, ProjectSummary, WorkspaceInfo};
use tauri::State;

type Reply<T> = Result<T, ApiError>;

fn api<T>(r: latchkey_engine::Result<T>) -> Reply<T> {
    r.map_err(|e| {
        tracing::warn!(code = e.code(), error = %e, "command failed");
        ApiError::from(e)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn workspace_info(engine: State<'_, Engine>) -> Reply<WorkspaceInfo> {
    api(engine.workspace_info().await)
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
