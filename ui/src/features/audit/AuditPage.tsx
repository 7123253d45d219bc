import { useState } from "react";
import { Icon } from "../../components/icons";
import { EmptyState, ErrorBanner, PageHeader, SkeletonRows } from "../../components/States";
import { useToast } from "../../components/Toasts";
import { type AuditOutcome, type AuditQuery_Serialize, api, type ExportFormat } from "../../ipc/api";
import { dateTime, relativeTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";

/** The most events the page lists; an export has no such cap. */
const PAGE_LIMIT = 500;

const FORMAT_LABEL: Record<ExportFormat, string> = { csv: "CSV", json: "JSON" };

const KINDS = [
  { value: "", label: "All events" },
  { value: "connection.", label: "Connections" },
  { value: "project.", label: "Projects" },
  { value: "keychain.", label: "Keychain" },
  { value: "secret.", label: "Secrets (reads, reveals, rotations)" },
  { value: "secret.revealed", label: "Reveals" },
  { value: "watch.", label: "Rotation watch" },
  { value: "provider.", label: "Secrets managers" },
  { value: "cache.", label: "Cache and refresh" },
  { value: "api.", label: "Control API" },
  { value: "audit.", label: "Audit log" },
  { value: "mode.", label: "Secrets mode" },
  { value: "settings.", label: "Settings" },
];

/** The period filter: how far back, in hours (0 = any time). */
const PERIODS = [
  { hours: 0, label: "Any time" },
  { hours: 1, label: "Last hour" },
  { hours: 24, label: "Last 24 hours" },
  { hours: 24 * 7, label: "Last 7 days" },
  { hours: 24 * 30, label: "Last 30 days" },
];

export function AuditPage() {
  const [kind, setKind] = useState("");
  const [outcome, setOutcome] = useState<AuditOutcome | "">("");
  const [target, setTarget] = useState("");
  const [hours, setHours] = useState(0);
  // The filters as a query: the list shows its first PAGE_LIMIT events, an export all of them.
  const query = (limit: number | null): AuditQuery_Serialize => ({
    kind: kind || null,
    outcome: outcome || null,
    target: target.trim() || null,
    since: hours ? new Date(Date.now() - hours * 3_600_000).toISOString() : null,
    until: null,
    limit,
  });
  const events = useLoad(() => api.listAudit(query(PAGE_LIMIT)), [kind, outcome, target, hours]);
  const filtered = kind !== "" || outcome !== "" || target.trim() !== "" || hours !== 0;
  const [exporting, setExporting] = useState<ExportFormat>();
  const [exported, setExported] = useState<{ path: string; text: string }>();
  const [exportError, setExportError] = useState<unknown>();
  const toast = useToast();

  const exportAs = async (format: ExportFormat) => {
    // How many went, when the list shows every match of these filters.
    const shown = events.data;
    const known = !events.loading && shown !== undefined && shown.length < PAGE_LIMIT;
    const what = known
      ? `${shown.length} ${shown.length === 1 ? "event" : "events"}`
      : filtered
        ? "the matching events"
        : "all events";
    setExporting(format);
    setExportError(undefined);
    setExported(undefined);
    try {
      const path = await api.exportAudit(query(null), format);
      setExported({ path, text: `Exported ${what} as ${FORMAT_LABEL[format]} to` });
    } catch (e) {
      setExportError(e);
    } finally {
      setExporting(undefined);
    }
  };

  return (
    <section className="page" aria-labelledby="page-title">
      <PageHeader
        title="Audit log"
        subtitle="Who changed what, and when. Secret values are never recorded."
        actions={
          <>
            {(["csv", "json"] as const).map((f) => (
              <button
                key={f}
                type="button"
                className="button"
                onClick={() => exportAs(f)}
                disabled={exporting !== undefined}
                title={`Write the events the filters select to a ${FORMAT_LABEL[f]} file in the data folder`}
              >
                {exporting === f ? "Exporting…" : `Export ${FORMAT_LABEL[f]}`}
              </button>
            ))}
            <button type="button" className="button" onClick={events.reload}>
              <Icon.refresh /> Refresh
            </button>
          </>
        }
      />
      {exportError !== undefined && <ErrorBanner error={exportError} />}
      {exported && (
        <div className="banner banner-ok" role="status" data-testid="export-notice">
          <span>
            {exported.text}{" "}
            <code className="mono" data-testid="export-path">
              {exported.path}
            </code>
          </span>
          <button
            type="button"
            className="button button-small"
            onClick={() =>
              navigator.clipboard?.writeText(exported.path).then(
                () => toast("Path copied"),
                () => toast("Could not copy the path", "error"),
              )
            }
          >
            Copy path
          </button>
          <button
            type="button"
            className="button button-small"
            onClick={() => setExported(undefined)}
            aria-label="Dismiss the export notice"
          >
            <Icon.close />
          </button>
        </div>
      )}
      <div className="toolbar">
        <label className="search">
          <Icon.search />
          <span className="sr-only">Filter by target</span>
          <input
            type="search"
            placeholder="Filter by connection or project"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
          />
        </label>
        <label className="inline-select">
          <span>Kind</span>
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            {KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-select">
          <span>Period</span>
          <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {PERIODS.map((p) => (
              <option key={p.hours} value={p.hours}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-select">
          <span>Outcome</span>
          <select value={outcome} onChange={(e) => setOutcome(e.target.value as AuditOutcome | "")}>
            <option value="">Any</option>
            <option value="ok">Succeeded</option>
            <option value="failed">Failed</option>
            <option value="denied">Denied</option>
          </select>
        </label>
      </div>
      {events.error !== undefined && <ErrorBanner error={events.error} onRetry={events.reload} />}
      {events.data?.length === 0 ? (
        <EmptyState icon={<Icon.audit />} title={filtered ? "No matching events" : "No events yet"}>
          {filtered
            ? "Change the filters to see more."
            : "Changes to projects and connections will appear here."}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Audit events">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>Event</th>
                <th>Target</th>
                <th>Outcome</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {events.loading && !events.data ? (
                <SkeletonRows cols={6} />
              ) : (
                events.data?.map((e) => (
                  <tr key={e.id}>
                    <td className="muted nowrap" title={dateTime(e.at)}>
                      {relativeTime(e.at)}
                    </td>
                    <td>{e.actor}</td>
                    <td className="mono">{e.kind}</td>
                    <td>{e.target}</td>
                    <td>
                      <span className={`badge badge-${e.outcome === "ok" ? "ok" : "error"}`}>
                        {e.outcome === "ok" ? "Succeeded" : e.outcome === "failed" ? "Failed" : "Denied"}
                      </span>
                    </td>
                    <td className="muted truncate" title={e.detail}>
                      {e.detail || "—"}
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
