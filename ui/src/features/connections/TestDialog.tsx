import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { Modal } from "../../components/Modal";
import {
  api,
  CommandError,
  type ConnectionView,
  errorMessage,
  type StepReport,
  type Trial_Deserialize,
} from "../../ipc/api";
import { parseSecretRef } from "../../lib/secretRef";

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

/** Stages a trial may read, suggested as the stage is typed (AWS's pending and previous versions). */
export const TRIAL_STAGES = ["AWSPENDING", "AWSPREVIOUS"];

/** The secrets a connection's fields reference (their paths, each once, sorted). */
export function secretsOf(c: ConnectionView): string[] {
  const paths = Object.values(c.fields).flatMap((v) =>
    v.source === "secret" ? [parseSecretRef(v.reference)?.path ?? ""] : [],
  );
  return [...new Set(paths.filter(Boolean))].sort();
}

/**
 * "Test with another version…": which secret (when the connection uses several), and the
 * stage or version ID to read it at, for one test only.
 */
function TrialForm({
  secrets,
  errors,
  disabled,
  onRun,
}: {
  secrets: string[];
  /** Field key (`secret`, `version`) → why the engine or the form refused it. */
  errors: Record<string, string>;
  disabled: boolean;
  onRun: (trial: Trial_Deserialize) => void;
}) {
  const [kind, setKind] = useState<"stage" | "version">("stage");
  const [value, setValue] = useState("");
  const [secret, setSecret] = useState(secrets[0] ?? "");
  const [missing, setMissing] = useState<string>();
  const id = useId();
  const valueRef = useRef<HTMLInputElement>(null);
  // Opened by its toggle: the value to test with is what is typed first.
  useEffect(() => valueRef.current?.focus(), []);
  const valueError = missing ?? errors.version ?? errors.stage;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = value.trim();
    if (!v) {
      setMissing(kind === "stage" ? "Enter a stage, such as AWSPENDING." : "Enter a version ID.");
      return;
    }
    onRun({
      secret: secrets.length > 1 ? secret : null,
      stage: kind === "stage" ? v : null,
      version: kind === "version" ? v : null,
    });
  };
  return (
    <form className="trial-form" onSubmit={submit} noValidate aria-label="Test with another version">
      <p className="muted small">
        Reads one secret at another version or stage for this test only: the connection, the cache and the
        versions in use do not change.
      </p>
      {secrets.length > 1 ? (
        <div className={errors.secret ? "field field-invalid" : "field"}>
          <label htmlFor={`${id}-secret`}>Secret</label>
          <select
            id={`${id}-secret`}
            name="trial_secret"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            aria-invalid={Boolean(errors.secret)}
            aria-describedby={errors.secret ? `${id}-secret-error` : undefined}
          >
            {secrets.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          {errors.secret && (
            <p className="field-error" id={`${id}-secret-error`}>
              {errors.secret}
            </p>
          )}
        </div>
      ) : (
        <p className="small">
          Secret: <span className="mono">{secrets[0]}</span>
          {errors.secret && (
            <span className="field-error" role="alert">
              {" "}
              {errors.secret}
            </span>
          )}
        </p>
      )}
      <fieldset className="choice-list trial-kind">
        <legend className="field-label">Read it at</legend>
        <label>
          <input
            type="radio"
            name={`${id}-kind`}
            checked={kind === "stage"}
            onChange={() => {
              setKind("stage");
              setMissing(undefined);
            }}
          />
          A stage
        </label>
        <label>
          <input
            type="radio"
            name={`${id}-kind`}
            checked={kind === "version"}
            onChange={() => {
              setKind("version");
              setMissing(undefined);
            }}
          />
          A version ID
        </label>
      </fieldset>
      <div className={valueError ? "field field-invalid" : "field"}>
        <label htmlFor={`${id}-value`}>{kind === "stage" ? "Stage" : "Version ID"}</label>
        <input
          id={`${id}-value`}
          name={kind === "stage" ? "trial_stage" : "trial_version"}
          className="mono"
          value={value}
          list={kind === "stage" ? `${id}-stages` : undefined}
          placeholder={kind === "stage" ? "AWSPENDING" : "a version ID"}
          onChange={(e) => {
            setValue(e.target.value);
            setMissing(undefined);
          }}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={Boolean(valueError)}
          aria-describedby={valueError ? `${id}-value-error` : `${id}-value-help`}
          ref={valueRef}
        />
        {kind === "stage" && (
          <datalist id={`${id}-stages`}>
            {TRIAL_STAGES.map((st) => (
              <option key={st} value={st} />
            ))}
          </datalist>
        )}
        {valueError ? (
          <p className="field-error" id={`${id}-value-error`}>
            {valueError}
          </p>
        ) : (
          <p className="field-help" id={`${id}-value-help`}>
            {kind === "stage"
              ? "AWSPENDING is the version a rotation is about to make current; AWSPREVIOUS the one before."
              : "The ID of the version to read, as the picker or the manager shows it."}
          </p>
        )}
      </div>
      <div className="form-actions-left">
        <button type="submit" className="button" disabled={disabled}>
          Test with this version
        </button>
      </div>
    </form>
  );
}

