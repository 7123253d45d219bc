//! Switching the secrets mode (workspace ⇄ project), in two steps.
//!
//! **Preview**: every secret reference in the workspace and what becomes of it (stops
//! working, or is served by a manager of the new scope — and whether that manager can
//! really read it: a dry run resolves each mapped reference and throws the value away),
//! the managers that go, and the projects (or the workspace) left with none. The mapping
//! proposes, per project, a copy of each workspace manager its connections use (project
//! mode), or per alias the project manager most references use (workspace mode); a copy
//! keeps the kind, settings, credentials and alias, so references keep their text.
//!
//! **Switch**: credentials of the copies are written to the keychain first; then one
//! SQLite transaction removes the old scope's managers, changes the mode and adds the
//! copies (the database's triggers refuse anything blended). A failure undoes all of it
//! (keychain copies included); success forgets the old managers' clients and cached
//! values and their keychain entries. Both steps are audited.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use latchkey_core::{
    AuditOutcome, Connection, ProviderConfig, ProviderKind, SecretRef, SecretsMode, ipc_type,
};
use latchkey_keychain::new_handle;
use latchkey_providers::SecretsProvider;
use latchkey_store::NewProvider;
use serde::{Deserialize, Serialize};

use crate::scope::{Managers, references};
use crate::{Engine, EngineError, Result};

ipc_type! {
/// One manager of the new scope: a copy of `source_id` for `project_id` (`None`: the
/// workspace).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ModeMapping {
    pub source_id: String,
    pub project_id: Option<String>,
}
}

ipc_type! {
/// A mode switch (or its preview).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModeRequest {
    pub to: SecretsMode,
    /// The managers to create in the new scope; `None` takes the proposed ones.
    #[serde(default)]
    pub mappings: Option<Vec<ModeMapping>>,
}
}

ipc_type! {
/// A manager the switch could create in the new scope.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProposedManager {
    pub mapping: ModeMapping,
    pub alias: String,
    pub kind: ProviderKind,
    pub kind_label: String,
    /// Where the source lives now ("workspace" or the project's name).
    pub from_scope: String,
    /// Where the copy would live ("workspace" or the project's name).
    pub to_scope: String,
    /// How many references the copy would serve.
    pub serves: u32,
    /// Part of the request (or of the proposal, when the request names none).
    pub selected: bool,
    /// AWS AssumeRole: the external ID the copy would send (the new scope's), which the
    /// role's trust policy must accept.
    pub external_id: Option<String>,
}
}

ipc_type! {
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpactStatus {
    /// No manager of the new scope would serve it: it stops working.
    Stops,
    /// A mapped manager serves it, and the dry run read it.
    Works,
    /// A mapped manager serves it, but the dry run failed (see `detail`).
    Fails,
    /// It names no manager even now; the switch changes nothing for it.
    AlreadyBroken,
}
}

ipc_type! {
/// One secret reference and what the switch does to it. Never a value.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReferenceImpact {
    pub connection_id: String,
    pub connection: String,
    pub project: String,
    pub field: String,
    pub reference: String,
    /// The manager that serves it now, as "alias (scope)".
    pub manager_now: Option<String>,
    /// The manager that would serve it after the switch.
    pub manager_after: Option<String>,
    pub status: ImpactStatus,
    /// Why it stops or fails.
    pub detail: String,
}
}

ipc_type! {
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModePreview {
    pub from: SecretsMode,
    pub to: SecretsMode,
    pub proposals: Vec<ProposedManager>,
    pub references: Vec<ReferenceImpact>,
    /// References that would stop working or fail the dry run.
    pub breaking: u32,
    /// The managers the switch removes, as "alias (scope)".
    pub removed: Vec<String>,
    /// Projects left without a secrets manager (project mode), or "the workspace".
    pub without_manager: Vec<String>,
}
}

ipc_type! {
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModeSwitchReport {
    pub mode: SecretsMode,
    pub removed: Vec<String>,
    pub added: Vec<String>,
    /// References that no longer name a manager.
    pub broken: u32,
}
}

/// What a switch would do, before the dry run.
struct Plan {
    from: SecretsMode,
    to: SecretsMode,
    now: Managers,
    /// The managers after the switch (the copies have "planned:" ids).
    after: Managers,
    /// Planned id → (source, mapping).
    copies: BTreeMap<String, (ProviderConfig, ModeMapping)>,
    proposals: Vec<ProposedManager>,
    connections: Vec<Connection>,
}

