import { type FormEvent, useEffect, useRef, useState } from "react";
import { Field, TextField } from "../../components/Field";
import { FormFooter } from "../../components/FormFooter";
import { Icon } from "../../components/icons";
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
import { parseSecretRef } from "../../lib/secretRef";
import { useLoad } from "../../lib/useLoad";
import { SecretPicker } from "../picker/SecretPicker";

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
    out[f.key] = v?.source === "plain" ? v.value : c ? "" : (f.default ?? "");
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

/** Create or edit a connection. The fields come from the connection type's declaration. */
export function ConnectionForm({ types, projects, connection, defaultProjectId, onSaved, onCancel }: Props) {
  const [kind, setKind] = useState<ConnectionKind>(connection?.kind ?? types[0].kind);
  const spec = types.find((t) => t.kind === kind) ?? types[0];
  const [name, setName] = useState(connection?.name ?? "");
  const [projectId, setProjectId] = useState(
    connection?.project_id ?? defaultProjectId ?? projects[0]?.id ?? "",
  );
  const [plain, setPlain] = useState(() => initialPlain(spec, connection));
  const [creds, setCreds] = useState(() => initialCredentials(spec, connection));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const providers = useLoad(() => api.listProviders(), []);
  // The secrets mode decides which managers the picker offers (project mode: the connection's project's).
  const info = useLoad(() => api.workspaceInfo(), []);
  const [picking, setPicking] = useState<string>();

  // After a refused submit (only then: not while the user edits), focus the first invalid field.
  const [refusals, setRefusals] = useState(0);
  useEffect(() => {
    if (refusals > 0) formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [refusals]);

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

  const input = (): ConnectionInput => {
    const fields: Partial<Record<string, FieldInput>> = {};
    for (const f of spec.fields) {
      if (f.kind === "credential") {
        const c = creds[f.key];
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
        setErrors(err.fieldErrors());
        setRefusals((n) => n + 1);
      } else setFormError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
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
        <Field label="Type" required>
          {(p) => (
            <select
              {...p}
              name="kind"
              value={kind}
              disabled={Boolean(connection)}
              onChange={(e) => {
                const next = e.target.value as ConnectionKind;
                const nextSpec = types.find((t) => t.kind === next) ?? spec;
                setKind(next);
                setPlain(initialPlain(nextSpec));
                setCreds(initialCredentials(nextSpec));
              }}
            >
              {types.map((t) => (
                <option key={t.kind} value={t.kind}>
                  {t.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>

      <fieldset className="form-section">
        <legend>{spec.label} settings</legend>
        <div className="form-grid">
          {spec.fields.map((f) =>
            f.kind === "credential" ? (
              <CredentialField
                key={f.key}
                spec={f}
                state={creds[f.key]}
                error={errors[f.key]}
                onChange={(patch) => setCred(f.key, patch)}
                onBrowse={() => setPicking(f.key)}
              />
            ) : (
              <PlainField
                key={f.key}
                spec={f}
                value={plain[f.key] ?? ""}
                error={errors[f.key]}
                onChange={(v) => {
                  setPlain((p) => ({ ...p, [f.key]: v }));
                  clearError(f.key);
                }}
              />
            ),
          )}
        </div>
      </fieldset>

      {picking && (
        <SecretPicker
          providers={providers.data ?? []}
          loading={providers.loading}
          error={providers.error}
          mode={info.data?.settings.secrets_mode}
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
  );
}

function PlainField({
  spec,
  value,
  error,
  onChange,
}: {
  spec: FieldSpec;
  value: string;
  error?: string;
  onChange: (v: string) => void;
}) {
  return (
    <Field label={spec.label} required={spec.required} error={error} help={spec.help || undefined}>
      {(p) =>
        spec.kind === "choice" ? (
          <select {...p} name={spec.key} value={value} onChange={(e) => onChange(e.target.value)}>
            {spec.choices.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        ) : (
          <input
            {...p}
            name={spec.key}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            placeholder={spec.placeholder || spec.default || undefined}
            inputMode={spec.kind === "port" ? "numeric" : undefined}
            autoComplete="off"
            spellCheck={false}
          />
        )
      }
    </Field>
  );
}

function CredentialField({
  spec,
  state,
  error,
  onChange,
  onBrowse,
}: {
  spec: FieldSpec;
  state: CredentialState;
  error?: string;
  onChange: (patch: Partial<CredentialState>) => void;
  onBrowse: () => void;
}) {
  const parts = state.mode === "secret" ? parseSecretRef(state.reference) : undefined;
  const usingSecret = state.mode === "secret";
  const help = usingSecret ? (
    <>
      Pick it with Browse, or type <code>secret://ALIAS/PATH[?version=ID|?stage=STAGE][#KEY]</code>.
    </>
  ) : (
    "Stored in the OS keychain only — never in Latchkey's database or logs."
  );
  return (
    <div className="credential-field span-2">
      <Field label={spec.label} required={spec.required} error={error} help={help}>
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
                <input
                  {...p}
                  name={spec.key}
                  type="password"
                  value={state.literal}
                  onChange={(e) => onChange({ literal: e.target.value })}
                  autoComplete="new-password"
                  placeholder={state.stored ? "New value" : ""}
                />
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
