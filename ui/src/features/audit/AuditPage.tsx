import { useState } from "react";
import { Icon } from "../../components/icons";
import { EmptyState, ErrorBanner, PageHeader, SkeletonRows } from "../../components/States";
import { type AuditOutcome, api } from "../../ipc/api";
import { dateTime, relativeTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";

const KINDS = [
  { value: "", label: "All events" },
  { value: "connection.", label: "Connections" },
  { value: "project.", label: "Projects" },
  { value: "keychain.", label: "Keychain" },
];

export function AuditPage() {
  const [kind, setKind] = useState("");
  const [outcome, setOutcome] = useState<AuditOutcome | "">("");
  const [target, setTarget] = useState("");
  const events = useLoad(
    () =>
      api.listAudit({
        kind: kind || null,
        outcome: outcome || null,
        target: target.trim() || null,
        since: null,
        until: null,
        limit: 500,
      }),
    [kind, outcome, target],
  );
  const filtered = kind !== "" || outcome !== "" || target.trim() !== "";

  return (
    <section className="page" aria-labelledby="page-title">
      <PageHeader
        title="Audit log"
        subtitle="Who changed what, and when. Secret values are never recorded."
        actions={
          <button type="button" className="button" onClick={events.reload}>
            <Icon.refresh /> Refresh
          </button>
        }
      />
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