fn planned_id(m: &ModeMapping) -> String {
    format!(
        "planned:{}:{}",
        m.source_id,
        m.project_id.as_deref().unwrap_or("")
    )
}

impl Managers {
    fn scope_name(&self, project_id: Option<&str>) -> String {
        match project_id {
            None => "workspace".into(),
            Some(id) => self.project(id).unwrap_or(id).to_owned(),
        }
    }

    fn label(&self, p: &ProviderConfig) -> String {
        format!("{} ({})", p.alias, self.scope_name(p.project_id.as_deref()))
    }
}

impl Engine {
    async fn plan(&self, request: &ModeRequest) -> Result<Plan> {
        let now = self.managers().await?;
        let (from, to) = (now.mode, request.to);
        if from == to {
            return Err(EngineError::field(
                "to",
                format!("Secrets management is already in {} mode.", to.as_str()),
            ));
        }
        let connections = self.store.connections().list(None).await?;
        // How many references each current manager serves, per project.
        let mut uses: BTreeMap<(String, String), u32> = BTreeMap::new();
        for c in &connections {
            for (_, r) in references(c) {
                if let Ok(p) = now.find(&c.project_id, &r.provider) {
                    *uses
                        .entry((p.id.clone(), c.project_id.clone()))
                        .or_default() += 1;
                }
            }
        }
        let mut proposals = Vec::new();
        match to {
            SecretsMode::Project => {
                for project in &now.projects {
                    for source in &now.providers {
                        let serves = uses
                            .get(&(source.id.clone(), project.id.clone()))
                            .copied()
                            .unwrap_or(0);
                        proposals.push((
                            source.clone(),
                            ModeMapping {
                                source_id: source.id.clone(),
                                project_id: Some(project.id.clone()),
                            },
                            serves,
                            serves > 0,
                        ));
                    }
                }
            }
            SecretsMode::Workspace => {
                // Per alias, the project manager most references use is proposed.
                let mut best: BTreeMap<String, (u32, String)> = BTreeMap::new();
                for source in &now.providers {
                    let serves: u32 = uses
                        .iter()
                        .filter(|((id, _), _)| *id == source.id)
                        .map(|(_, n)| n)
                        .sum();
                    let alias = source.alias.to_lowercase();
                    let entry = best.entry(alias).or_insert((serves, source.id.clone()));
                    if serves > entry.0 {
                        *entry = (serves, source.id.clone());
                    }
                    proposals.push((
                        source.clone(),
                        ModeMapping {
                            source_id: source.id.clone(),
                            project_id: None,
                        },
                        serves,
                        false,
                    ));
                }
                for (source, _, _, selected) in &mut proposals {
                    *selected = best
                        .get(&source.alias.to_lowercase())
                        .is_some_and(|(_, id)| *id == source.id);
                }
            }
        }
        let chosen: BTreeSet<ModeMapping> = match &request.mappings {
            Some(m) => m.iter().cloned().collect(),
            None => proposals
                .iter()
                .filter(|(_, _, _, selected)| *selected)
                .map(|(_, m, _, _)| m.clone())
                .collect(),
        };
        // Every chosen mapping must be one of the possible ones, with one alias per scope.
        let mut copies = BTreeMap::new();
        let mut aliases = BTreeSet::new();
        for m in &chosen {
            let Some((source, ..)) = proposals.iter().find(|(_, pm, ..)| pm == m) else {
                return Err(EngineError::field(
                    "mappings",
                    "A mapping names a secrets manager or project that does not exist (any more), or a scope that does not match the new mode: preview again.",
                ));
            };
            if !aliases.insert((m.project_id.clone(), source.alias.to_lowercase())) {
                return Err(EngineError::field(
                    "mappings",
                    format!(
                        "Two secrets managers named \"{}\" would land in the {}: choose one of them.",
                        source.alias,
                        now.scope_name(m.project_id.as_deref())
                    ),
                ));
            }
            copies.insert(planned_id(m), (source.clone(), m.clone()));
        }
        let after = Managers {
            mode: to,
            providers: copies
                .iter()
                .map(|(id, (source, m))| ProviderConfig {
                    id: id.clone(),
                    project_id: m.project_id.clone(),
                    ..source.clone()
                })
                .collect(),
            projects: now.projects.clone(),
        };
        let mut views = Vec::new();
        for (source, mapping, serves, _) in proposals {
            let external_id = if source.kind == ProviderKind::AwsSecretsManager
                && source.settings["auth"] == "assume_role"
            {
                Some(self.external_id(mapping.project_id.as_deref()).await?)
            } else {
                None
            };
            views.push(ProposedManager {
                selected: chosen.contains(&mapping),
                alias: source.alias.clone(),
                kind: source.kind,
                kind_label: source.kind.label().into(),
                from_scope: now.scope_name(source.project_id.as_deref()),
                to_scope: now.scope_name(mapping.project_id.as_deref()),
                serves,
                external_id,
                mapping,
            });
        }
        Ok(Plan {
            from,
            to,
            now,
            after,
            copies,
            proposals: views,
            connections,
        })
    }

