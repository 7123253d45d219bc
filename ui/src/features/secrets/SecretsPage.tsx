import { useEffect, useId, useMemo, useState } from "react";
import { Icon } from "../../components/icons";
import { Modal } from "../../components/Modal";
import { EmptyState, ErrorBanner, PageHeader, SkeletonRows } from "../../components/States";
import { useToast } from "../../components/Toasts";
import {
  api,
  errorMessage,
  type InventoryItem_Serialize,
  type RotationState,
  type WatchCycleReport_Serialize,
} from "../../ipc/api";
import { dateTime, shortTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import { shortId } from "../settings/CacheSection";
import { RevealConfirm, RevealedValue, type RevealTarget, type Shown } from "./Reveal";

/** How often the inventory is loaded again while the page is shown. */
export const POLL_MS = 15_000;

/** Each rotation state's label (the badge's whole text), look, and rank when sorting by state. */
export const STATE: Record<RotationState, { label: string; badge: string; order: number }> = {
  rotated_upstream: { label: "Rotated upstream — not picked up", badge: "badge badge-warn", order: 0 },
  not_fetched: { label: "Not fetched yet", badge: "badge badge-quiet", order: 1 },
  picked_up: { label: "Rotated, picked up", badge: "badge badge-accent", order: 2 },
  unchanged: { label: "Unchanged", badge: "badge badge-ok", order: 3 },
};

type Sort = "due" | "name" | "state";
type Filter = "all" | "attention";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const version = (id: string | null | undefined) => (id ? shortId(id) : "?");
const day = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString();
};

/** A secret needs attention: a warning (expiry, rotation due), a problem, or a rotation not picked up. */
export const needsAttention = (i: InventoryItem_Serialize) =>
  Boolean(i.warning || i.problem || i.state === "rotated_upstream");

const rowKey = (i: InventoryItem_Serialize) => `${i.provider_id ?? i.provider}|${i.reference}`;

/** What a reveal from the inventory reads: the version in use (or the pinned one), any JSON key its uses take. */
export function revealTarget(i: InventoryItem_Serialize): RevealTarget | undefined {
  if (!i.provider_id) return undefined;
  const pinned = i.selector?.startsWith("id:") ? i.selector.slice(3) : null;
  // A reveal reads a version ID or the current version: a stage the connections follow is
  // only known by the version it pointed at when fetched.
  if (i.selector?.startsWith("stage:") && !i.version_in_use) return undefined;
  const keys = [...new Set(i.used_by.map((u) => u.json_key).filter((k): k is string => Boolean(k)))].sort();
  const allKeyed = i.used_by.length > 0 && i.used_by.every((u) => u.json_key);
  return {
    providerId: i.provider_id,
    secret: i.secret,
    version: i.version_in_use ?? pinned,
    reference: i.reference,
    keys,
    key: allKeyed ? (keys[0] ?? null) : null,
  };
}

function StateCell({ i }: { i: InventoryItem_Serialize }) {
  const s = STATE[i.state];
  const checked = i.checked_at ? `Last checked ${shortTime(i.checked_at)} (${dateTime(i.checked_at)})` : "";
  return (
    <div className="inventory-state">
      <span className={s.badge} data-testid="rotation-state" title={checked || undefined}>
        {s.label}
      </span>
      {i.state === "rotated_upstream" && (
        <span className="small muted mono" data-testid="rotation-detail">
          {version(i.version_in_use)} → {version(i.upstream_version)}
          {i.upstream_changed_at && <span className="inventory-when"> · {day(i.upstream_changed_at)}</span>}
        </span>
      )}
      {i.state === "picked_up" && (
        <span className="small muted mono" data-testid="rotation-detail">
          {version(i.previous_version)} → {version(i.version_in_use)}
          {i.changed_at && <span className="inventory-when"> · {day(i.changed_at)}</span>}
        </span>
      )}
      {i.watch_error && (
        <span className="small inventory-watch-error" data-testid="watch-error">
          Rotation watch: {i.watch_error}
        </span>
      )}
    </div>
  );
}

