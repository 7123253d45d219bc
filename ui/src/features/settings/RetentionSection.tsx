import { type FormEvent, useId, useState } from "react";
import { TextField } from "../../components/Field";
import { ErrorBanner } from "../../components/States";
import { api, CommandError } from "../../ipc/api";

export const MIN_DAYS = 1;
export const MAX_DAYS = 3650;
/** The field key the server names for a refused retention. */
const DAYS_FIELD = "audit_retention_days";

/** Why a number of days typed in is refused, or undefined when it is fine. */
export function daysError(text: string): string | undefined {
  const t = text.trim();
  if (t === "") return `Enter a number of days from ${MIN_DAYS} to ${MAX_DAYS}.`;
  if (!/^\d+$/.test(t)) return "Enter a whole number of days, such as 90.";
  const n = Number(t);
  if (n < MIN_DAYS || n > MAX_DAYS) return `Keep audit events for ${MIN_DAYS} to ${MAX_DAYS} days.`;
  return undefined;
}

const pruned = (n: number) => `${n} old ${n === 1 ? "event" : "events"} pruned`;

/** Settings › Audit log: how long events are kept; saving prunes older ones at once. */
export function RetentionSection({ days }: { days: number | undefined }) {
  // What is typed; undefined while the field shows the saved value.
  const [text, setText] = useState<string>();
  const [saved, setSaved] = useState<number>();
  const [result, setResult] = useState<number>();
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  const titleId = useId();

  const current = saved ?? days;
  const value = text ?? (current === undefined ? "" : String(current));
  const error = (text !== undefined ? daysError(text) : undefined) ?? serverError;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const err = daysError(value);
    if (err) {
      setText(value);
      return;
    }
    const n = Number(value.trim());
    setBusy(true);
    setFailure(undefined);
    setServerError(undefined);
    setResult(undefined);
    try {
      setResult(await api.setAuditRetention(n));
      setSaved(n);
      setText(undefined);
    } catch (e) {
      const fieldError = e instanceof CommandError ? e.fieldErrors()[DAYS_FIELD] : undefined;
      if (fieldError) setServerError(fieldError);
      else setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby={titleId}>
      <h2 id={titleId}>Audit log</h2>
      <p className="muted">Events older than this are deleted when you save and each time Latchkey opens.</p>
      {failure !== undefined && <ErrorBanner error={failure} />}
      <form className="retention-form" onSubmit={save} noValidate aria-label="Audit retention">
        <TextField
          label="Keep events for (days)"
          name="audit_retention_days"
          type="text"
          inputMode="numeric"
          className="input-narrow"
          value={value}
          onChange={(v) => {
            setText(v);
            setServerError(undefined);
            setResult(undefined);
          }}
          error={error}
          help={`From ${MIN_DAYS} to ${MAX_DAYS} days.`}
          disabled={current === undefined}
        />
        <button type="submit" className="button" disabled={busy || current === undefined}>
          {busy ? "Saving…" : "Save"}
        </button>
      </form>
      <p className="muted small" role="status" data-testid="retention-result">
        {result !== undefined ? `Saved. ${pruned(result)}.` : ""}
      </p>
    </section>
  );
}