    /// What switching to `request.to` would do, with a dry run of every mapped reference.
    pub async fn preview_mode(&self, request: ModeRequest) -> Result<ModePreview> {
        let plan = self.plan(&request).await?;
        let mut impacts = Vec::new();
        // (planned manager, reference) → the impacts it decides.
        let mut dry: BTreeMap<(String, SecretRef), Vec<usize>> = BTreeMap::new();
        for c in &plan.connections {
            let project = plan.now.scope_name(Some(&c.project_id));
            for (field, r) in references(c) {
                let now = plan.now.find(&c.project_id, &r.provider);
                let after = plan.after.find(&c.project_id, &r.provider);
                let (status, detail) = match (&now, &after) {
                    (Err(e), _) => (ImpactStatus::AlreadyBroken, e.to_string()),
                    (Ok(_), Err(e)) => (ImpactStatus::Stops, e.to_string()),
                    (Ok(_), Ok(p)) => {
                        dry.entry((p.id.clone(), r.clone()))
                            .or_default()
                            .push(impacts.len());
                        (ImpactStatus::Works, String::new())
                    }
                };
                impacts.push(ReferenceImpact {
                    connection_id: c.id.clone(),
                    connection: c.name.clone(),
                    project: project.clone(),
                    field: field.to_owned(),
                    reference: r.to_string(),
                    manager_now: now.ok().map(|p| plan.now.label(p)),
                    manager_after: after.ok().map(|p| plan.after.label(p)),
                    status,
                    detail,
                });
            }
        }
        // The dry run: each distinct (planned manager, reference) read once, eight at a
        // time, through a client built from the copy's settings in its new scope.
        let mut clients: BTreeMap<String, Result<Arc<dyn SecretsProvider>, String>> =
            BTreeMap::new();
        for (id, (source, m)) in &plan.copies {
            let copy = ProviderConfig {
                project_id: m.project_id.clone(),
                ..source.clone()
            };
            clients.insert(
                id.clone(),
                self.new_client(&copy).await.map_err(|e| e.to_string()),
            );
        }
        let gate = Arc::new(tokio::sync::Semaphore::new(8));
        let mut tasks = tokio::task::JoinSet::new();
        for ((id, r), slots) in &dry {
            let client = clients[id].clone();
            let (r, gate, slots) = (r.clone(), gate.clone(), slots.clone());
            tasks.spawn(async move {
                let _permit = gate.acquire_owned().await;
                let outcome = match client {
                    // The value is dropped (and zeroized) at once: only success matters.
                    Ok(c) => c.read(&r).await.map(drop).map_err(|e| e.to_string()),
                    Err(e) => Err(e),
                };
                (r, slots, outcome)
            });
        }
        while let Some(done) = tasks.join_next().await {
            let (r, slots, outcome) =
                done.map_err(|e| EngineError::Internal(format!("dry-run task failed: {e}")))?;
            let (audit, detail) = match &outcome {
                Ok(()) => (AuditOutcome::Ok, "mode preview dry run".to_owned()),
                Err(e) => (AuditOutcome::Failed, format!("mode preview dry run: {e}")),
            };
            self.audit("secret.read", r.to_string(), audit, detail)
                .await;
            if let Err(e) = outcome {
                for i in slots {
                    impacts[i].status = ImpactStatus::Fails;
                    impacts[i].detail.clone_from(&e);
                }
            }
        }
        let breaking = impacts
            .iter()
            .filter(|i| matches!(i.status, ImpactStatus::Stops | ImpactStatus::Fails))
            .count();
        let without_manager = match plan.to {
            SecretsMode::Project => plan
                .now
                .projects
                .iter()
                .filter(|p| {
                    !plan
                        .after
                        .providers
                        .iter()
                        .any(|m| m.project_id.as_deref() == Some(&p.id))
                })
                .map(|p| p.name.clone())
                .collect(),
            SecretsMode::Workspace if plan.after.providers.is_empty() => {
                vec!["the workspace".into()]
            }
            SecretsMode::Workspace => Vec::new(),
        };
        self.audit(
            "mode.previewed",
            format!("mode:{}", plan.to.as_str()),
            AuditOutcome::Ok,
            format!(
                "{} → {}: {} references, {breaking} would break, {} managers mapped",
                plan.from.as_str(),
                plan.to.as_str(),
                impacts.len(),
                plan.copies.len()
            ),
        )
        .await;
        Ok(ModePreview {
            from: plan.from,
            to: plan.to,
            removed: plan
                .now
                .providers
                .iter()
                .map(|p| plan.now.label(p))
                .collect(),
            proposals: plan.proposals,
            breaking: u32::try_from(breaking).unwrap_or(u32::MAX),
            references: impacts,
            without_manager,
        })
    }

