import { useState } from "react";
import { Icon } from "../../components/icons";
import { Modal } from "../../components/Modal";
import { ErrorBanner } from "../../components/States";
import {
  api,
  type CallStat,
  errorMessage,
  type ProviderView_Serialize,
  type WatchCycleReport_Serialize,
} from "../../ipc/api";
import { dateTime, duration, relativeTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";

const OPERATION: Record<string, string> = {
  list: "List secrets",
  describe: "Describe a secret",
  read: "Read a value",
  watch: "Rotation watch",
};

const OUTCOME_BADGE: Record<string, string> = {
  ok: "badge badge-ok",
  failed: "badge badge-error",
  throttled: "badge badge-warn",
  backing_off: "badge badge-warn",
  idle: "badge badge-quiet",
};

const WATCH_OUTCOME: Record<string, string> = {
  ok: "ok",
  failed: "failed",
  backing_off: "backing off",
  idle: "idle (no secret in use)",
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "Checked 3 secrets with 1 call: 1 rotated." */
export function watchSummary(r: WatchCycleReport_Serialize): string {
  const found =
    r.rotated.length === 0 ? "no rotation found" : `${plural(r.rotated.length, "secret")} rotated`;
  return `Checked ${plural(r.checked, "secret")} with ${plural(r.calls, "call")}: ${found}.`;
}

function CallsTable({ calls }: { calls: CallStat[] }) {
  if (calls.length === 0)
    return (
      <p className="muted" data-testid="usage-no-calls">
        No call to this manager in the last day.
      </p>
    );
  return (
    <div className="table-wrap">
      <table className="table table-compact" aria-label="Calls to the manager" data-testid="usage-calls">
        <thead>
          <tr>
            <th>Operation</th>
            <th>Outcome</th>
            <th className="num">Last hour</th>
            <th className="num">Last day</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((c) => (
            <tr key={`${c.op}|${c.outcome}`} data-testid="usage-call">
              <td>{OPERATION[c.op] ?? c.op}</td>
              <td>
                <span className={OUTCOME_BADGE[c.outcome] ?? "badge"}>{c.outcome}</span>
              </td>
              <td className="num">{c.last_hour}</td>
              <td className="num">{c.last_day}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A manager's usage: the calls Latchkey made to it (by operation and outcome, last hour
 * and day), the cache's hits, and its rotation watch, with "Check now".
 */
export function UsageDialog({
  provider,
  onClose,
}: {
  provider: ProviderView_Serialize;
  onClose: () => void;
}) {
  const stats = useLoad(() => api.providerStats(provider.id), [provider.id]);
  const [checking, setChecking] = useState(false);
  const [result, setResult] = useState<WatchCycleReport_Serialize>();
  const [checkError, setCheckError] = useState<string>();
  const s = stats.data;
  const w = s?.watch;

  const checkNow = async () => {
    setChecking(true);
    setResult(undefined);
    setCheckError(undefined);
    try {
      setResult(await api.watchNow(provider.id));
    } catch (e) {
      setCheckError(errorMessage(e));
    } finally {
      setChecking(false);
      stats.reload();
    }
  };

  const failedLook = result && (result.outcome === "failed" || result.outcome === "backing_off");
  return (
    <Modal
      title={`Usage of “${provider.alias}”`}
      description="Calls Latchkey made to this manager, cache hits, and its rotation watch. Never a value."
      onClose={onClose}
      width="wide"
      testId="usage-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={stats.reload} disabled={stats.loading}>
            <Icon.refresh /> Reload
          </button>
          <button type="button" className="button button-primary" onClick={onClose} data-autofocus>
            Close
          </button>
        </>
      }
    >
      {stats.error !== undefined && <ErrorBanner error={stats.error} onRetry={stats.reload} />}
      {!s && stats.error === undefined && (
        <p className="muted" role="status">
          Loading…
        </p>
      )}
      {s && w && (
        <div className="usage">
          <section className="usage-section" aria-labelledby="usage-calls-title">
            <h3 id="usage-calls-title">Calls</h3>
            <CallsTable calls={s.calls} />
          </section>
          <section className="usage-section" aria-labelledby="usage-cache-title">
            <h3 id="usage-cache-title">Cache</h3>
            <dl className="facts">
              <dt>Cache hits</dt>
              <dd data-testid="usage-cache-hits">
                {s.cache_hits_hour} in the last hour, {s.cache_hits_day} in the last day
              </dd>
              <dt>Hit ratio (last day)</dt>
              <dd data-testid="usage-hit-ratio">
                {s.hit_ratio_day === null || s.hit_ratio_day === undefined
                  ? "—"
                  : `${Math.round(s.hit_ratio_day * 100)}%`}
              </dd>
            </dl>
          </section>
          <section className="usage-section" aria-labelledby="usage-watch-title" data-testid="watch-status">
            <div className="usage-section-head">
              <h3 id="usage-watch-title">Rotation watch</h3>
              <button
                type="button"
                className="button button-small"
                onClick={checkNow}
                disabled={checking}
                aria-busy={checking || undefined}
                data-testid="watch-check-now"
              >
                <span className={checking ? "spin" : undefined}>
                  <Icon.refresh />
                </span>
                {checking ? "Checking…" : "Check now"}
              </button>
            </div>
            <dl className="facts">
              <dt>Looks</dt>
              <dd>
                {w.policy.interval_secs === 0 ? "Off" : `Every ${duration(w.policy.interval_secs)}`}
                {w.policy.interval_secs !== 0 &&
                  `, at most ${plural(w.policy.max_calls, "call")} a look${
                    w.policy.refresh_and_test ? "; refreshes and re-tests what rotated" : ""
                  }`}
              </dd>
              <dt>Last look</dt>
              <dd data-testid="watch-last-run">
                {w.last_run_at ? (
                  <span title={dateTime(w.last_run_at)}>
                    {relativeTime(w.last_run_at)} · {plural(w.calls, "call")}
                  </span>
                ) : (
                  "Not yet"
                )}
              </dd>
              {w.outcome && (
                <>
                  <dt>Outcome</dt>
                  <dd>
                    <span className={OUTCOME_BADGE[w.outcome] ?? "badge"} data-testid="watch-outcome">
                      {WATCH_OUTCOME[w.outcome] ?? w.outcome}
                    </span>
                    {w.detail && <span className="usage-detail"> {w.detail}</span>}
                  </dd>
                </>
              )}
              <dt>Next look</dt>
              <dd data-testid="watch-next-run">
                {w.next_run_at ? dateTime(w.next_run_at) : w.policy.interval_secs === 0 ? "—" : "Soon"}
              </dd>
            </dl>
            <p className="sr-only" role="status">
              {checking ? "Checking…" : result ? watchSummary(result) : ""}
            </p>
            {checkError && (
              <p className="banner banner-error" role="alert">
                <Icon.alert />
                <span>{checkError}</span>
              </p>
            )}
            {result && (
              <div
                className={failedLook ? "banner banner-error watch-result" : "banner banner-ok watch-result"}
                data-testid="watch-result"
              >
                <div className="watch-result-body">
                  {watchSummary(result)}
                  {result.detail && ` ${result.detail}`}
                  {result.rotated.length > 0 && (
                    <ul className="watch-rotated">
                      {result.rotated.map((r) => (
                        <li key={r.reference}>
                          <span className="mono">{r.reference}</span>
                          {(r.from || r.to) && (
                            <span className="mono">
                              {" "}
                              {r.from ?? "?"} → {r.to ?? "?"}
                            </span>
                          )}
                          {r.connections.length > 0 && <> · used by {r.connections.join(", ")}</>}
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
              </div>
            )}
          </section>
        </div>
      )}
    </Modal>
  );
}
