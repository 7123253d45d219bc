import { useState } from "react";
import type { ModeSwitchReport, SecretsMode } from "../../ipc/api";
import { ModeBadge } from "../providers/scope";
import { ModeSwitchDialog, switchSummary } from "./ModeSwitchDialog";

interface Props {
  /** The current mode; undefined while the workspace info loads. */
  mode: SecretsMode | undefined;
  /** After a switch: the caller reloads what depends on the mode. */
  onSwitched: (report: ModeSwitchReport) => void;
}

/** Settings › Secrets management: the current mode, what each means, and the switch (after a preview). */
export function SecretsModeSection({ mode, onSwitched }: Props) {
  const [open, setOpen] = useState(false);
  const [last, setLast] = useState<ModeSwitchReport>();
  const to: SecretsMode = mode === "project" ? "workspace" : "project";

  return (
    <section className="card" aria-labelledby="secrets-mode-title" data-testid="secrets-mode-section">
      <div className="card-header">
        <div>
          <h2 id="secrets-mode-title">Secrets management</h2>
          <p className="mode-current">
            Current mode: <ModeBadge mode={mode} testId="mode-badge" nameTestId="secrets-mode" />
          </p>
        </div>
        <div className="page-actions">
          <button
            type="button"
            className="button"
            onClick={() => {
              setLast(undefined);
              setOpen(true);
            }}
            disabled={mode === undefined}
            data-testid="mode-switch"
          >
            {to === "project" ? "Switch to project mode…" : "Switch to workspace mode…"}
          </button>
        </div>
      </div>
      <div className="mode-explainer-text">
        <p>
          <strong>Workspace mode.</strong> One set of secrets managers serves every project: any project's
          connections may use any of them.
        </p>
        <p>
          <strong>Project mode.</strong> Each project has its own secrets managers — for example its own AWS
          IAM role with its own external ID, or its own Vault AppRole — and a connection may only use its own
          project's. Never both at once: switching shows first which secret references would stop working.
        </p>
      </div>
      {last && (
        <p className="banner banner-ok" role="status" data-testid="mode-result">
          <span>{switchSummary(last)}</span>
        </p>
      )}
      {open && (
        <ModeSwitchDialog
          to={to}
          onClose={() => setOpen(false)}
          onSwitched={(report) => {
            setOpen(false);
            setLast(report);
            onSwitched(report);
          }}
        />
      )}
    </section>
  );
}