    /// Switches the mode: one atomic step (see the module's documentation).
    pub async fn switch_mode(&self, request: ModeRequest) -> Result<ModeSwitchReport> {
        let plan = self.plan(&request).await?;
        let target = format!("mode:{}", plan.to.as_str());
        let fail = |e: EngineError| {
            let target = target.clone();
            async move {
                self.audit(
                    "mode.switched",
                    target,
                    AuditOutcome::Failed,
                    format!("nothing changed: {e}"),
                )
                .await;
                e
            }
        };
        // The copies' credentials, under new handles (the old ones go with the old managers).
        let mut written = Vec::new();
        let mut news = Vec::new();
        for (source, m) in plan.copies.values() {
            let mut handles = BTreeMap::new();
            for (name, old) in &source.keychain_handles {
                let (old, new) = (old.clone(), new_handle("provider"));
                let h = new.clone();
                let copied = self
                    .keychain(move |kc| {
                        let value = kc.get(&old)?;
                        kc.set(&h, &value)
                    })
                    .await;
                if let Err(e) = copied {
                    self.forget_credentials(written).await;
                    return Err(fail(e).await);
                }
                written.push(new.clone());
                handles.insert(name.clone(), new);
            }
            news.push(NewProvider {
                alias: source.alias.clone(),
                kind: source.kind,
                project_id: m.project_id.clone(),
                settings: source.settings.clone(),
                keychain_handles: handles,
            });
        }
        let (removed, added) = match self
            .store
            .settings()
            .switch_secrets_mode(plan.to, &news)
            .await
        {
            Ok(done) => done,
            Err(e) => {
                self.forget_credentials(written).await;
                return Err(fail(e.into()).await);
            }
        };
        for p in &removed {
            self.forget_provider(&p.id);
            self.forget_credentials(p.keychain_handles.values().cloned().collect())
                .await;
        }
        let after = self.managers().await?;
        let broken = plan
            .connections
            .iter()
            .flat_map(|c| references(c).map(move |(_, r)| (c, r)))
            .filter(|(c, r)| after.find(&c.project_id, &r.provider).is_err())
            .count();
        let report = ModeSwitchReport {
            mode: plan.to,
            removed: removed.iter().map(|p| plan.now.label(p)).collect(),
            added: added.iter().map(|p| after.label(p)).collect(),
            broken: u32::try_from(broken).unwrap_or(u32::MAX),
        };
        self.audit(
            "mode.switched",
            target,
            AuditOutcome::Ok,
            format!(
                "{} → {}: removed [{}], added [{}], {broken} references name no manager",
                plan.from.as_str(),
                plan.to.as_str(),
                report.removed.join(", "),
                report.added.join(", ")
            ),
        )
        .await;
        Ok(report)
    }
}
