import { useState } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Icon } from "../../components/icons";
import { RowActions } from "../../components/RowActions";
import { EmptyState, ErrorBanner, PageHeader, SkeletonRows } from "../../components/States";
import { useToast } from "../../components/Toasts";
import { api, type ProviderView_Serialize } from "../../ipc/api";
import { labelInText } from "../../lib/declaration";
import { relativeTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import { useRefresh } from "../connections/RefreshResults";
import { NewProvider } from "./AddProvider";
import { ProviderDialog } from "./ProviderDialog";
import { ModeBadge, ScopeBadge } from "./scope";
import { UsageDialog } from "./UsageDialog";

/** "A", "A or B", "A, B or C". */
function inWords(names: string[]): string {
  return names.length <= 1
    ? (names[0] ?? "")
    : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

type Dialog =
  | { kind: "create"; projectId: string | null }
  | { kind: "edit"; provider: ProviderView_Serialize }
  | { kind: "usage"; provider: ProviderView_Serialize }
  | { kind: "delete"; provider: ProviderView_Serialize };

/**
 * Where the manager is: the engine's one-line target (the AWS region, the Vault address,
 * the key vault's URL), and the namespace when it has one.
 */
function Location({ p }: { p: ProviderView_Serialize }) {
  const namespace = p.fields.namespace?.source === "plain" ? p.fields.namespace.value.trim() : "";
  return (
    <>
      <span className="mono">{p.target || "—"}</span>
      {namespace && (
        <span className="muted" data-testid="provider-namespace">
          {" "}
          · namespace <span className="mono">{namespace}</span>
        </span>
      )}
    </>
  );
}

interface TableProps {
  label: string;
  providers: ProviderView_Serialize[] | undefined;
  loading: boolean;
  /** The name of a manager's project, or null for the workspace's. */
  scopeName: (p: ProviderView_Serialize) => string | null;
  refresh: ReturnType<typeof useRefresh>;
  onEdit: (p: ProviderView_Serialize) => void;
  onUsage: (p: ProviderView_Serialize) => void;
  onDelete: (p: ProviderView_Serialize) => void;
}

/** The managers of one scope (the workspace, or a project), one row each. */
function ProviderTable({
  label,
  providers,
  loading,
  scopeName,
  refresh,
  onEdit,
  onUsage,
  onDelete,
}: TableProps) {
  return (
    <div className="table-wrap">
      <table className="table" aria-label={label}>
        <thead>
          <tr>
            <th>Alias</th>
            <th>Kind</th>
            <th>Location</th>
            <th>Sign-in</th>
            <th>Used by</th>
            <th>Changed</th>
            <th className="actions">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {loading && !providers ? (
            <SkeletonRows cols={7} rows={2} />
          ) : (
            providers?.map((p) => (
              <tr key={p.id} data-testid="provider-row" data-project={scopeName(p) ?? undefined}>
                <td>
                  <div className="provider-alias">
                    <button type="button" className="link-button strong mono" onClick={() => onEdit(p)}>
                      {p.alias}
                    </button>
                    <ScopeBadge projectName={scopeName(p)} />
                  </div>
                </td>
                <td>{p.kind_label}</td>
                <td className="truncate" data-testid="provider-location">
                  <Location p={p} />
                </td>
                <td>{p.auth_label || "—"}</td>
                <td className="muted truncate" title={p.used_by.join(", ")}>
                  {p.used_by.length === 0
                    ? "—"
                    : `${p.used_by.length} connection${p.used_by.length === 1 ? "" : "s"}`}
                </td>
                <td className="muted">{relativeTime(p.updated_at)}</td>
                <RowActions name={p.alias} onEdit={() => onEdit(p)} onDelete={() => onDelete(p)}>
                  <button
                    type="button"
                    className="button button-small"
                    aria-label={`Usage of ${p.alias}`}
                    title="Calls to this manager, cache hits and the rotation watch"
                    onClick={() => onUsage(p)}
                    data-testid="provider-usage"
                  >
                    Usage
                  </button>
                  <button
                    type="button"
                    className="button button-small"
                    aria-label={`Refresh connections using ${p.alias}`}
                    title={
                      p.used_by.length === 0
                        ? "No connection uses it yet"
                        : "Fetch its secrets again, so the connections using it pick up rotated values"
                    }
                    disabled={refresh.running !== undefined || p.used_by.length === 0}
                    aria-busy={refresh.running === `provider:${p.id}` || undefined}
                    onClick={() =>
                      refresh.run({ scope: "provider", id: p.id }, false, `Connections using “${p.alias}”`)
                    }
                  >
                    <span className={refresh.running === `provider:${p.id}` ? "spin" : undefined}>
                      <Icon.refresh />
                    </span>
                    {refresh.running === `provider:${p.id}` ? "Refreshing…" : "Refresh connections"}
                  </button>
                </RowActions>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

export function ProvidersPage() {
  const providers = useLoad(() => api.listProviders(), []);
  const info = useLoad(() => api.workspaceInfo(), []);
  const projects = useLoad(() => api.listProjects(), []);
  const types = useLoad(() => api.providerTypes(), []);
  const [dialog, setDialog] = useState<Dialog>();
  const toast = useToast();
  const refresh = useRefresh();
  const close = () => setDialog(undefined);
  const mode = info.data?.settings.secrets_mode;
  const projectMode = mode === "project";
  const projectOf = (id: string | null | undefined) =>
    id ? projects.data?.find((pr) => pr.id === id) : undefined;
  const scopeName = (p: ProviderView_Serialize) =>
    p.project_id ? (projectOf(p.project_id)?.name ?? "…") : null;
  /** The external ID an AssumeRole manager of this scope sends. */
  const externalIdOf = (projectId: string | null) =>
    (projectId ? projectOf(projectId)?.aws_external_id : info.data?.settings.aws_external_id) ?? "…";

  /** The kinds Latchkey can use, as a phrase ("A, B or C"). */
  const available = inWords(types.data?.filter((k) => k.available).map((k) => k.label) ?? []);
  /** The secrets a manager's kind keeps in the OS keychain (its secret fields), in running text. */
  const keptSecrets = (p: ProviderView_Serialize) =>
    (types.data?.find((t) => t.kind === p.kind)?.fields ?? [])
      .filter((f) => f.kind === "secret" || f.kind === "credential")
      .map((f) => labelInText(f.label));
  /** The declaration of the kind of the manager being edited (once the kinds are loaded). */
  const editSpec =
    dialog?.kind === "edit" ? types.data?.find((t) => t.kind === dialog.provider.kind) : undefined;

  const saved = (p: ProviderView_Serialize) => {
    toast(dialog?.kind === "create" ? `“${p.alias}” added` : `“${p.alias}” saved`);
    close();
    providers.reload();
  };
  const table = (label: string, list: ProviderView_Serialize[] | undefined, loading: boolean) => (
    <ProviderTable
      label={label}
      providers={list}
      loading={loading}
      scopeName={scopeName}
      refresh={refresh}
      onEdit={(provider) => setDialog({ kind: "edit", provider })}
      onUsage={(provider) => setDialog({ kind: "usage", provider })}
      onDelete={(provider) => setDialog({ kind: "delete", provider })}
    />
  );
  const addButton = (
    <button
      type="button"
      className="button button-primary"
      onClick={() => setDialog({ kind: "create", projectId: null })}
    >
      <Icon.plus /> Add secrets manager
    </button>
  );

  // Project mode: one group per project. A manager of no listed project (the workspace's,
  // or one whose project is gone) is listed apart rather than hidden.
  const projectIds = new Set(projects.data?.map((pr) => pr.id));
  const elsewhere = providers.data?.filter((p) => !p.project_id || !projectIds.has(p.project_id)) ?? [];
  const projectManagers = providers.data?.filter((p) => p.project_id) ?? [];
  const groupsLoading = (providers.loading && !providers.data) || (projects.loading && !projects.data);

  return (
    <section className="page" aria-labelledby="page-title">
      <PageHeader
        title="Secrets managers"
        subtitle={
          mode === undefined
            ? "External stores that connection credentials come from."
            : projectMode
              ? "External stores that connection credentials come from. Each project has its own; a connection may only use its own project's."
              : "External stores that connection credentials come from. Every project's connections can use these."
        }
        actions={
          <>
            <ModeBadge mode={mode} testId="providers-mode" />
            {!projectMode && addButton}
          </>
        }
      />
      {info.error !== undefined && <ErrorBanner error={info.error} onRetry={info.reload} />}
      {providers.error !== undefined && <ErrorBanner error={providers.error} onRetry={providers.reload} />}
      {types.error !== undefined && <ErrorBanner error={types.error} onRetry={types.reload} />}
      {projectMode && projects.error !== undefined && (
        <ErrorBanner error={projects.error} onRetry={projects.reload} />
      )}
      {!projectMode ? (
        providers.data?.length === 0 ? (
          <EmptyState icon={<Icon.vault />} title="No secrets manager yet" action={addButton}>
            Connect {available ? available : "a secrets manager"}, then pick secrets into any connection's
            credential fields.
          </EmptyState>
        ) : (
          table("Secrets managers", providers.data, providers.loading)
        )
      ) : groupsLoading ? (
        table("Secrets managers", undefined, true)
      ) : !projects.data ? (
        // The projects did not load (their error is above): the managers, ungrouped.
        providers.data && table("Secrets managers", providers.data, false)
      ) : (
        <>
          {projectManagers.length === 0 && providers.error === undefined && (
            <EmptyState
              icon={<Icon.vault />}
              title={projects.data?.length === 0 ? "No project yet" : "No project has a secrets manager yet"}
            >
              Project mode: each project has its own secrets managers (its own AWS IAM role with its own
              external ID, its own Vault AppRole), and a connection may only use its own project's.{" "}
              {projects.data?.length === 0
                ? "Create a project first (Projects in the sidebar), then add its secrets managers here."
                : "Use “Add secrets manager” under a project below."}
            </EmptyState>
          )}
          {projects.data?.map((pr) => {
            const own = providers.data?.filter((p) => p.project_id === pr.id) ?? [];
            const headingId = `provider-group-${pr.id}`;
            return (
              <section
                key={pr.id}
                className="provider-group"
                aria-labelledby={headingId}
                data-testid="provider-group"
                data-project={pr.name}
              >
                <header className="provider-group-header">
                  <h2 id={headingId}>{pr.name}</h2>
                  <span className="badge" data-testid="provider-count">
                    {own.length} manager{own.length === 1 ? "" : "s"}
                  </span>
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => setDialog({ kind: "create", projectId: pr.id })}
                    aria-label={`Add secrets manager to ${pr.name}`}
                    data-testid="add-provider"
                  >
                    <Icon.plus /> Add secrets manager
                  </button>
                </header>
                {own.length === 0 ? (
                  <p className="provider-group-empty muted">
                    No secrets manager for {pr.name} yet: its connections can only use typed-in credentials.
                  </p>
                ) : (
                  table(`Secrets managers of ${pr.name}`, own, false)
                )}
              </section>
            );
          })}
          {elsewhere.length > 0 && (
            <section className="provider-group" aria-labelledby="provider-group-elsewhere">
              <header className="provider-group-header">
                <h2 id="provider-group-elsewhere">Not in a project</h2>
              </header>
              {table("Secrets managers not in a project", elsewhere, false)}
            </section>
          )}
        </>
      )}
      <ul className="planned-list" aria-label="Planned secrets managers">
        {types.data
          ?.filter((k) => !k.available)
          .map((k) => (
            <li key={k.kind}>
              <span className="badge">Not available yet</span> {k.label}
            </li>
          ))}
      </ul>

      {refresh.element}
      {dialog?.kind === "create" && (
        <NewProvider
          types={types}
          projectId={dialog.projectId}
          projectName={projectOf(dialog.projectId)?.name}
          externalId={externalIdOf(dialog.projectId)}
          onClose={close}
          onSaved={saved}
        />
      )}
      {dialog?.kind === "edit" && editSpec && (
        <ProviderDialog
          spec={editSpec}
          provider={dialog.provider}
          projectId={dialog.provider.project_id ?? null}
          projectName={projectOf(dialog.provider.project_id)?.name}
          externalId={externalIdOf(dialog.provider.project_id ?? null)}
          onClose={close}
          onSaved={saved}
        />
      )}
      {dialog?.kind === "usage" && <UsageDialog provider={dialog.provider} onClose={close} />}
      {dialog?.kind === "delete" && (
        <ConfirmDialog
          title={`Remove “${dialog.provider.alias}”?`}
          danger
          confirmLabel="Remove"
          body={
            <p>
              {keptSecrets(dialog.provider).length > 0
                ? `Its settings are deleted and any secret it keeps (${keptSecrets(dialog.provider).join(", ")}) is removed from the OS keychain.`
                : "Its settings are deleted."}
            </p>
          }
          onConfirm={async () => {
            await api.deleteProvider(dialog.provider.id);
            toast(`“${dialog.provider.alias}” removed`);
            providers.reload();
          }}
          onClose={close}
        />
      )}
    </section>
  );
}
