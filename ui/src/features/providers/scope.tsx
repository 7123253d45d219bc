import type { SecretsMode } from "../../ipc/api";

/** "Workspace" or "Project": the mode's name as badges and buttons say it. */
export const MODE_NAME: Record<SecretsMode, string> = { workspace: "Workspace", project: "Project" };

/**
 * "Workspace mode" / "Project mode"; "…" while the mode is not known yet. `nameTestId`
 * marks the mode's name alone ("Workspace"), for tests that read just that.
 */
export function ModeBadge({
  mode,
  testId,
  nameTestId,
}: {
  mode: SecretsMode | undefined;
  testId?: string;
  nameTestId?: string;
}) {
  return (
    <span
      className={mode === "project" ? "badge badge-accent mode-badge" : "badge mode-badge"}
      data-testid={testId}
      data-mode={mode}
    >
      {mode ? (
        <>
          <span data-testid={nameTestId}>{MODE_NAME[mode]}</span> mode
        </>
      ) : (
        "…"
      )}
    </span>
  );
}

/** Whose a secrets manager is: the workspace's, or one project's. */
export function ScopeBadge({ projectName }: { projectName: string | null }) {
  return (
    <span className="badge badge-quiet" data-testid="provider-scope">
      {projectName === null ? "Workspace" : `Project: ${projectName}`}
    </span>
  );
}

/** The line a manager's setup dialog shows under its title: which scope it is for. */
export function ScopeLine({ projectId, projectName }: { projectId: string | null; projectName?: string }) {
  return (
    <p className="scope-line" data-testid="provider-dialog-scope">
      <span className="badge badge-accent">
        {projectId === null ? "For the workspace" : `For project ${projectName ?? "…"}`}
      </span>{" "}
      <span className="muted small">
        {projectId === null
          ? "Every project's connections may use it."
          : "Only this project's connections may use it (project mode)."}
      </span>
    </p>
  );
}
