import { type FormEvent, useEffect, useRef, useState } from "react";
import { Field, TextField } from "../../components/Field";
import { FormFooter } from "../../components/FormFooter";
import { Icon } from "../../components/icons";
import { PlainField } from "../../components/PlainField";
import {
  api,
  CommandError,
  type ConnectionInput,
  type ConnectionKind,
  type ConnectionView,
  errorMessage,
  type FieldInput,
  type FieldSpec,
  type Project,
  type TypeSpec,
} from "../../ipc/api";
import { applicableFields, isRequired } from "../../lib/declaration";
import { parseSecretRef } from "../../lib/secretRef";
import { useLoad } from "../../lib/useLoad";
import { SecretPicker } from "../picker/SecretPicker";
import { TypeChooser } from "./TypeChooser";

type CredentialMode = "keep" | "literal" | "secret";
interface CredentialState {
  mode: CredentialMode;
  literal: string;
  reference: string;
  /** A literal is stored for this field (editing an existing connection). */
  stored: boolean;
}

interface Props {
  types: TypeSpec[];
  projects: Project[];
  connection?: ConnectionView;
  defaultProjectId?: string;
  onSaved: (c: ConnectionView) => void;
  onCancel: () => void;
}

function initialPlain(spec: TypeSpec, c?: ConnectionView): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of spec.fields) {
    if (f.kind === "credential") continue;
    const v = c?.fields[f.key];
    // A field the connection has no value for (it did not apply when saved) starts at its default.
    out[f.key] = v === undefined ? (f.default ?? "") : v.source === "plain" ? v.value : "";
  }
  return out;
}

function initialCredentials(spec: TypeSpec, c?: ConnectionView): Record<string, CredentialState> {
  const out: Record<string, CredentialState> = {};
  for (const f of spec.fields) {
    if (f.kind !== "credential") continue;
    const v = c?.fields[f.key];
    if (v?.source === "literal") out[f.key] = { mode: "keep", literal: "", reference: "", stored: true };
    else if (v?.source === "secret")
      out[f.key] = { mode: "secret", literal: "", reference: v.reference, stored: false };
    else out[f.key] = { mode: "literal", literal: "", reference: "", stored: false };
  }
  return out;
}

/** A field holds something other than its default: Advanced opens to show it. */
function customized(f: FieldSpec, plain: Record<string, string>, creds: Record<string, CredentialState>) {
  if (f.kind === "credential") {
    const c = creds[f.key];
    if (!c) return false;
    return c.mode === "keep" || (c.mode === "secret" ? c.reference.trim() !== "" : c.literal !== "");
  }
  const v = (plain[f.key] ?? "").trim();
  return v !== "" && v !== (f.default ?? "").trim();
}

/**
 * Create or edit a connection. A new one starts with its type (a chooser, when there is
 * more than one); the fields come from that type's declaration: only those that apply to
 * the values chosen so far are shown and sent, the advanced ones under "Advanced".
 */
