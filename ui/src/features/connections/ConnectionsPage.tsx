import { useEffect, useMemo, useRef, useState } from "react";
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
  type Health,
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
  // Every connection has a status now; one that never fetched a secret has nothing to say here.
  if (!s || (!s.stale && !s.rotated_at && !s.fetched_at)) return null;
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

/** Each health's badge text and look, and its rank (the most pressing first) when sorting by status. */
export const HEALTH: Record<Health, { label: string; badge: string; order: number }> = {
  failed: { label: "Failed", badge: "badge badge-error", order: 0 },
  stale: { label: "Stale", badge: "badge badge-warn", order: 1 },
  rotated_upstream: { label: "Rotated upstream", badge: "badge badge-warn", order: 2 },
  expiring: { label: "Expiring", badge: "badge badge-warn", order: 3 },
  ok: { label: "OK", badge: "badge badge-ok", order: 4 },
  untested: { label: "Untested", badge: "badge badge-quiet", order: 5 },
};
const HEALTHS = Object.keys(HEALTH) as Health[];

/** What stands behind a connection's status: its last test, a stale value, a rotation upstream, a warning. */
export function healthDetails(s: ConnectionSecrets_Serialize): string[] {
  const out: string[] = [];
  if (s.last_test) {
    const t = s.last_test;
    out.push(
      `Last test ${t.ok ? "passed" : "failed"} ${shortTime(t.at)} (${dateTime(t.at)})${t.detail ? `: ${t.detail}` : ""}.`,
    );
  } else out.push("Never tested.");
  if (s.stale) out.push(`A refresh failed and the last good value keeps serving: ${s.stale}.`);
  if (s.rotated_upstream) out.push("A secret it uses has a newer version upstream: refresh to pick it up.");
  if (s.warning) out.push(`${s.warning.charAt(0).toUpperCase()}${s.warning.slice(1)}.`);
  return out;
}

/** The Status cell: the health badge, what is behind it (title and screen readers), and when last tested. */
function HealthCell({ s }: { s?: ConnectionSecrets_Serialize }) {
  if (!s) return <span className="muted">—</span>;
  const h = HEALTH[s.health];
  const details = healthDetails(s);
  return (
    <div className="health-cell">
      <span className={h.badge} data-testid="health" data-health={s.health} title={details.join("\n")}>
        {h.label}
      </span>
      <span className="sr-only">: {details.join(" ")}</span>
      {s.last_test && (
        <span className="muted small health-when" aria-hidden="true">
          tested {shortTime(s.last_test.at)}
        </span>
      )}
    </div>
  );
}

type SortKey = "name" | "status";
type SortState = { key: SortKey; dir: "asc" | "desc" } | undefined;

/** A column heading that sorts the table: ascending, descending, then back to the list's own order. */
function SortHeader({
  label,
  sortKey,
  sort,
  onSort,
}: {
  label: string;
  sortKey: SortKey;
  sort: SortState;
  onSort: (s: SortState) => void;
}) {
  const active = sort?.key === sortKey;
  const next: SortState = !active
    ? { key: sortKey, dir: "asc" }
    : sort.dir === "asc"
      ? { key: sortKey, dir: "desc" }
      : undefined;
  return (
    <th aria-sort={active ? (sort.dir === "asc" ? "ascending" : "descending") : undefined}>
      <button type="button" className="th-sort" onClick={() => onSort(next)}>
        {label}
        <span className="th-sort-arrow" aria-hidden="true">
          {active ? (sort.dir === "asc" ? "▲" : "▼") : "↕"}
        </span>
      </button>
    </th>
  );
}

