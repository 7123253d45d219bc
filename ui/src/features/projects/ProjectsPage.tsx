import { useState } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Icon } from "../../components/icons";
import { RowActions } from "../../components/RowActions";
import { EmptyState, ErrorBanner, PageHeader, SkeletonRows } from "../../components/States";
import { useToast } from "../../components/Toasts";
import { api, type ProjectSummary, type ProviderView_Serialize } from "../../ipc/api";
import { relativeTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import { NewProvider } from "../providers/AddProvider";
import { ExternalIdField } from "../providers/ExternalId";
import { ModeBadge } from "../providers/scope";
import { ProjectDialog } from "./ProjectDialog";

type Dialog =
  | { kind: "create" }
  | { kind: "add-provider"; project: ProjectSummary }
  | { kind: "edit"; project: ProjectSummary }
  | { kind: "delete"; project: ProjectSummary };

export function ProjectsPage({ onOpenProject }: { onOpenProject: (projectId: string) => void }) {
  const projects = useLoad(() => api.listProjects(), []);
  const info = useLoad(() => api.workspaceInfo(), []);
  const providers = useLoad(() => api.listProviders(), []);
  // The kinds a manager can be added as (the chooser lists them).
  const types = useLoad(() => api.providerTypes(), []);
  const [dialog, setDialog] = useState<Dialog>();
  const toast = useToast();
  const close = () => setDialog(undefined);
  const mode = info.data?.settings.secrets_mode;
  const projectMode = mode === "project";
  const managersOf = (projectId: string): ProviderView_Serialize[] | undefined =>
    providers.data?.filter((p) => p.project_id === projectId);

  const newButton = (
    <button type="button" className="button button-primary" onClick={() => setDialog({ kind: "create" })}>
      <Icon.plus /> New project
    </button>
  );

  return (
    <section className="page" aria-labelledby="page-title">
      <PageHeader
        title="Projects"
        subtitle="Projects group connections by team or environment."
        actions={
          <>
            <ModeBadge mode={mode} testId="projects-mode" />
            {newButton}
          </>
        }
      />
      {projects.error !== undefined && <ErrorBanner error={projects.error} onRetry={projects.reload} />}
      {mode === "workspace" && (
        <p className="muted" data-testid="projects-mode-hint">
          Secrets managers are workspace-wide (workspace mode): every project's connections can use them.
          Settings › Secrets management switches to project mode, where each project has its own.
        </p>
      )}
      {projectMode && providers.error !== undefined && (
        <ErrorBanner error={providers.error} onRetry={providers.reload} />
      )}
      {projects.data?.length === 0 ? (
        <EmptyState icon={<Icon.projects />} title="No projects yet" action={newButton}>
          Create a project to start adding connections.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Projects">
            <thead>
              <tr>
                <th>Name</th>
                <th>Description</th>
                <th className="num">Connections</th>
                {projectMode && <th>Secrets managers</th>}
                <th>Changed</th>
                <th className="actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {projects.loading && !projects.data ? (
                <SkeletonRows cols={projectMode ? 6 : 5} rows={3} />
              ) : (
                projects.data?.map((p) => (
                  <tr key={p.id} data-testid="project-row">
                    <td>
                      <button
                        type="button"
                        className="link-button strong"
                        onClick={() => onOpenProject(p.id)}
                      >
                        {p.name}
                      </button>
                    </td>
                    <td className="muted truncate">{p.description || "—"}</td>
                    <td className="num">{p.connection_count}</td>
                    {projectMode && (
                      <td data-testid="project-managers-cell">
                        <ManagerBadges managers={managersOf(p.id)} />
                      </td>
                    )}
                    <td className="muted" title={p.updated_at}>
                      {relativeTime(p.updated_at)}
                    </td>
                    <RowActions
                      name={p.name}
                      onEdit={() => setDialog({ kind: "edit", project: p })}
                      onDelete={() => setDialog({ kind: "delete", project: p })}
                    />
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      )}

      {projectMode && projects.data && projects.data.length > 0 && (
        <section className="project-secrets" aria-labelledby="project-secrets-title">
          <h2 id="project-secrets-title">Secrets managers per project</h2>
          <p className="muted">
            Project mode: each project has its own secrets managers, and its connections may only use those.
            An AWS manager that assumes a role sends its project's external ID.
          </p>
          <ul className="project-secrets-list">
            {projects.data.map((p) => {
              const own = managersOf(p.id);
              return (
                <li
                  key={p.id}
                  className="card project-secrets-card"
                  data-testid="project-managers"
                  data-project={p.name}
                >
                  <div className="card-header">
                    <h3>{p.name}</h3>
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => setDialog({ kind: "add-provider", project: p })}
                      aria-label={`Add secrets manager to ${p.name}`}
                      data-testid="project-add-provider"
                    >
                      <Icon.plus /> Add secrets manager
                    </button>
                  </div>
                  {own === undefined ? (
                    <p className="muted">{providers.loading ? "Loading…" : "—"}</p>
                  ) : own.length === 0 ? (
                    <p className="muted">
                      No secrets manager yet: its connections can only use typed-in credentials.
                    </p>
                  ) : (
                    <ul className="project-managers" aria-label={`Secrets managers of ${p.name}`}>
                      {own.map((m) => (
                        <li key={m.id}>
                          <span className="mono strong">{m.alias}</span>{" "}
                          <span className="muted">{m.kind_label}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                  <ExternalIdField externalId={p.aws_external_id} projectName={p.name} collapsed />
                </li>
              );
            })}
          </ul>
        </section>
      )}

      {dialog?.kind === "add-provider" && (
        <NewProvider
          types={types}
          projectId={dialog.project.id}
          projectName={dialog.project.name}
          externalId={dialog.project.aws_external_id}
          onClose={close}
          onSaved={(m) => {
            toast(`“${m.alias}” added to ${dialog.project.name}`);
            close();
            providers.reload();
          }}
        />
      )}
      {(dialog?.kind === "create" || dialog?.kind === "edit") && (
        <ProjectDialog
          project={dialog.kind === "edit" ? dialog.project : undefined}
          onClose={close}
          onSaved={(p) => {
            toast(dialog.kind === "create" ? `Project “${p.name}” created` : `Project “${p.name}” saved`);
            close();
            projects.reload();
          }}
        />
      )}
      {dialog?.kind === "delete" && (
        <ConfirmDialog
          title={`Delete “${dialog.project.name}”?`}
          danger
          confirmLabel="Delete project"
          body={
            dialog.project.connection_count > 0 ? (
              <p>
                Its <strong>{dialog.project.connection_count}</strong> connection
                {dialog.project.connection_count === 1 ? "" : "s"} will be deleted too, and their stored
                passwords removed from the OS keychain. This cannot be undone.
              </p>
            ) : (
              <p>The project has no connections. This cannot be undone.</p>
            )
          }
          onConfirm={async () => {
            await api.deleteProject(dialog.project.id);
            toast(`Project “${dialog.project.name}” deleted`);
            projects.reload();
          }}
          onClose={close}
        />
      )}
    </section>
  );
}

/** A project's own managers in its row: how many, and their aliases (the kind in the tooltip). */
function ManagerBadges({ managers }: { managers: ProviderView_Serialize[] | undefined }) {
  if (managers === undefined) return <span className="muted">…</span>;
  if (managers.length === 0) return <span className="muted">None</span>;
  return (
    <span className="project-manager-badges">
      <span className="muted">{managers.length}:</span>{" "}
      {managers.map((m) => (
        <span key={m.id} className="badge mono" title={m.kind_label}>
          {m.alias}
        </span>
      ))}
    </span>
  );
}
