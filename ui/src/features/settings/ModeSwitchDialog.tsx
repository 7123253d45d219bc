import { useEffect, useId, useMemo, useState } from "react";
import { Icon } from "../../components/icons";
import { Modal } from "../../components/Modal";
import { ErrorBanner } from "../../components/States";
import { useToast } from "../../components/Toasts";
import {
  api,
  type ImpactStatus,
  type ModeMapping_Serialize,
  type ModePreview_Serialize,
  type ModeSwitchReport,
  type ProposedManager_Serialize,
  type ReferenceImpact_Serialize,
  type SecretsMode,
} from "../../ipc/api";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One mapping's identity: the manager copied, and for which project (or the workspace). */
export const mappingKey = (m: ModeMapping_Serialize) => `${m.source_id}|${m.project_id ?? ""}`;

const STATUS: Record<ImpactStatus, { label: string; badge: string; rank: number }> = {
  fails: { label: "Fails", badge: "badge badge-error", rank: 0 },
  stops: { label: "Stops working", badge: "badge badge-error", rank: 1 },
  already_broken: { label: "Already broken", badge: "badge badge-warn", rank: 2 },
  works: { label: "Works", badge: "badge badge-ok", rank: 3 },
};

/** The references that break first, then the ones already broken, then those that keep working. */
export function sortReferences(refs: ReferenceImpact_Serialize[]): ReferenceImpact_Serialize[] {
  return [...refs].sort(
    (a, b) =>
      STATUS[a.status].rank - STATUS[b.status].rank ||
      a.project.localeCompare(b.project) ||
      a.connection.localeCompare(b.connection) ||
      a.field.localeCompare(b.field),
  );
}

/** What a finished switch did, in one sentence. */
export function switchSummary(r: ModeSwitchReport): string {
  const parts = [`Switched to ${r.mode} mode.`];
  if (r.added.length > 0) parts.push(`Added ${r.added.join(", ")}.`);
  if (r.removed.length > 0) parts.push(`Removed ${r.removed.join(", ")}.`);
  parts.push(
    r.broken === 0
      ? "Every secret reference still names a manager."
      : `${plural(r.broken, "secret reference")} no longer ${r.broken === 1 ? "names" : "name"} a manager.`,
  );
  return parts.join(" ");
}

interface Props {
  to: SecretsMode;
  onSwitched: (report: ModeSwitchReport) => void;
  onClose: () => void;
}

/**
 * Switching the secrets mode, shown before anything changes: the managers the new scope
 * gets (each can be left out, then checked again), every secret reference and whether it
 * keeps working (a dry run), and a confirmation when some would stop.
 */
