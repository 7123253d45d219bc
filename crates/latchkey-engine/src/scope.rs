//! The secrets-mode rule as the engine applies it: which secrets manager a connection's
//! reference names. In workspace mode a reference `secret://ALIAS/…` names the
//! workspace's manager ALIAS; in project mode it names the manager ALIAS of the
//! connection's own project, and nothing else. The database refuses to store a blended
//! state or a cross-scope reference too (see the store's migrations); this module is
//! what gives the clear error first, and what the mode preview runs on hypothetical
//! managers.

use latchkey_core::{Connection, FieldValue, Project, ProviderConfig, SecretRef, SecretsMode};

use crate::{Engine, EngineError, Result};

/// Every manager and project at one moment, under one mode.
pub(crate) struct Managers {
    pub mode: SecretsMode,
    pub providers: Vec<ProviderConfig>,
    pub projects: Vec<Project>,
}

impl Managers {
    /// Whether `p` serves connections of `project_id` under this mode.
    pub fn in_scope(&self, p: &ProviderConfig, project_id: &str) -> bool {
        match self.mode {
            SecretsMode::Workspace => p.project_id.is_none(),
            SecretsMode::Project => p.project_id.as_deref() == Some(project_id),
        }
    }

    /// A project's name, by id.
    pub fn project(&self, id: &str) -> Option<&str> {
        self.projects
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.as_str())
    }

    fn project_name(&self, id: Option<&str>) -> String {
        match id {
            None => "the workspace".into(),
            Some(id) => self.project(id).map_or_else(
                || "another project".into(),
                |name| format!("project \"{name}\""),
            ),
        }
    }

    /// The manager a reference of a connection in `project_id` names, or why none does.
    pub fn find(&self, project_id: &str, alias: &str) -> Result<&ProviderConfig> {
        let named = |p: &&ProviderConfig| p.alias.eq_ignore_ascii_case(alias);
        if let Some(p) = self
            .providers
            .iter()
            .filter(named)
            .find(|p| self.in_scope(p, project_id))
        {
            return Ok(p);
        }
        let here = match self.mode {
            SecretsMode::Workspace => "the workspace".to_owned(),
            SecretsMode::Project => self.project_name(Some(project_id)),
        };
        if let Some(elsewhere) = self.providers.iter().find(named) {
            return Err(EngineError::ScopeRule(format!(
                "\"{alias}\" is a secrets manager of {}, and secrets management is in {} mode: a connection may only use {}. Add a manager named \"{alias}\" to {here}, or pick the secret from one of its own managers.",
                self.project_name(elsewhere.project_id.as_deref()),
                self.mode.as_str(),
                match self.mode {
                    SecretsMode::Workspace => "the workspace's secrets managers",
                    SecretsMode::Project => "its own project's secrets managers",
                },
            )));
        }
        Err(EngineError::NotFound(format!(
            "No secrets manager of {here} has the alias \"{alias}\": add it under Secrets managers, or fix the reference."
        )))
    }
}

/// The secret references of a connection, with the field each is in.
pub(crate) fn references(c: &Connection) -> impl Iterator<Item = (&str, &SecretRef)> {
    c.fields.iter().filter_map(|(k, f)| match f {
        FieldValue::Secret { reference } => Some((k.as_str(), reference)),
        _ => None,
    })
}

impl Engine {
    /// The managers and projects now.
    pub(crate) async fn managers(&self) -> Result<Managers> {
        Ok(Managers {
            mode: self.store.settings().get().await?.secrets_mode,
            providers: self.store.providers().list().await?,
            projects: self.store.projects().list().await?,
        })
    }
}