function DueCell({ i }: { i: InventoryItem_Serialize }) {
  if (!i.due_at && !i.warning) return <span className="muted">—</span>;
  const what =
    i.due_at && i.due_at === i.expires_at
      ? "Expires"
      : i.due_at && i.due_at === i.next_rotation_at
        ? "Rotation due"
        : "Due";
  return (
    <div className="inventory-due">
      {i.due_at && (
        <span className="nowrap" title={dateTime(i.due_at)}>
          {what} {day(i.due_at)}
        </span>
      )}
      {i.warning && (
        <span className="badge badge-warn badge-wrap" data-testid="due-warning">
          <Icon.alert /> {i.warning}
        </span>
      )}
    </div>
  );
}

function UsedByCell({
  i,
  open,
  onToggle,
  onOpenConnection,
}: {
  i: InventoryItem_Serialize;
  open: boolean;
  onToggle: () => void;
  onOpenConnection: (id: string) => void;
}) {
  const listId = useId();
  const connections = new Set(i.used_by.map((u) => u.connection_id)).size;
  if (i.used_by.length === 0) return <span className="muted">—</span>;
  return (
    <div className="used-by">
      <button
        type="button"
        className="link-button used-by-toggle"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        aria-label={`${open ? "Hide" : "Show"} the ${plural(connections, "connection")} using ${i.reference}`}
        onClick={onToggle}
        data-testid="used-by-toggle"
      >
        <span className="used-by-chevron" aria-hidden="true">
          <Icon.chevron />
        </span>
        {plural(connections, "connection")}
      </button>
      {open && (
        <ul id={listId} className="used-by-list" aria-label={`Connections using ${i.reference}`}>
          {i.used_by.map((u) => (
            <li key={`${u.connection_id}|${u.field}`}>
              <button
                type="button"
                className="link-button accent"
                onClick={() => onOpenConnection(u.connection_id)}
                data-testid="used-by-link"
                title={`Open “${u.connection}” on the Connections page`}
              >
                {u.connection}
              </button>{" "}
              <span className="muted small">
                <span className="mono">{u.field}</span>
                {u.json_key && (
                  <>
                    {" "}
                    › <span className="mono">{u.json_key}</span>
                  </>
                )}
                {u.project && <> · {u.project}</>}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** "Checked 2 managers: 1 rotation found (db/app) · vault: backing off". */
export function checkSummary(
  reports: WatchCycleReport_Serialize[],
  failures: { provider: string; error: string }[],
): string {
  const rotated = reports.flatMap((r) => r.rotated.map((x) => x.reference));
  const total = reports.length + failures.length;
  const parts = [
    `Checked ${plural(total, "manager")}: ${
      rotated.length === 0
        ? "no rotation found"
        : `${plural(rotated.length, "rotation")} found (${rotated.join(", ")})`
    }`,
  ];
  for (const r of reports)
    if (r.outcome === "failed" || r.outcome === "backing_off")
      parts.push(
        `${r.provider}: ${r.outcome === "failed" ? "failed" : "backing off"}${r.detail ? ` (${r.detail})` : ""}`,
      );
  for (const f of failures) parts.push(`${f.provider}: ${f.error}`);
  return parts.join(" · ");
}

/**
 * Secrets: every secret the connections use, soonest due first, with the version in use,
 * whether it rotated upstream or was picked up, what is due, and where it is used. Values
 * are never listed; an admin may reveal one when the workspace allows it (audited).
 */
export function SecretsPage({
  onOpenConnection,
  onOpenSettings,
}: {
  /** Shows a connection on the Connections page. */
  onOpenConnection: (connectionId: string) => void;
  /** Opens Settings (where reveal is turned on). */
  onOpenSettings?: () => void;
}) {
  const inventory = useLoad(() => api.secretsInventory(), []);
  const info = useLoad(() => api.workspaceInfo(), []);
  const types = useLoad(() => api.providerTypes(), []);
  const [query, setQuery] = useState("");
  const [filter, setFilter] = useState<Filter>("all");
  const [sort, setSort] = useState<Sort>("due");
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const [checking, setChecking] = useState<{ done: number; total: number; provider: string }>();
  const [summary, setSummary] = useState<string>();
  const [asking, setAsking] = useState<RevealTarget>();
  const [shown, setShown] = useState<Shown>();
  const toast = useToast();
  const { reload } = inventory;

  // Loaded again every 15 s while the page is shown (skipped while the window is hidden).
  useEffect(() => {
    const t = setInterval(() => {
      if (!document.hidden) reload();
    }, POLL_MS);
    return () => clearInterval(t);
  }, [reload]);

  const items = inventory.data ?? [];
  const attention = items.filter(needsAttention).length;
  const revealEnabled = info.data?.settings.reveal_enabled === true;
  const kindLabel = (i: InventoryItem_Serialize) =>
    types.data?.find((t) => t.kind === i.provider_kind)?.label ?? "";

  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    const list = (inventory.data ?? [])
      .map((item, index) => ({ item, index }))
      .filter(({ item }) => filter === "all" || needsAttention(item))
      .filter(
        ({ item }) =>
          !q ||
          item.reference.toLowerCase().includes(q) ||
          item.provider.toLowerCase().includes(q) ||
          item.used_by.some(
            (u) => u.connection.toLowerCase().includes(q) || u.field.toLowerCase().includes(q),
          ),
      );
    if (sort === "name")
      list.sort((a, b) => a.item.reference.localeCompare(b.item.reference) || a.index - b.index);
    else if (sort === "state")
      list.sort((a, b) => STATE[a.item.state].order - STATE[b.item.state].order || a.index - b.index);
    return list.map(({ item }) => item);
  }, [inventory.data, query, filter, sort]);

  // The managers that serve a secret of the inventory, each once, in order of appearance.
  const managers = useMemo(() => {
    const out = new Map<string, string>();
    for (const i of inventory.data ?? [])
      if (i.provider_id && !out.has(i.provider_id)) out.set(i.provider_id, i.provider);
    return [...out.entries()].map(([id, alias]) => ({ id, alias }));
  }, [inventory.data]);

  const checkNow = async () => {
    if (checking || managers.length === 0) return;
    setSummary(undefined);
    const reports: WatchCycleReport_Serialize[] = [];
    const failures: { provider: string; error: string }[] = [];
    for (const [n, m] of managers.entries()) {
      setChecking({ done: n, total: managers.length, provider: m.alias });
      try {
        reports.push(await api.watchNow(m.id));
      } catch (e) {
        failures.push({ provider: m.alias, error: errorMessage(e) });
      }
    }
    setChecking(undefined);
    const text = checkSummary(reports, failures);
    const failed =
      failures.length > 0 || reports.some((r) => r.outcome === "failed" || r.outcome === "backing_off");
    setSummary(text);
    toast(text, failed ? "error" : "ok");
    reload();
  };

  const toggle = (key: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const loading = inventory.loading && !inventory.data;
  const checkLabel = checking
    ? `Checking ${checking.done + 1} of ${checking.total} (${checking.provider})…`
    : "Check for rotations now";

  return (
    <section className="page" aria-labelledby="page-title">
      <PageHeader
        title="Secrets"
        subtitle="Every secret the connections use: the version in use, whether it rotated, and when it expires or is due to rotate. Values are never listed."
        actions={
          <button
            type="button"
            className="button"
            onClick={checkNow}
            disabled={checking !== undefined || managers.length === 0}
            aria-busy={checking !== undefined || undefined}
            title="Ask each secrets manager now whether a secret in use has a new version (metadata only, no value is read)"
            data-testid="check-rotations"
          >
            <span className={checking ? "spin" : undefined}>
              <Icon.refresh />
            </span>
            {checkLabel}
          </button>
        }
      />
      <p className="sr-only" role="status" data-testid="check-status">
        {checking ? checkLabel : (summary ?? "")}
      </p>
      <div className="toolbar">
        <label className="search">
          <Icon.search />
          <span className="sr-only">Search secrets</span>
          <input
            type="search"
            placeholder="Search by secret, manager or connection"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
        <label className="inline-select">
          <span>Show</span>
          <select
            value={filter}
            onChange={(e) => setFilter(e.target.value as Filter)}
            aria-label="Filter secrets"
          >
            <option value="all">All secrets</option>
            <option value="attention">Needs attention{inventory.data ? ` (${attention})` : ""}</option>
          </select>
        </label>
        <label className="inline-select">
          <span>Sort by</span>
          <select value={sort} onChange={(e) => setSort(e.target.value as Sort)} aria-label="Sort secrets">
            <option value="due">Expires next</option>
            <option value="name">Name</option>
            <option value="state">State</option>
          </select>
        </label>
      </div>
      {summary && (
        <p className="muted small" data-testid="check-summary">
          {summary}
        </p>
      )}
      {info.data && !revealEnabled && items.length > 0 && (
        <p className="muted small" data-testid="reveal-off">
          Revealing values is off for this workspace.{" "}
          {onOpenSettings ? (
            <button type="button" className="link-button accent" onClick={onOpenSettings}>
              Turn it on in Settings › Secrets
            </button>
          ) : (
            "An admin can turn it on in Settings › Secrets"
          )}{" "}
          (every reveal is audited).
        </p>
      )}
      {inventory.error !== undefined && <ErrorBanner error={inventory.error} onRetry={reload} />}
      {!loading && inventory.data?.length === 0 ? (
        <EmptyState icon={<Icon.secret />} title="No secret in use yet">
          When a connection's credential comes from a secrets manager, the secret is listed here with its
          version, rotation and expiry.
        </EmptyState>
      ) : (
        (inventory.data !== undefined || loading) && (
          <div className="table-wrap">
            <table className="table table-inventory" aria-label="Secrets in use" data-testid="inventory">
              <thead>
                <tr>
                  <th>Secret</th>
                  <th>Manager</th>
                  <th>Version in use</th>
                  <th>Fetched</th>
                  <th>State</th>
                  <th>Due</th>
                  <th>Used by</th>
                  <th className="actions">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {loading ? (
                  <SkeletonRows cols={8} />
                ) : rows.length === 0 ? (
                  <tr>
                    <td colSpan={8} className="muted center">
                      {query.trim() ? `No secret matches “${query.trim()}”.` : "No secret needs attention."}
                    </td>
                  </tr>
                ) : (
                  rows.map((i) => {
                    const key = rowKey(i);
                    const target = revealEnabled ? revealTarget(i) : undefined;
                    return (
                      <tr
                        key={key}
                        data-testid="inventory-row"
                        data-state={i.state}
                        className={needsAttention(i) ? "inventory-attention" : undefined}
                      >
                        <td className="inventory-secret">
                          <span className="mono inventory-reference">{i.reference}</span>
                          {i.problem && (
                            <span className="inventory-problem small" data-testid="inventory-problem">
                              <Icon.alert /> {i.problem}
                            </span>
                          )}
                        </td>
                        <td>
                          <span className="mono">{i.provider}</span>
                          {kindLabel(i) && <span className="muted small inventory-kind">{kindLabel(i)}</span>}
                        </td>
                        <td className="mono" title={i.version_in_use ?? undefined}>
                          {i.version_in_use ? shortId(i.version_in_use) : "—"}
                        </td>
                        <td
                          className="nowrap muted"
                          title={i.fetched_at ? dateTime(i.fetched_at) : undefined}
                        >
                          {i.fetched_at ? shortTime(i.fetched_at) : "—"}
                        </td>
                        <td>
                          <StateCell i={i} />
                        </td>
                        <td>
                          <DueCell i={i} />
                        </td>
                        <td>
                          <UsedByCell
                            i={i}
                            open={open.has(key)}
                            onToggle={() => toggle(key)}
                            onOpenConnection={onOpenConnection}
                          />
                        </td>
                        <td className="actions">
                          {target && (
                            <button
                              type="button"
                              className="button button-small"
                              aria-label={`Reveal ${i.reference}`}
                              onClick={() => setAsking(target)}
                              data-testid="reveal"
                            >
                              Reveal
                            </button>
                          )}
                        </td>
                      </tr>
                    );
                  })
                )}
              </tbody>
            </table>
          </div>
        )
      )}
      {asking && <RevealConfirm target={asking} onRevealed={setShown} onClose={() => setAsking(undefined)} />}
      {shown && (
        <Modal
          title="Revealed value"
          description={<span className="mono">{shown.target.reference}</span>}
          onClose={() => setShown(undefined)}
          testId="reveal-dialog"
        >
          <RevealedValue shown={shown} onHide={() => setShown(undefined)} />
        </Modal>
      )}
    </section>
  );
}
