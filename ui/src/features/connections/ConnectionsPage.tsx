import { useEffect, useMemo, useState } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Icon } from "../../components/icons";
import { Modal } from "../../components/Modal";
import { RowActions } from "../../components/RowActions";
import { SplitButton } from "../../components/SplitButton";
import { EmptyState, ErrorBanner, PageHeader, SkeletonRows } from "../../components/States";
import { useToast } from "../../components/Toasts";
import {
  api,
  type ConnectionSecrets_Serialize,
  type ConnectionView,
  errorMessage,
  type TypeSpec,
} from "../../ipc/api";
import { dateTime, shortTime, within } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import { ConnectionForm } from "./ConnectionForm";
import { scopeKey, useRefresh } from "./RefreshResults";
import { TestDialog } from "./TestDialog";

type Dialog =
  | { kind: "create" }
  | { kind: "edit"; connection: ConnectionView }
  | { kind: "delete"; connection: ConnectionView }
  | { kind: "test"; connection: ConnectionView };

function CredentialBadges({ c, spec }: { c: ConnectionView; spec?: TypeSpec }) {
  const creds = spec?.fields.filter((f) => f.kind === "credential") ?? [];
  return (
    <div className="credential-badges">
      {creds.map((f) => {
        const v = c.fields[f.key];
        if (v?.source === "literal")
          return (
            <span key={f.key} className="badge" title={`${f.label}: stored in the OS keychain`}>
              <Icon.key /> Keychain
            </span>
          );
        if (v?.source === "secret")
          return (
            <span key={f.key} className="badge badge-accent mono" title={`${f.label}: ${v.reference}`}>
              <Icon.link /> Secret
            </span>
          );
        return null;
      })}
    </div>
  );
}

/** A rotation this recent gets a badge on the connection's row. */
const ROTATED_BADGE_SECS = 24 * 3600;

/** What the cache knows about a connection's secrets: fetched when, rotated lately, stale. */
function SecretStatus({ s }: { s?: ConnectionSecrets_Serialize }) {
  if (!s) return null;
  return (
    <div className="secret-status" data-testid="secret-status">
      {s.stale && (
        <span className="badge badge-warn" title={s.stale} data-testid="stale-badge">
          <Icon.alert /> stale
          <span className="sr-only">: {s.stale}</span>
        </span>
      )}
      {s.rotated_at && within(s.rotated_at, ROTATED_BADGE_SECS) && (
        <span className="badge badge-accent" title={dateTime(s.rotated_at)} data-testid="rotated-badge">
          rotated {shortTime(s.rotated_at)}
        </span>
      )}
      {s.fetched_at && (
        <span className="muted small" title={dateTime(s.fetched_at)}>
          fetched {shortTime(s.fetched_at)}
        </span>
      )}
    </div>
  );
}

