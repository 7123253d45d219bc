import { type ReactNode, useEffect, useState } from "react";
import { Modal } from "../../components/Modal";
import { api, type ConnectionView, errorMessage, type StepReport } from "../../ipc/api";

type Offer = NonNullable<StepReport["offer"]>;

/** The prompt's text with SSH fingerprints (SHA256:…, MD5:…) set in monospace. */
function PromptText({ text }: { text: string }) {
  const parts = text.split(/((?:SHA256|SHA1|MD5):[A-Za-z0-9+/=:]+)/);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <code key={i} className="fingerprint">
            {part}
          </code>
        ) : (
          part
        ),
      )}
    </>
  );
}

const TITLES = ["Request the secret", "Retrieve and decrypt", "Authenticate", "Check access"];

/**
 * The four test steps as a timeline: the ones in `steps` with their outcome, the next one
 * "running…" while `running`, the rest pending. Used live by TestDialog and for a finished
 * TestReport (e.g. after "Refresh and test").
 */
export function StepTimeline({
  steps,
  running = false,
  offerActions,
}: {
  steps: StepReport[];
  running?: boolean;
  /** The buttons under a failed step's offer (trust this host key); none: the prompt only. */
  offerActions?: (offer: Offer) => ReactNode;
}) {
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
                <div
                  className={
                    s.code === "host_key_mismatch" ? "step-failure step-failure-danger" : "step-failure"
                  }
                  data-code={s.code ?? undefined}
                >
                  <p>
                    <span className="badge badge-error mono">{s.code}</span> {s.cause}
                  </p>
                  {s.fix && <p className="muted">Fix: {s.fix}.</p>}
                  {s.offer && (
                    <div className="step-offer" data-testid="step-offer">
                      <p className="step-offer-prompt">
                        <PromptText text={s.offer.prompt} />
                      </p>
                      {offerActions ? (
                        offerActions(s.offer)
                      ) : (
                        <p className="muted small">Test this connection on its own to answer.</p>
                      )}
                    </div>
                  )}
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

/**
 * Runs "Test connection" and shows the four steps as a timeline, filled in as they finish.
 * A failed step may offer a change (trust an SSH server's host key on first use):
 * accepting it saves the offered settings and tests again.
 */
export function TestDialog({
  connection,
  onClose,
  onChanged,
}: {
  connection: ConnectionView;
  onClose: () => void;
  /** The connection was changed (an offer accepted): its list should reload. */
  onChanged?: (c: ConnectionView) => void;
}) {
  const [steps, setSteps] = useState<StepReport[]>([]);
  const [done, setDone] = useState<boolean | undefined>();
  const [error, setError] = useState<string>();
  const [run, setRun] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const [trusting, setTrusting] = useState(false);
  const [offerError, setOfferError] = useState<string>();
  useEffect(() => {
    let live = true;
    setSteps([]);
    setDone(undefined);
    setError(undefined);
    setDismissed(false);
    setOfferError(undefined);
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

  const trust = async (offer: Offer) => {
    setTrusting(true);
    setOfferError(undefined);
    try {
      const saved = await api.acceptOffer(connection.id, offer.fields);
      onChanged?.(saved);
      setRun((n) => n + 1);
    } catch (e) {
      setOfferError(errorMessage(e));
    } finally {
      setTrusting(false);
    }
  };

  const running = done === undefined && !error;
  return (
    <Modal
      title={`Test “${connection.name}”`}
      description="Latchkey fetches the credentials and signs in, as the connection would."
      onClose={onClose}
      footer={
        <>
          <button
            type="button"
            className="button"
            onClick={() => setRun((n) => n + 1)}
            disabled={running || trusting}
          >
            Run again
          </button>
          <button type="button" className="button button-primary" onClick={onClose} data-autofocus>
            Close
          </button>
        </>
      }
    >
      <StepTimeline
        steps={steps}
        running={running}
        offerActions={(offer) =>
          dismissed ? (
            <p className="muted small" data-testid="offer-dismissed">
              Not trusted. The connection is unchanged.
            </p>
          ) : (
            <>
              {offerError && (
                <p className="field-error" role="alert">
                  {offerError}
                </p>
              )}
              <div className="step-offer-actions">
                <button
                  type="button"
                  className="button button-primary button-small"
                  onClick={() => trust(offer)}
                  disabled={trusting || running}
                  data-testid="offer-accept"
                >
                  {trusting ? "Saving…" : "Trust and test again"}
                </button>
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => setDismissed(true)}
                  disabled={trusting}
                  data-testid="offer-dismiss"
                >
                  Cancel
                </button>
              </div>
            </>
          )
        }
      />
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
