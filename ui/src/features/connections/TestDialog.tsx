import { useEffect, useState } from "react";
import { Modal } from "../../components/Modal";
import { api, type ConnectionView, errorMessage, type StepReport } from "../../ipc/api";

const TITLES = ["Request the secret", "Retrieve and decrypt", "Authenticate", "Check access"];

/**
 * The four test steps as a timeline: the ones in `steps` with their outcome, the next one
 * "running…" while `running`, the rest pending. Used live by TestDialog and for a finished
 * TestReport (e.g. after "Refresh and test").
 */
export function StepTimeline({ steps, running = false }: { steps: StepReport[]; running?: boolean }) {
  return (
    <ol className="timeline" aria-live="polite" data-testid="test-timeline">
      {TITLES.map((title, i) => {
        const s = steps.find((x) => x.step === i + 1);
        const state = s?.outcome ?? (running && steps.length === i ? "running" : "pending");
        return (
          <li key={title} className={`step step-${state}`} data-testid={`step-${i + 1}`} data-outcome={state}>
            <span className="step-dot" aria-hidden="true" />
            <div className="step-body">
              <div className="step-head">
                <strong>
                  {i + 1}. {title}
                </strong>
                <span className="muted">
                  {state === "running"
                    ? "running…"
                    : s && s.outcome !== "skipped"
                      ? `${s.duration_ms} ms`
                      : ""}
                </span>
              </div>
              {s && s.outcome === "ok" && <p className="muted step-detail">{s.detail}</p>}
              {s && s.outcome === "failed" && (
                <div className="step-failure">
                  <p>
                    <span className="badge badge-error mono">{s.code}</span> {s.cause}
                  </p>
                  {s.fix && <p className="muted">Fix: {s.fix}.</p>}
                </div>
              )}
              {s && s.outcome === "skipped" && <p className="muted step-detail">Skipped.</p>}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

/** Runs "Test connection" and shows the four steps as a timeline, filled in as they finish. */
export function TestDialog({ connection, onClose }: { connection: ConnectionView; onClose: () => void }) {
  const [steps, setSteps] = useState<StepReport[]>([]);
  const [done, setDone] = useState<boolean | undefined>();
  const [error, setError] = useState<string>();
  const [run, setRun] = useState(0);
  useEffect(() => {
    let live = true;
    setSteps([]);
    setDone(undefined);
    setError(undefined);
    api
      .testConnection(
        connection.id,
        (s) => live && setSteps((all) => [...all.filter((x) => x.step !== s.step), s]),
      )
      .then(
        (r) => live && setDone(r.ok),
        (e) => live && setError(errorMessage(e)),
      );
    return () => {
      live = false;
    };
  }, [connection.id, run]);

  const running = done === undefined && !error;
  return (
    <Modal
      title={`Test “${connection.name}”`}
      description="Latchkey fetches the credentials and signs in, as the connection would."
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={() => setRun((n) => n + 1)} disabled={running}>
            Run again
          </button>
          <button type="button" className="button button-primary" onClick={onClose} data-autofocus>
            Close
          </button>
        </>
      }
    >
      <StepTimeline steps={steps} running={running} />
      {done === true && (
        <p className="banner banner-ok" role="status">
          All four steps passed.
        </p>
      )}
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
    </Modal>
  );
}
