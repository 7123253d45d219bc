import { type ReactNode, useId, useState } from "react";
import { Icon } from "../../components/icons";
import { Modal } from "../../components/Modal";
import {
  api,
  errorMessage,
  type RefreshItem_Serialize,
  type RefreshOutcome,
  type RefreshReport_Serialize,
  type RefreshScope,
} from "../../ipc/api";
import { StepTimeline } from "./TestDialog";

const OUTCOME: Record<RefreshOutcome, { label: string; badge: string; order: number }> = {
  failed: { label: "Failed", badge: "badge badge-error", order: 0 },
  rotated: { label: "Rotated", badge: "badge badge-accent", order: 1 },
  unchanged: { label: "Unchanged", badge: "badge", order: 2 },
  no_secrets: { label: "No secrets", badge: "badge badge-quiet", order: 3 },
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "N connections · M secrets fetched in X ms · K rotated · F failed". */
export function refreshSummary(r: RefreshReport_Serialize): string {
  const rotated = r.items.filter((i) => i.outcome === "rotated").length;
  const failed = r.items.filter((i) => i.outcome === "failed").length;
  return [
    plural(r.items.length, "connection"),
    `${plural(r.secrets_fetched, "secret")} fetched in ${r.duration_ms} ms`,
    `${rotated} rotated`,
    `${failed} failed`,
  ].join(" · ");
}

function ResultItem({ item }: { item: RefreshItem_Serialize }) {
  const [open, setOpen] = useState(false);
  const stepsId = useId();
  const o = OUTCOME[item.outcome];
  return (
    <li
      className={`refresh-item refresh-${item.outcome}`}
      data-testid="refresh-item"
      data-outcome={item.outcome}
    >
      <div className="refresh-item-head">
        <strong className="refresh-name">{item.connection}</strong>
        <span className={o.badge} data-testid="refresh-outcome">
          {o.label}
        </span>
        {item.test && (
          <>
            <span
              className={item.test.ok ? "badge badge-ok" : "badge badge-error"}
              data-testid="refresh-test"
            >
              {item.test.ok ? "Test passed" : "Test failed"}
            </span>
            <button
              type="button"
              className="button button-small"
              aria-expanded={open}
              aria-controls={stepsId}
              aria-label={`${open ? "Hide" : "View"} test steps of ${item.connection}`}
              onClick={() => setOpen((v) => !v)}
            >
              {open ? "Hide steps" : "View steps"}
            </button>
          </>
        )}
      </div>
      {item.detail && item.outcome !== "no_secrets" && (
        <p className={item.outcome === "failed" ? "refresh-detail refresh-why" : "refresh-detail mono"}>
          {item.detail}
        </p>
      )}
      {item.outcome === "no_secrets" && (
        <p className="refresh-detail muted">No credential comes from a secrets manager.</p>
      )}
      {item.stale && (
        <p className="refresh-stale" data-testid="refresh-stale">
          <Icon.alert />
          <span>
            <strong>Stale value serving.</strong> The last good value is still used until a refresh succeeds.
          </span>
        </p>
      )}
      {item.test && open && (
        <div id={stepsId} className="refresh-steps">
          <StepTimeline steps={item.test.steps} />
        </div>
      )}
    </li>
  );
}

/** What a refresh did, per connection: outcome, versions or reason, stale, and the test. */
export function RefreshResultsDialog({
  title,
  report,
  error,
  onClose,
}: {
  title: string;
  report?: RefreshReport_Serialize;
  error?: string;
  onClose: () => void;
}) {
  const items = [...(report?.items ?? [])].sort(
    (a, b) => OUTCOME[a.outcome].order - OUTCOME[b.outcome].order,
  );
  const tested = items.filter((i) => i.test);
  const passed = tested.filter((i) => i.test?.ok).length;
  return (
    <Modal
      title="Refresh results"
      description={title}
      onClose={onClose}
      width="wide"
      footer={
        <button type="button" className="button button-primary" onClick={onClose} data-autofocus>
          Close
        </button>
      }
    >
      {error !== undefined && (
        <p className="banner banner-error" role="alert">
          <Icon.alert />
          <span>{error}</span>
        </p>
      )}
      {report && (
        <>
          <p className="refresh-summary" data-testid="refresh-summary">
            {refreshSummary(report)}
            {tested.length > 0 && ` · ${passed} of ${plural(tested.length, "test")} passed`}
          </p>
          {items.length === 0 ? (
            <p className="muted">No connection in this scope uses a secret.</p>
          ) : (
            <ul className="refresh-list" aria-label="Connections refreshed">
              {items.map((item) => (
                <ResultItem key={item.connection_id} item={item} />
              ))}
            </ul>
          )}
        </>
      )}
    </Modal>
  );
}

export function scopeKey(scope: RefreshScope): string {
  return scope.scope === "all" ? "all" : `${scope.scope}:${scope.id}`;
}

/**
 * Runs one refresh at a time and shows its results. `running` is the scope key of the
 * refresh in progress (see `scopeKey`); `element` holds the results dialog and the
 * announcement for screen readers, to render once in the page.
 */
export function useRefresh(onDone?: () => void): {
  running: string | undefined;
  run: (scope: RefreshScope, test: boolean, title: string) => Promise<void>;
  element: ReactNode;
} {
  const [running, setRunning] = useState<string>();
  const [result, setResult] = useState<{ title: string; report?: RefreshReport_Serialize; error?: string }>();
  const run = async (scope: RefreshScope, test: boolean, title: string) => {
    if (running) return;
    setRunning(scopeKey(scope));
    try {
      setResult({ title, report: await api.refresh(scope, test) });
    } catch (e) {
      setResult({ title, error: errorMessage(e) });
    } finally {
      setRunning(undefined);
      onDone?.();
    }
  };
  const element = (
    <>
      <p className="sr-only" role="status" data-testid="refresh-status">
        {running ? "Refreshing…" : ""}
      </p>
      {result && <RefreshResultsDialog {...result} onClose={() => setResult(undefined)} />}
    </>
  );
  return { running, run, element };
}