export function ConnectionsPage({
  projectFilter,
  onProjectFilter,
}: {
  projectFilter: string;
  onProjectFilter: (id: string) => void;
}) {
  const types = useLoad(() => api.connectionTypes(), []);
  const projects = useLoad(() => api.listProjects(), []);
  const connections = useLoad(() => api.listConnections(projectFilter || null), [projectFilter]);
  const secrets = useLoad(() => api.connectionSecrets(), []);
  const refresh = useRefresh(secrets.reload);
  const [query, setQuery] = useState("");
  const [dialog, setDialog] = useState<Dialog>();
  const toast = useToast();
  const close = () => setDialog(undefined);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "n" && !dialog) {
        e.preventDefault();
        setDialog({ kind: "create" });
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [dialog]);

  const projectName = useMemo(() => {
    const map = new Map(projects.data?.map((p) => [p.id, p.name]));
    return (id: string) => map.get(id) ?? "—";
  }, [projects.data]);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    const all = connections.data ?? [];
    return q
      ? all.filter((c) => c.name.toLowerCase().includes(q) || c.target.toLowerCase().includes(q))
      : all;
  }, [connections.data, query]);

  const status = useMemo(() => new Map(secrets.data?.map((s) => [s.connection_id, s])), [secrets.data]);

  const ready = types.data && projects.data;
  const newButton = (
    <button
      type="button"
      className="button button-primary"
      onClick={() => setDialog({ kind: "create" })}
      disabled={!ready || projects.data?.length === 0}
      title="New connection (Ctrl+N)"
    >
      <Icon.plus /> New connection
    </button>
  );
  const error = types.error ?? projects.error ?? connections.error;
  const loading = connections.loading && !connections.data;

  // "Refresh all", or only the filtered project's connections.
  const pageScope = projectFilter
    ? ({ scope: "project", id: projectFilter } as const)
    : ({ scope: "all" } as const);
  const pageWhat = projectFilter ? "project" : "all";
  const pageTitle = projectFilter
    ? `Connections of project “${projectName(projectFilter)}”`
    : "All connections";
  const refreshButton = (
    <SplitButton
      label={`Refresh ${pageWhat}`}
      icon={<Icon.refresh />}
      onClick={() => refresh.run(pageScope, false, pageTitle)}
      items={[
        {
          label: `Refresh ${pageWhat} and test`,
          onSelect: () => refresh.run(pageScope, true, `${pageTitle}, then tested`),
        },
      ]}
      menuLabel="More refresh options"
      busy={refresh.running === scopeKey(pageScope)}
      busyLabel="Refreshing…"
      disabled={refresh.running !== undefined || !connections.data?.length}
      title="Fetch every secret again, so connections pick up rotated passwords"
    />
  );

  return (
    <section className="page" aria-labelledby="page-title">
      <PageHeader
        title="Connections"
        subtitle="Target systems and where their credentials come from."
        actions={
          <>
            {refreshButton}
            {newButton}
          </>
        }
      />
      <div className="toolbar">
        <label className="search">
          <Icon.search />
          <span className="sr-only">Search connections</span>
          <input
            type="search"
            placeholder="Search by name or target"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
        <label className="inline-select">
          <span>Project</span>
          <select
            value={projectFilter}
            onChange={(e) => onProjectFilter(e.target.value)}
            aria-label="Filter by project"
          >
            <option value="">All projects</option>
            {projects.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error !== undefined && (
        <ErrorBanner
          error={error}
          onRetry={() => {
            types.reload();
            projects.reload();
            connections.reload();
          }}
        />
      )}
      {secrets.error !== undefined && error === undefined && (
        <p className="muted small" data-testid="secret-status-error">
          Could not load when secrets were last fetched: {errorMessage(secrets.error)}{" "}
          <button type="button" className="link-button accent" onClick={secrets.reload}>
            Try again
          </button>
        </p>
      )}
      {!loading && connections.data?.length === 0 ? (
        <EmptyState icon={<Icon.connections />} title="No connections yet" action={newButton}>
          {projects.data?.length === 0
            ? "Create a project first: connections belong to a project."
            : "Add a connection to a database, API or server. Its password can be typed in (kept in the OS keychain) or come from a secrets manager."}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table table-connections" aria-label="Connections">
            {/* Fixed widths, so the target takes what is left and truncates, and the actions never leave
                the window; a window too narrow for the table's min-width scrolls it sideways. */}
            <colgroup>
              <col className="col-name" />
              <col className="col-type" />
              <col className="col-project" />
              <col />
              <col className="col-credentials" />
              <col className="col-changed" />
              <col className="col-actions" />
            </colgroup>
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Project</th>
                <th>Target</th>
                <th>Credentials</th>
                <th>Changed</th>
                <th className="actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {loading ? (
                <SkeletonRows cols={7} />
              ) : shown.length === 0 ? (
                <tr>
                  <td colSpan={7} className="muted center">
                    No connection matches “{query}”.
                  </td>
                </tr>
              ) : (
                shown.map((c) => {
                  const spec = types.data?.find((t) => t.kind === c.kind);
                  return (
                    <tr key={c.id} data-testid="connection-row">
                      <td>
                        <button
                          type="button"
                          className="link-button strong cell-name"
                          title={c.name}
                          onClick={() => setDialog({ kind: "edit", connection: c })}
                        >
                          <span className="clamp-2">{c.name}</span>
                        </button>
                      </td>
                      <td>{spec?.label ?? c.kind}</td>
                      <td title={projectName(c.project_id)}>
                        <span className="clamp-2">{projectName(c.project_id)}</span>
                      </td>
                      <td
                        className="mono truncate cell-target"
                        title={c.target}
                        data-testid="connection-target"
                      >
                        {c.target || "—"}
                      </td>
                      <td>
                        <CredentialBadges c={c} spec={spec} />
                        <SecretStatus s={status.get(c.id)} />
                      </td>
                      <td className="muted nowrap cell-changed" title={dateTime(c.updated_at)}>
                        {shortTime(c.updated_at)}
                      </td>
                      <RowActions
                        name={c.name}
                        onEdit={() => setDialog({ kind: "edit", connection: c })}
                        onDelete={() => setDialog({ kind: "delete", connection: c })}
                      >
                        <button
                          type="button"
                          className="button button-small button-icon"
                          onClick={() => setDialog({ kind: "test", connection: c })}
                          aria-label={`Test ${c.name}`}
                          title="Test: fetch the credentials and sign in"
                        >
                          <Icon.play />
                        </button>
                        <SplitButton
                          small
                          iconOnly
                          icon={<Icon.refresh />}
                          label="Refresh"
                          ariaLabel={`Refresh ${c.name}`}
                          title="Refresh: fetch this connection's secrets again"
                          onClick={() =>
                            refresh.run({ scope: "connection", id: c.id }, false, `Connection “${c.name}”`)
                          }
                          items={[
                            {
                              label: "Refresh and test",
                              onSelect: () =>
                                refresh.run(
                                  { scope: "connection", id: c.id },
                                  true,
                                  `Connection “${c.name}”, then tested`,
                                ),
                            },
                          ]}
                          menuLabel={`More refresh options for ${c.name}`}
                          busy={refresh.running === `connection:${c.id}`}
                          busyLabel="Refreshing…"
                          disabled={refresh.running !== undefined}
                        />
                      </RowActions>
                    </tr>
                  );
                })
              )}
            </tbody>
          </table>
        </div>
      )}

      {(dialog?.kind === "create" || dialog?.kind === "edit") && types.data && projects.data && (
        <Modal
          title={dialog.kind === "create" ? "New connection" : `Edit “${dialog.connection.name}”`}
          onClose={close}
          width="wide"
        >
          <ConnectionForm
            types={types.data}
            projects={projects.data}
            connection={dialog.kind === "edit" ? dialog.connection : undefined}
            defaultProjectId={projectFilter || undefined}
            onCancel={close}
            onSaved={(c) => {
              toast(
                dialog.kind === "create" ? `Connection “${c.name}” created` : `Connection “${c.name}” saved`,
              );
              close();
              connections.reload();
              projects.reload();
            }}
          />
        </Modal>
      )}
      {dialog?.kind === "test" && (
        <TestDialog
          connection={dialog.connection}
          onChanged={connections.reload}
          onClose={() => {
            close();
            secrets.reload();
          }}
        />
      )}
      {refresh.element}
      {dialog?.kind === "delete" && (
        <ConfirmDialog
          title={`Delete “${dialog.connection.name}”?`}
          danger
          confirmLabel="Delete connection"
          body={
            <p>Its settings are deleted and any password typed into it is removed from the OS keychain.</p>
          }
          onConfirm={async () => {
            await api.deleteConnection(dialog.connection.id);
            toast(`Connection “${dialog.connection.name}” deleted`);
            connections.reload();
            projects.reload();
          }}
          onClose={close}
        />
      )}
    </section>
  );
}
