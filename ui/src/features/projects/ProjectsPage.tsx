import { useState } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Icon } from "../../components/icons";
import { RowActions } from "../../components/RowActions";
import { EmptyState, ErrorBanner, PageHeader, SkeletonRows } from "../../components/States";
import { useToast } from "../../components/Toasts";
import { api, type ProjectSummary } from "../../ipc/api";
import { relativeTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import { ProjectDialog } from "./ProjectDialog";

type Dialog =
  | { kind: "create" }
  | { kind: "edit"; project: ProjectSummary }
  | { kind: "delete"; project: ProjectSummary };

export function ProjectsPage({ onOpenProject }: { onOpenProject: (projectId: string) => void }) {
  const projects = useLoad(() => api.listProjects(), []);
  const [dialog, setDialog] = useState<Dialog>();
  const toast = useToast();
  const close = () => setDialog(undefined);

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
        actions={newButton}
      />
      {projects.error !== undefined && <ErrorBanner error={projects.error} onRetry={projects.reload} />}
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
                <th>Changed</th>
                <th className="actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {projects.loading && !projects.data ? (
                <SkeletonRows cols={5} rows={3} />
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
