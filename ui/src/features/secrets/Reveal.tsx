// The audited reveal, shared by the Secrets page and the picker: ask first, show the value
// as text for a short while (never in an attribute, never logged, dropped from state when
// it hides), and copy it to the clipboard with its own audited call, cleared again later.
import { useEffect, useId, useRef, useState } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { useToast } from "../../components/Toasts";
import { api, errorMessage } from "../../ipc/api";

/** What a reveal reads: one secret of one manager, at a version (null: the current one). */
export interface RevealTarget {
  providerId: string;
  secret: string;
  /** A version ID; null reads the current version. */
  version: string | null;
  /** What the confirmation names (the reference, as connections write it). */
  reference: string;
  /** JSON keys the user may choose from (none: the whole value only). */
  keys: string[];
  /** The key chosen to start with; null for the whole value. */
  key: string | null;
}

/** A value on screen: held only while it is shown. */
export interface Shown {
  target: RevealTarget;
  key: string | null;
  value: string;
  versionId: string | null;
  hideAfterSecs: number;
}

/** How long a copied value stays on the clipboard when the engine does not say. */
const CLEAR_AFTER_SECS = 30;
let clipboardTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Empties the clipboard after `secs`, even when the dialog that copied has closed (one
 * timer for the app: a newer copy restarts it).
 */
function clearClipboardLater(secs: number) {
  if (clipboardTimer !== undefined) clearTimeout(clipboardTimer);
  clipboardTimer = setTimeout(() => {
    clipboardTimer = undefined;
    navigator.clipboard?.writeText("").catch(() => {});
  }, secs * 1000);
}

/** Reads the value again for the clipboard (audited as a copy) and writes it there; says how it went. */
export async function copySecret(
  target: RevealTarget,
  key: string | null,
  toast: (text: string, kind?: "ok" | "error") => void,
): Promise<void> {
  if (!navigator.clipboard?.writeText) {
    toast("The clipboard is not available here: select the value and copy it yourself.", "error");
    return;
  }
  try {
    const got = await api.revealSecret({
      provider_id: target.providerId,
      secret: target.secret,
      version: target.version,
      json_key: key,
      purpose: "copy",
    });
    await navigator.clipboard.writeText(got.value);
    const secs = got.hide_after_secs || CLEAR_AFTER_SECS;
    clearClipboardLater(secs);
    toast(`Copied. The clipboard is cleared in ${secs} s.`);
  } catch (e) {
    toast(`Could not copy: ${errorMessage(e)}`, "error");
  }
}

/**
 * "Reveal the value of …?": the confirmation, with the JSON key to reveal when there is
 * a choice; on confirm, reads the value (audited) and hands it over.
 */
export function RevealConfirm({
  target,
  onRevealed,
  onClose,
}: {
  target: RevealTarget;
  onRevealed: (shown: Shown) => void;
  onClose: () => void;
}) {
  const [key, setKey] = useState<string | null>(target.key);
  const keyId = useId();
  const cancelled = useRef(false);
  return (
    <ConfirmDialog
      title="Reveal this value?"
      confirmLabel="Reveal"
      body={
        <>
          <p>
            Reveal the value of <code className="mono reveal-reference">{target.reference}</code>? The reveal
            is recorded in the audit log.
          </p>
          <p className="muted small">
            {target.version ? (
              <>
                Version <span className="mono">{target.version}</span>.
              </>
            ) : (
              "The current version."
            )}{" "}
            It is shown for 30 seconds, then hidden again.
          </p>
          {target.keys.length > 0 && (
            <div className="field">
              <label htmlFor={keyId}>Value to reveal</label>
              <select
                id={keyId}
                name="reveal_key"
                value={key ?? ""}
                onChange={(e) => setKey(e.target.value === "" ? null : e.target.value)}
              >
                <option value="">Whole value</option>
                {target.keys.map((k) => (
                  <option key={k} value={k}>
                    JSON key {k}
                  </option>
                ))}
              </select>
            </div>
          )}
        </>
      }
      onConfirm={async () => {
        cancelled.current = false;
        const got = await api.revealSecret({
          provider_id: target.providerId,
          secret: target.secret,
          version: target.version,
          json_key: key,
          purpose: "reveal",
        });
        // Cancelled or closed while the value was on its way: show nothing.
        if (cancelled.current) return;
        onRevealed({
          target,
          key,
          value: got.value,
          versionId: got.version_id,
          hideAfterSecs: got.hide_after_secs > 0 ? got.hide_after_secs : CLEAR_AFTER_SECS,
        });
      }}
      onClose={() => {
        cancelled.current = true;
        onClose();
      }}
    />
  );
}

/**
 * A revealed value in a monospace box with a countdown; it hides itself (`onHide`) when
 * the countdown ends. Copy reads it again as an audited copy.
 */
export function RevealedValue({ shown, onHide }: { shown: Shown; onHide: () => void }) {
  const [left, setLeft] = useState(shown.hideAfterSecs);
  const [copying, setCopying] = useState(false);
  const toast = useToast();
  const copyRef = useRef<HTMLButtonElement>(null);
  const hideRef = useRef(onHide);
  hideRef.current = onHide;

  useEffect(() => {
    copyRef.current?.focus();
  }, []);

  useEffect(() => {
    const deadline = Date.now() + shown.hideAfterSecs * 1000;
    const tick = setInterval(() => {
      const secs = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      setLeft(secs);
      if (secs === 0) {
        clearInterval(tick);
        hideRef.current();
      }
    }, 1000);
    return () => clearInterval(tick);
  }, [shown]);

  const copy = async () => {
    setCopying(true);
    await copySecret(shown.target, shown.key, toast);
    setCopying(false);
  };

  return (
    <div className="revealed" data-testid="revealed">
      <div className="revealed-head">
        <span className="muted small">
          {shown.key !== null ? (
            <>
              JSON key <span className="mono">{shown.key}</span>
            </>
          ) : (
            "Whole value"
          )}
          {shown.versionId && (
            <>
              {" "}
              · version <span className="mono">{shown.versionId}</span>
            </>
          )}
        </span>
        <span className="badge badge-warn revealed-countdown" data-testid="reveal-countdown" aria-live="off">
          Hides in {left} s
        </span>
      </div>
      <pre className="revealed-value mono" data-testid="revealed-value">
        {shown.value}
      </pre>
      <div className="revealed-actions">
        <button
          ref={copyRef}
          type="button"
          className="button button-small"
          onClick={copy}
          disabled={copying}
          data-autofocus
        >
          {copying ? "Copying…" : "Copy"}
        </button>
        <button type="button" className="button button-small" onClick={onHide}>
          Hide
        </button>
        <span className="muted small">Copying is recorded in the audit log too.</span>
      </div>
    </div>
  );
}