type Outcome = { ok: boolean; trial: string | null } | { error: string } | { refused: true };

/**
 * Runs "Test connection" and shows the four steps as a timeline, filled in as they finish.
 * A failed step may offer a change (trust an SSH server's host key on first use):
 * accepting it saves the offered settings and tests again. "Test with another version…"
 * runs the same test with one secret read at another version or stage (test before cutover).
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
  const [outcome, setOutcome] = useState<Outcome>();
  // Each run: a number that changes, and the trial it reads with (null: the connection's own versions).
  const [run, setRun] = useState<{ n: number; trial: Trial_Deserialize | null }>({ n: 0, trial: null });
  const [dismissed, setDismissed] = useState(false);
  const [trusting, setTrusting] = useState(false);
  const [offerError, setOfferError] = useState<string>();
  const [trialOpen, setTrialOpen] = useState(false);
  const [trialErrors, setTrialErrors] = useState<Record<string, string>>({});
  const trialId = useId();
  const secrets = secretsOf(connection);

  useEffect(() => {
    let live = true;
    setSteps([]);
    setOutcome(undefined);
    setDismissed(false);
    setOfferError(undefined);
    setTrialErrors({});
    api
      .testConnection(
        connection.id,
        run.trial,
        (s) => live && setSteps((all) => [...all.filter((x) => x.step !== s.step), s]),
      )
      .then(
        (r) => live && setOutcome({ ok: r.ok, trial: r.trial ?? null }),
        (e) => {
          if (!live) return;
          // A trial the engine refuses (no such secret, a bad version) is shown under its field.
          const fields = run.trial && e instanceof CommandError ? e.fieldErrors() : {};
          const own = ["secret", "version", "stage"].filter((f) => f in fields);
          if (own.length > 0) {
            setTrialErrors(fields);
            setOutcome({ refused: true });
          } else setOutcome({ error: errorMessage(e) });
        },
      );
    return () => {
      live = false;
    };
  }, [connection.id, run]);

  const again = (trial: Trial_Deserialize | null) => setRun((r) => ({ n: r.n + 1, trial }));

  const trust = async (offer: Offer) => {
    setTrusting(true);
    setOfferError(undefined);
    try {
      const saved = await api.acceptOffer(connection.id, offer.fields);
      onChanged?.(saved);
      again(null);
    } catch (e) {
      setOfferError(errorMessage(e));
    } finally {
      setTrusting(false);
    }
  };

  const running = outcome === undefined;
  const refused = outcome !== undefined && "refused" in outcome;
  return (
    <Modal
      title={`Test “${connection.name}”`}
      description="Latchkey fetches the credentials and signs in, as the connection would."
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={() => again(null)} disabled={running || trusting}>
            Run again
          </button>
          <button type="button" className="button button-primary" onClick={onClose} data-autofocus>
            Close
          </button>
        </>
      }
    >
      {refused ? (
        <p className="muted" data-testid="trial-refused">
          The test did not run: check the version to test with below.
        </p>
      ) : (
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
      )}
      {outcome && "ok" in outcome && outcome.trial && (
        <p className="banner banner-info trial-banner" data-testid="trial-banner">
          <span>
            <strong>Test before cutover:</strong> with <span className="mono">{outcome.trial}</span> — the
            connection is unchanged
          </span>
        </p>
      )}
      {outcome && "ok" in outcome && outcome.ok && (
        <p className="banner banner-ok" role="status">
          All four steps passed.
        </p>
      )}
      {outcome && "error" in outcome && (
        <p className="banner banner-error" role="alert">
          {outcome.error}
        </p>
      )}
      {secrets.length > 0 && (
        <div className="trial">
          <button
            type="button"
            className="link-button accent trial-toggle"
            aria-expanded={trialOpen}
            aria-controls={trialOpen ? trialId : undefined}
            onClick={() => setTrialOpen((o) => !o)}
            data-testid="trial-toggle"
          >
            Test with another version…
          </button>
          {trialOpen && (
            <div id={trialId}>
              <TrialForm
                secrets={secrets}
                errors={trialErrors}
                disabled={running || trusting}
                onRun={(trial) => again(trial)}
              />
            </div>
          )}
        </div>
      )}
    </Modal>
  );
}