export function ConnectionForm({ types, projects, connection, defaultProjectId, onSaved, onCancel }: Props) {
  const [kind, setKind] = useState<ConnectionKind>(connection?.kind ?? types[0].kind);
  const [choosing, setChoosing] = useState(!connection && types.length > 1);
  /** A type was chosen already (the chooser is back through "Change"). */
  const [chosen, setChosen] = useState(false);
  const spec = types.find((t) => t.kind === kind) ?? types[0];
  const [name, setName] = useState(connection?.name ?? "");
  const [projectId, setProjectId] = useState(
    connection?.project_id ?? defaultProjectId ?? projects[0]?.id ?? "",
  );
  const [plain, setPlain] = useState(() => initialPlain(spec, connection));
  const [creds, setCreds] = useState(() => initialCredentials(spec, connection));
  const [advancedOpen, setAdvancedOpen] = useState(() => {
    const p = initialPlain(spec, connection);
    const c = initialCredentials(spec, connection);
    return applicableFields(spec, p).some((f) => f.advanced && customized(f, p, c));
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const providers = useLoad(() => api.listProviders(), []);
  // The secrets mode decides which managers the picker offers (project mode: the connection's project's).
  const info = useLoad(() => api.workspaceInfo(), []);
  const [picking, setPicking] = useState<string>();

  // The fields that apply to what is chosen now; the others keep their values but are
  // neither shown nor sent (switching back shows them again as they were).
  const shown = applicableFields(spec, plain);
  const main = shown.filter((f) => !f.advanced);
  const advanced = shown.filter((f) => f.advanced);

  // After a refused submit (only then: not while the user edits), focus the first invalid field.
  const [refusals, setRefusals] = useState(0);
  useEffect(() => {
    if (refusals > 0) formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [refusals]);

  // Between the chooser and the form (after the first), the focus goes to the chosen
  // type's card or to the Name field. The dialog places it when it opens.
  const stageChanged = useRef(false);
  useEffect(() => {
    if (!stageChanged.current) {
      stageChanged.current = true;
      return;
    }
    stageRef.current?.querySelector<HTMLElement>("[data-autofocus]")?.focus();
  }, [choosing]);

  // A field's error goes away as soon as the field is edited.
  const clearError = (key: string) =>
    setErrors((e) => {
      if (!(key in e)) return e;
      const { [key]: _, ...rest } = e;
      return rest;
    });
  const setCred = (key: string, patch: Partial<CredentialState>) => {
    setCreds((c) => ({ ...c, [key]: { ...c[key], ...patch } }));
    clearError(key);
  };

  const choose = (next: ConnectionKind) => {
    if (next !== kind) {
      const nextSpec = types.find((t) => t.kind === next) ?? spec;
      setKind(next);
      setPlain(initialPlain(nextSpec));
      setCreds(initialCredentials(nextSpec));
      setAdvancedOpen(false);
      setErrors({});
      setFormError(undefined);
    }
    setChosen(true);
    setChoosing(false);
  };

  const input = (): ConnectionInput => {
    const fields: Partial<Record<string, FieldInput>> = {};
    for (const f of shown) {
      if (f.kind === "credential") {
        const c = creds[f.key];
        if (!c) continue;
        if (c.mode === "keep") fields[f.key] = { source: "keep_literal" };
        else if (c.mode === "secret") fields[f.key] = { source: "secret", reference: c.reference };
        else if (c.literal !== "") fields[f.key] = { source: "literal", value: c.literal };
      } else {
        fields[f.key] = { source: "plain", value: plain[f.key] ?? "" };
      }
    }
    return { project_id: projectId, name, kind, fields } as ConnectionInput;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError(undefined);
    try {
      const saved = connection
        ? await api.updateConnection(connection.id, input())
        : await api.createConnection(input());
      // Typed credentials leave the page as soon as they are stored.
      setCreds(initialCredentials(spec, saved));
      onSaved(saved);
    } catch (err) {
      if (err instanceof CommandError && err.code === "validation") {
        const fieldErrors = err.fieldErrors();
        setErrors(fieldErrors);
        if (advanced.some((f) => f.key in fieldErrors)) setAdvancedOpen(true);
        // An error for a field not on screen goes above the buttons, so none is lost.
        const onScreen = new Set(["name", "project_id", ...shown.map((f) => f.key)]);
        const elsewhere = Object.entries(fieldErrors).filter(([k]) => !onScreen.has(k));
        if (elsewhere.length > 0 || Object.keys(fieldErrors).length === 0)
          setFormError(
            elsewhere.length > 0
              ? elsewhere
                  .map(([k, m]) => {
                    const label = spec.fields.find((f) => f.key === k)?.label;
                    return label ? `${label}: ${m}` : m;
                  })
                  .join(" ")
              : err.message,
          );
        setRefusals((n) => n + 1);
      } else setFormError(errorMessage(err));
      setBusy(false);
    }
  };

  const renderField = (f: FieldSpec) =>
    f.kind === "credential" ? (
      <CredentialField
        key={f.key}
        spec={f}
        required={isRequired(spec, f, (k) => plain[k])}
        state={creds[f.key]}
        error={errors[f.key]}
        onChange={(patch) => setCred(f.key, patch)}
        onBrowse={() => setPicking(f.key)}
      />
    ) : (
      <PlainField
        key={f.key}
        spec={f}
        required={isRequired(spec, f, (k) => plain[k])}
        value={plain[f.key] ?? ""}
        error={errors[f.key]}
        onChange={(v) => {
          setPlain((p) => ({ ...p, [f.key]: v }));
          clearError(f.key);
        }}
      />
    );

  if (choosing)
    return (
      <div ref={stageRef}>
        <TypeChooser types={types} current={chosen ? kind : undefined} onChoose={choose} />
      </div>
    );

  const changeable = !connection && types.length > 1;
  return (
    <div ref={stageRef}>
      <form ref={formRef} onSubmit={submit} noValidate className="connection-form" aria-label="Connection">
        <div className="form-grid form-grid-3">
          <TextField
            label="Name"
            name="name"
            required
            value={name}
            onChange={(v) => {
              setName(v);
              clearError("name");
            }}
            error={errors.name}
            placeholder="e.g. Billing database"
            autoComplete="off"
            autoFocus
          />
          <Field label="Project" required error={errors.project_id}>
            {(p) => (
              <select
                {...p}
                name="project_id"
                value={projectId}
                onChange={(e) => {
                  setProjectId(e.target.value);
                  clearError("project_id");
                }}
              >
                {projects.map((pr) => (
                  <option key={pr.id} value={pr.id}>
                    {pr.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <div className="field">
            <span className="field-label">Type</span>
            <div className="type-current" data-testid="connection-type" data-kind={kind}>
              <span className="truncate" title={spec.description}>
                {spec.label}
              </span>
              {changeable && (
                <button
                  type="button"
                  className="link-button accent small"
                  onClick={() => setChoosing(true)}
                  aria-label={`Change the type (now ${spec.label})`}
                >
                  Change
                </button>
              )}
            </div>
          </div>
        </div>

        <fieldset className="form-section">
          <legend>{spec.label} settings</legend>
          <div className="form-grid">{main.map(renderField)}</div>
          {advanced.length > 0 && (
            <details
              className="advanced connection-advanced"
              open={advancedOpen}
              onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}
              data-testid="advanced"
            >
              <summary>
                Advanced
                {!advancedOpen && (
                  <span className="advanced-summary"> — {advanced.map((f) => f.label).join(", ")}</span>
                )}
              </summary>
              <div className="form-grid">{advanced.map(renderField)}</div>
            </details>
          )}
        </fieldset>

        {picking && (
          <SecretPicker
            providers={providers.data ?? []}
            loading={providers.loading}
            error={providers.error}
            mode={info.data?.settings.secrets_mode}
            revealEnabled={info.data?.settings.reveal_enabled === true}
            projectId={projectId}
            onClose={() => setPicking(undefined)}
            onPick={(reference) => {
              setCred(picking, { mode: "secret", reference });
              setPicking(undefined);
            }}
          />
        )}
        <FormFooter
          error={formError}
          busy={busy}
          submitLabel={connection ? "Save changes" : "Create connection"}
          onCancel={onCancel}
        />
      </form>
    </div>
  );
}

function CredentialField({
  spec,
  required,
  state,
  error,
  onChange,
  onBrowse,
}: {
  spec: FieldSpec;
  /** Required now (required, or its required_when holding). */
  required: boolean;
  state: CredentialState;
  error?: string;
  onChange: (patch: Partial<CredentialState>) => void;
  onBrowse: () => void;
}) {
  const parts = state.mode === "secret" ? parseSecretRef(state.reference) : undefined;
  const usingSecret = state.mode === "secret";
  // The type's own help (what the value is) comes first, unless it only repeats where a
  // typed value is kept.
  const own = spec.help && !/keychain/i.test(spec.help) ? `${spec.help} ` : "";
  const help = usingSecret ? (
    <>
      {own}Pick it with Browse, or type <code>secret://ALIAS/PATH[?version=ID|?stage=STAGE][#KEY]</code>.
    </>
  ) : (
    `${own}Stored in the OS keychain only — never in Latchkey's database or logs.`
  );
  return (
    <div className="credential-field span-2">
      <Field label={spec.label} required={required} error={error} help={help}>
        {(p) => (
          <div className="credential-row">
            <div
              className="segmented"
              role="radiogroup"
              aria-label={`Source of the ${spec.label.toLowerCase()}`}
            >
              <button
                type="button"
                role="radio"
                aria-checked={!usingSecret}
                className={!usingSecret ? "active" : ""}
                onClick={() => onChange({ mode: state.stored ? "keep" : "literal" })}
              >
                <Icon.key /> Type it in
              </button>
              <button
                type="button"
                role="radio"
                aria-checked={usingSecret}
                className={usingSecret ? "active" : ""}
                onClick={() => onChange({ mode: "secret" })}
              >
                <Icon.link /> Use a secret
              </button>
            </div>
            {state.mode === "keep" && (
              <div className="stored-credential">
                <span className="badge badge-ok" data-testid={`${spec.key}-stored`}>
                  <Icon.key /> Stored in the OS keychain
                </span>
                <button
                  {...p}
                  type="button"
                  className="button button-small"
                  onClick={() => onChange({ mode: "literal", literal: "" })}
                >
                  Replace
                </button>
              </div>
            )}
            {state.mode === "literal" && (
              <div className="stored-credential">
                {spec.multiline ? (
                  <textarea
                    {...p}
                    name={spec.key}
                    className="mono credential-multiline"
                    rows={6}
                    value={state.literal}
                    onChange={(e) => onChange({ literal: e.target.value })}
                    autoComplete="off"
                    autoCorrect="off"
                    autoCapitalize="off"
                    spellCheck={false}
                    placeholder={
                      state.stored
                        ? "New value"
                        : spec.placeholder ||
                          "-----BEGIN OPENSSH PRIVATE KEY-----\n…\n-----END OPENSSH PRIVATE KEY-----"
                    }
                  />
                ) : (
                  <input
                    {...p}
                    name={spec.key}
                    type="password"
                    value={state.literal}
                    onChange={(e) => onChange({ literal: e.target.value })}
                    autoComplete="new-password"
                    placeholder={state.stored ? "New value" : ""}
                  />
                )}
                {state.stored && (
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => onChange({ mode: "keep", literal: "" })}
                  >
                    Keep current
                  </button>
                )}
              </div>
            )}
            {state.mode === "secret" && (
              <>
                <div className="stored-credential">
                  <input
                    {...p}
                    name={`${spec.key}_reference`}
                    className="mono"
                    value={state.reference}
                    onChange={(e) => onChange({ reference: e.target.value })}
                    placeholder="secret://aws-prod/prod/billing/db#password"
                    autoComplete="off"
                    spellCheck={false}
                  />
                  <button type="button" className="button button-small" onClick={onBrowse}>
                    Browse…
                  </button>
                </div>
                {parts && (
                  <div className="chips" data-testid={`${spec.key}-chips`}>
                    <span className="badge badge-accent">{parts.provider}</span>
                    <span className="badge mono">{parts.path}</span>
                    {parts.version && (
                      <span className="badge">
                        {parts.version.kind === "stage"
                          ? parts.version.value
                          : `version ${parts.version.value.slice(0, 8)}`}
                      </span>
                    )}
                    {parts.key && <span className="badge mono">#{parts.key}</span>}
                    <button
                      type="button"
                      className="link-button muted"
                      onClick={() => onChange({ reference: "" })}
                      aria-label="Remove the secret reference"
                    >
                      Remove
                    </button>
                  </div>
                )}
              </>
            )}
          </div>
        )}
      </Field>
    </div>
  );
}