export function ModeSwitchDialog({ to, onSwitched, onClose }: Props) {
  // The mappings to check: null asks the engine for its proposal. Each Check again is a new object.
  const [request, setRequest] = useState<{ mappings: ModeMapping_Serialize[] | null }>({ mappings: null });
  const [preview, setPreview] = useState<ModePreview_Serialize>();
  /** The mappings the preview on screen was computed with: exactly what Switch sends. */
  const [previewed, setPreviewed] = useState<ModeMapping_Serialize[]>([]);
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [checking, setChecking] = useState(true);
  const [previewError, setPreviewError] = useState<unknown>();
  const [understood, setUnderstood] = useState(false);
  const [switching, setSwitching] = useState(false);
  const [switchError, setSwitchError] = useState<unknown>();
  const toast = useToast();
  const understandId = useId();
  const modeName = to === "project" ? "project mode" : "workspace mode";

  useEffect(() => {
    let current = true;
    setChecking(true);
    setPreviewError(undefined);
    api.previewMode({ to, mappings: request.mappings }).then(
      (p) => {
        if (!current) return;
        const used = request.mappings ?? p.proposals.filter((m) => m.selected).map((m) => m.mapping);
        setPreview(p);
        setPreviewed(used);
        setChecked(new Set(used.map(mappingKey)));
        setUnderstood(false);
        setChecking(false);
      },
      (e: unknown) => {
        if (!current) return;
        setPreviewError(e);
        setChecking(false);
      },
    );
    return () => {
      current = false;
    };
  }, [to, request]);

  const previewedKeys = useMemo(() => new Set(previewed.map(mappingKey)), [previewed]);
  const outdated =
    preview !== undefined &&
    (checked.size !== previewedKeys.size || [...checked].some((k) => !previewedKeys.has(k)));
  const references = useMemo(() => sortReferences(preview?.references ?? []), [preview]);
  const groups = useMemo(() => {
    const out = new Map<string, ProposedManager_Serialize[]>();
    for (const p of preview?.proposals ?? []) out.set(p.to_scope, [...(out.get(p.to_scope) ?? []), p]);
    return [...out.entries()];
  }, [preview]);
  const breaking = preview?.breaking ?? 0;
  const canSwitch =
    preview !== undefined && !checking && !outdated && !switching && (breaking === 0 || understood);

  const toggle = (p: ProposedManager_Serialize, on: boolean) =>
    setChecked((set) => {
      const next = new Set(set);
      if (on) next.add(mappingKey(p.mapping));
      else next.delete(mappingKey(p.mapping));
      return next;
    });

  const checkAgain = () => {
    if (!preview) return;
    setSwitchError(undefined);
    setRequest({
      mappings: preview.proposals.filter((p) => checked.has(mappingKey(p.mapping))).map((p) => p.mapping),
    });
  };

  const confirm = async () => {
    setSwitching(true);
    setSwitchError(undefined);
    try {
      const report = await api.switchMode({ to, mappings: previewed });
      toast(switchSummary(report));
      onSwitched(report);
    } catch (e) {
      setSwitchError(e);
      setSwitching(false);
    }
  };

  const copy = (id: string) =>
    navigator.clipboard?.writeText(id).then(
      () => toast("External ID copied"),
      () => toast("Could not copy the external ID", "error"),
    );

  return (
    <Modal
      title={`Switch to ${modeName}`}
      description={
        to === "project"
          ? "Each project gets its own secrets managers; the workspace's are removed. Nothing changes until you confirm."
          : "One set of secrets managers will serve every project; the projects' own are removed. Nothing changes until you confirm."
      }
      onClose={() => {
        if (!switching) onClose();
      }}
      width="wide"
      testId="mode-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose} disabled={switching} data-autofocus>
            Cancel
          </button>
          <button
            type="button"
            className="button button-danger"
            onClick={confirm}
            disabled={!canSwitch}
            aria-busy={switching || undefined}
            data-testid="mode-confirm"
          >
            {switching ? "Switching…" : `Switch to ${modeName}`}
          </button>
        </>
      }
    >
      <div className="mode-dialog">
        {switchError !== undefined && <ErrorBanner error={switchError} />}
        {previewError !== undefined && (
          <ErrorBanner error={previewError} onRetry={() => setRequest((r) => ({ ...r }))} />
        )}
        {checking && (
          <p className="mode-checking muted" role="status">
            <span className="spin">
              <Icon.refresh />
            </span>{" "}
            Checking every secret reference…
          </p>
        )}
        {preview && (
          <>
            <div className={breaking > 0 ? "mode-summary mode-summary-breaking" : "mode-summary"}>
              <p className="strong" data-testid="mode-summary">
                {breaking} of {plural(references.length, "secret reference")} would stop working
              </p>
              {preview.removed.length > 0 && (
                <p data-testid="mode-removed">
                  Removed: <span className="mono">{preview.removed.join(", ")}</span>
                </p>
              )}
              {preview.without_manager.length > 0 && (
                <p data-testid="mode-without-manager">
                  Projects left without a secrets manager: {preview.without_manager.join(", ")}
                </p>
              )}
            </div>

            <section className="mode-section" aria-labelledby={`${understandId}-proposals`}>
              <h3 id={`${understandId}-proposals`}>
                {to === "project"
                  ? "Secrets managers for the projects"
                  : "Secrets managers for the workspace"}
              </h3>
              {groups.length === 0 ? (
                <p className="muted" data-testid="mode-no-proposals">
                  Nothing to copy: the new scope starts without a secrets manager.
                </p>
              ) : (
                <>
                  <p className="muted small">
                    Each is a copy of a manager you have now. Untick the ones you do not want, then Check
                    again to see what that choice does.
                  </p>
                  {groups.map(([scope, proposals]) => (
                    <fieldset key={scope} className="mode-group">
                      <legend>{scope === "workspace" ? "The workspace" : scope}</legend>
                      {proposals.map((p) => {
                        const id = `${understandId}-${mappingKey(p.mapping)}`;
                        return (
                          <div key={mappingKey(p.mapping)} className="mode-proposal">
                            <div className="check-field">
                              <input
                                id={id}
                                type="checkbox"
                                checked={checked.has(mappingKey(p.mapping))}
                                onChange={(e) => toggle(p, e.target.checked)}
                                disabled={checking || switching}
                                data-testid="mode-proposal"
                                data-alias={p.alias}
                                data-scope={p.to_scope}
                              />
                              <label htmlFor={id}>
                                <span className="mono strong">{p.alias}</span> · {p.kind_label} · from{" "}
                                {p.from_scope} ·{" "}
                                <span className="muted">serves {plural(p.serves, "reference")}</span>
                              </label>
                            </div>
                            {p.external_id && (
                              <div className="mode-external-id small">
                                <span>AssumeRole: the role's trust policy must accept this external ID:</span>{" "}
                                <code>{p.external_id}</code>{" "}
                                <button
                                  type="button"
                                  className="button button-small"
                                  aria-label={`Copy the external ID for ${p.alias} (${p.to_scope})`}
                                  onClick={() => p.external_id && copy(p.external_id)}
                                >
                                  Copy
                                </button>
                              </div>
                            )}
                          </div>
                        );
                      })}
                    </fieldset>
                  ))}
                  <div className="mode-recheck">
                    <button
                      type="button"
                      className="button"
                      onClick={checkAgain}
                      disabled={checking || switching}
                      data-testid="mode-recheck"
                    >
                      <Icon.refresh /> Check again
                    </button>
                    {outdated && (
                      <span className="badge badge-warn" role="status" data-testid="mode-outdated">
                        <Icon.alert /> The result below is for the previous choice: check again
                      </span>
                    )}
                  </div>
                </>
              )}
            </section>

            <section className="mode-section" aria-labelledby={`${understandId}-references`}>
              <h3 id={`${understandId}-references`}>Secret references</h3>
              {references.length === 0 ? (
                <p className="cache-empty muted" data-testid="mode-no-references">
                  No connection uses a secret reference: nothing stops working.
                </p>
              ) : (
                <div className="table-wrap">
                  <table
                    className={outdated ? "table table-compact mode-outdated" : "table table-compact"}
                    aria-label="Secret references after the switch"
                  >
                    <thead>
                      <tr>
                        <th>Connection</th>
                        <th>Project</th>
                        <th>Field</th>
                        <th>Manager now → after</th>
                        <th>Result</th>
                      </tr>
                    </thead>
                    <tbody>
                      {references.map((r) => (
                        <tr
                          key={`${r.connection_id}|${r.field}`}
                          data-testid="mode-reference"
                          data-status={r.status}
                          data-connection={r.connection}
                        >
                          <td className="strong">{r.connection}</td>
                          <td>{r.project}</td>
                          <td className="mono" title={r.reference}>
                            {r.field}
                          </td>
                          <td className="mono small">
                            {r.manager_now ?? "—"} → {r.manager_after ?? "—"}
                          </td>
                          <td>
                            <span className={STATUS[r.status].badge}>{STATUS[r.status].label}</span>
                            {r.status !== "works" && r.detail && (
                              <div className="mode-detail small">{r.detail}</div>
                            )}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>

            {breaking > 0 && (
              <div className="check-field mode-understand">
                <input
                  id={understandId}
                  type="checkbox"
                  checked={understood}
                  onChange={(e) => setUnderstood(e.target.checked)}
                  disabled={switching}
                  data-testid="mode-understand"
                />
                <label htmlFor={understandId}>
                  I understand that {plural(breaking, "reference")} will stop working
                </label>
              </div>
            )}
            {outdated && (
              <p className="muted small">
                Check again before switching: the choice changed since the last check.
              </p>
            )}
          </>
        )}
      </div>
    </Modal>
  );
}
