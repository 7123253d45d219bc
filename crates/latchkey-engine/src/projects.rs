//! Projects: named groups of connections.

use latchkey_core::{AuditOutcome, Project, ipc_type, validate};
use serde::{Deserialize, Serialize};

use crate::{Engine, EngineError, Result};

ipc_type! {
/// A project with the number of connections it holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProjectSummary {
    #[serde(flatten)]
    pub project: Project,
    pub connection_count: u32,
}
}

fn checked(name: &str, description: &str) -> Result<(String, String)> {
    let mut errors = Vec::new();
    let name = validate::name(&mut errors, "name", "project", name);
    let description = description.trim();
    if description.chars().count() > 500 {
        errors.push(latchkey_core::FieldError {
            field: "description".into(),
            message: "The description is too long: use at most 500 characters.".into(),
        });
    }
    if errors.is_empty() {
        Ok((name, description.to_owned()))
    } else {
        Err(EngineError::Validation(errors))
    }
}

impl Engine {
    pub async fn list_projects(&self) -> Result<Vec<ProjectSummary>> {
        let projects = self.store.projects().list().await?;
        let connections = self.store.connections().list(None).await?;
        Ok(projects
            .into_iter()
            .map(|project| {
                let count = connections
                    .iter()
                    .filter(|c| c.project_id == project.id)
                    .count();
                ProjectSummary {
                    project,
                    connection_count: u32::try_from(count).unwrap_or(u32::MAX),
                }
            })
            .collect())
    }

    pub async fn create_project(&self, name: &str, description: &str) -> Result<Project> {
        let (name, description) = checked(name, description)?;
        let project = self.store.projects().create(&name, &description).await?;
        self.audit(
            "project.created",
            format!("project:{}", project.name),
            AuditOutcome::Ok,
            String::new(),
        )
        .await;
        Ok(project)
    }

    /// Renames a project and/or changes its description.
    pub async fn update_project(&self, id: &str, name: &str, description: &str) -> Result<Project> {
        let (name, description) = checked(name, description)?;
        let before = self.store.projects().get(id).await?;
        let project = self
            .store
            .projects()
            .update(id, &name, &description)
            .await?;
        let detail = if before.name == project.name {
            String::new()
        } else {
            format!("renamed from \"{}\"", before.name)
        };
        self.audit(
            "project.updated",
            format!("project:{}", project.name),
            AuditOutcome::Ok,
            detail,
        )
        .await;
        Ok(project)
    }

    /// Deletes a project with its connections, and removes those connections' literal
    /// credentials from the keychain.
    pub async fn delete_project(&self, id: &str) -> Result<()> {
        let project = self.store.projects().get(id).await?;
        let connections = self.store.connections().list(Some(id)).await?;
        // Its own secrets managers (project mode) go with it (the foreign key cascades).
        let managers: Vec<_> = self
            .store
            .providers()
            .list()
            .await?
            .into_iter()
            .filter(|p| p.project_id.as_deref() == Some(id))
            .collect();
        self.store.projects().delete(id).await?;
        let handles: Vec<String> = connections
            .iter()
            .flat_map(|c| c.keychain_handles().map(str::to_owned))
            .chain(
                managers
                    .iter()
                    .flat_map(|p| p.keychain_handles.values().cloned()),
            )
            .collect::<Vec<_>>();
        self.forget_credentials(handles).await;
        for p in &managers {
            self.forget_provider(&p.id);
        }
        let detail = format!(
            "with {} connection(s) and {} secrets manager(s)",
            connections.len(),
            managers.len()
        );
        self.audit(
            "project.deleted",
            format!("project:{}", project.name),
            AuditOutcome::Ok,
            detail,
        )
        .await;
        Ok(())
    }
}