export function ConnectionsPage({
  projectFilter,
  onProjectFilter,
  highlightId,
}: {
  projectFilter: string;
  onProjectFilter: (id: string) => void;
  /** A connection to show highlighted (another page sent the user here for it). */
  highlightId?: string;
}) {
  const types = useLoad(() => api.connectionTypes(), []);
  const projects = useLoad(() => api.listProjects(), []);
  const connections = useLoad(() => api.listConnections(projectFilter || null), [projectFilter]);
  const secrets = useLoad(() => api.connectionSecrets(), []);
  const refresh = useRefresh(secrets.reload);
  const [query, setQuery] = useState("");
  const [healthFilter, setHealthFilter] = useState<Health | "">("");
  const [sort, setSort] = useState<SortState>();
  const [dialog, setDialog] = useState<Dialog>();
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const highlighted = useRef<string>(undefined);
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

  const status = useMemo(() => new Map(secrets.data?.map((s) => [s.connection_id, s])), [secrets.data]);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    let list = (connections.data ?? []).map((c, index) => ({ c, index }));
    if (q)
      list = list.filter(({ c }) => c.name.toLowerCase().includes(q) || c.target.toLowerCase().includes(q));
    if (healthFilter) list = list.filter(({ c }) => status.get(c.id)?.health === healthFilter);
    if (sort) {
      const sign = sort.dir === "asc" ? 1 : -1;
      // Connections without a known status go last either way.
      const rank = (c: ConnectionView) => {
        const h = status.get(c.id)?.health;
        return h ? HEALTH[h].order : undefined;
      };
      list.sort((a, b) => {
        if (sort.key === "name") return sign * a.c.name.localeCompare(b.c.name) || a.index - b.index;
        const [x, y] = [rank(a.c), rank(b.c)];
        if (x === undefined || y === undefined) return (x === undefined ? 1 : 0) - (y === undefined ? 1 : 0);
        return sign * (x - y) || a.index - b.index;
      });
    }
    return list.map(({ c }) => c);
  }, [connections.data, query, healthFilter, sort, status]);

  // A connection asked for from elsewhere: scrolled to and focused once its row is there.
  useEffect(() => {
    if (!highlightId || highlighted.current === highlightId || !connections.data) return;
    const row = Array.from(
      bodyRef.current?.querySelectorAll<HTMLElement>("tr[data-connection-id]") ?? [],
    ).find((tr) => tr.dataset.connectionId === highlightId);
    if (!row) return;
    highlighted.current = highlightId;
    row.scrollIntoView?.({ block: "center" });
    row.querySelector<HTMLElement>(".cell-name")?.focus();
  }, [highlightId, connections.data]);

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
        <label className="inline-select">
          <span>Status</span>
          <select
            value={healthFilter}
            onChange={(e) => setHealthFilter(e.target.value as Health | "")}
            aria-label="Filter by status"
            disabled={!secrets.data}
          >
            <option value="">All statuses</option>
            {HEALTHS.map((h) => (
              <option key={h} value={h}>
                {HEALTH[h].label}
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
              <col className="col-status" />
              <col className="col-changed" />
              <col className="col-actions" />
            </colgroup>
            <thead>
              <tr>
                <SortHeader label="Name" sortKey="name" sort={sort} onSort={setSort} />
                <th>Type</th>
                <th>Project</th>
                <th>Target</th>
                <th>Credentials</th>
                <SortHeader label="Status" sortKey="status" sort={sort} onSort={setSort} />
                <th>Changed</th>
                <th className="actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody ref={bodyRef}>
              {loading ? (
                <SkeletonRows cols={8} />
              ) : shown.length === 0 ? (
                <tr>
                  <td colSpan={8} className="muted center">
                    {healthFilter
                      ? query.trim()
                        ? `No ${HEALTH[healthFilter].label} connection matches “${query}”.`
                        : `No connection has the status ${HEALTH[healthFilter].label}.`
                      : `No connection matches “${query}”.`}
                  </td>
                </tr>
              ) : (
                shown.map((c) => {
                  const spec = types.data?.find((t) => t.kind === c.kind);
                  const lit = c.id === highlightId;
                  return (
                    <tr
                      key={c.id}
                      data-testid="connection-row"
                      data-connection-id={c.id}
                      data-highlighted={lit || undefined}
                      className={lit ? "row-highlight" : undefined}
                    >
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
                      <td>
                        <HealthCell s={status.get(c.id)} />
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
