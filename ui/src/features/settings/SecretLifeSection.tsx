import { type FormEvent, useId, useState } from "react";
import { TextField } from "../../components/Field";
import { ErrorBanner } from "../../components/States";
import { useToast } from "../../components/Toasts";
import { api, CommandError, type WorkspaceSettings } from "../../ipc/api";

export const MIN_WARNING_DAYS = 1;
export const MAX_WARNING_DAYS = 365;
/** The field key the server names for refused warning days. */
const DAYS_FIELD = "expiry_warning_days";

/** Why a number of warning days typed in is refused, or undefined when it is fine. */
export function warningDaysError(text: string): string | undefined {
  const t = text.trim();
  if (t === "") return `Enter a number of days from ${MIN_WARNING_DAYS} to ${MAX_WARNING_DAYS}.`;
  if (!/^\d+$/.test(t)) return "Enter a whole number of days, such as 14.";
  const n = Number(t);
  if (n < MIN_WARNING_DAYS || n > MAX_WARNING_DAYS)
    return `Warn ${MIN_WARNING_DAYS} to ${MAX_WARNING_DAYS} days ahead.`;
  return undefined;
}

type Life = Pick<WorkspaceSettings, "reveal_enabled" | "expiry_warning_days">;

/**
 * Settings › Secrets: whether a value may be revealed (off by default; every reveal and
 * copy is audited), and how many days ahead expiry and rotation-due warnings start.
 */
export function SecretLifeSection({ settings }: { settings: Life | undefined }) {
  const [saved, setSaved] = useState<Life>();
  // What is typed; undefined while the field shows the saved value.
  const [text, setText] = useState<string>();
  const [busy, setBusy] = useState<"reveal" | "days">();
  const [serverError, setServerError] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  const toast = useToast();
  const titleId = useId();
  const switchLabelId = useId();
  const switchHelpId = useId();

  const current = saved ?? settings;
  const days = text ?? (current ? String(current.expiry_warning_days) : "");
  const error = (text !== undefined ? warningDaysError(text) : undefined) ?? serverError;

  const save = async (reveal: boolean, n: number, what: "reveal" | "days") => {
    setBusy(what);
    setFailure(undefined);
    setServerError(undefined);
    try {
      const s = await api.setSecretLife(reveal, n);
      setSaved({ reveal_enabled: s.reveal_enabled, expiry_warning_days: s.expiry_warning_days });
      if (what === "days") {
        setText(undefined);
        toast(`Warnings start ${s.expiry_warning_days} day${s.expiry_warning_days === 1 ? "" : "s"} ahead`);
      } else toast(s.reveal_enabled ? "Reveal turned on (audited)" : "Reveal turned off");
    } catch (e) {
      const fieldError = e instanceof CommandError ? e.fieldErrors()[DAYS_FIELD] : undefined;
      if (fieldError) setServerError(fieldError);
      else setFailure(e);
    } finally {
      setBusy(undefined);
    }
  };

  const toggle = () => {
    if (!current) return;
    // The days saved stay as they are (whatever is typed is saved with its own button).
    save(!current.reveal_enabled, current.expiry_warning_days, "reveal");
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!current) return;
    if (warningDaysError(days)) {
      setText(days);
      return;
    }
    save(current.reveal_enabled, Number(days.trim()), "days");
  };

  const enabled = current?.reveal_enabled ?? false;
  return (
    <section className="card" aria-labelledby={titleId} data-testid="secret-life">
      <h2 id={titleId}>Secrets</h2>
      {failure !== undefined && <ErrorBanner error={failure} />}

      <div className="switch-row">
        <button
          type="button"
          role="switch"
          className="switch"
          aria-checked={enabled}
          aria-labelledby={switchLabelId}
          aria-describedby={switchHelpId}
          onClick={toggle}
          disabled={!current || busy !== undefined}
          data-testid="reveal-switch"
        >
          <span className="switch-knob" aria-hidden="true" />
        </button>
        <span id={switchLabelId}>Allow revealing secret values</span>
      </div>
      <p className="muted small" id={switchHelpId}>
        Off by default. When on, the Secrets page and the secret picker can show a value for 30 seconds or
        copy it to the clipboard; every reveal and every copy is recorded in the audit log with your OS user.
      </p>

      <form className="retention-form" onSubmit={submit} noValidate aria-label="Expiry warnings">
        <TextField
          label="Warn this many days before a secret expires or is due to rotate"
          name="expiry_warning_days"
          type="text"
          inputMode="numeric"
          className="input-narrow"
          value={days}
          onChange={(v) => {
            setText(v);
            setServerError(undefined);
          }}
          error={error}
          help={`From ${MIN_WARNING_DAYS} to ${MAX_WARNING_DAYS} days. The Secrets page and the connections' status warn from then on.`}
          disabled={!current}
        />
        <button type="submit" className="button" disabled={busy !== undefined || !current}>
          {busy === "days" ? "Saving…" : "Save"}
        </button>
      </form>
    </section>
  );
}
