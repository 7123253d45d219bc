import { type ReactNode, useState } from "react";
import { PlainField } from "../../components/PlainField";
import type {
  CachePolicy,
  FieldInput,
  FieldSpec,
  ManagerSpec_Serialize,
  NoteSpec_Serialize,
  ProviderInput_Deserialize,
  ProviderView_Serialize,
  WatchPolicy,
} from "../../ipc/api";
import { applicableFields, holds, isRequired, valueOrDefault } from "../../lib/declaration";
import { ExternalIdField } from "./ExternalId";
import { AliasField, KeychainSecretField, ProviderForm, secretInput, useProviderForm } from "./ProviderForm";

interface Props {
  /** The kind's declaration: its fields, notes, title and intro. */
  spec: ManagerSpec_Serialize;
  /** The manager being edited; undefined for a new one. */
  provider?: ProviderView_Serialize;
  /** The project a new manager is for (project mode), null for the workspace; an existing one keeps its own. */
  projectId: string | null;
  /** The name of the manager's project, when it has one. */
  projectName?: string;
  /** The external ID of the manager's scope, for a note that shows it (AWS AssumeRole). */
  externalId?: string;
  onSaved: (p: ProviderView_Serialize) => void;
  onClose: () => void;
}

/** A field whose value is a secret (typed in, kept in the OS keychain), not a plain setting. */
const isSecret = (f: FieldSpec) => f.kind === "secret" || f.kind === "credential";

/** The plain values a form starts with: the manager's, or the declared defaults. */
function initialPlain(spec: ManagerSpec_Serialize, p?: ProviderView_Serialize): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of spec.fields) {
    if (isSecret(f)) continue;
    const v = p?.fields[f.key];
    // A field the manager has no value for (it did not apply when saved) starts at its default.
    out[f.key] = v === undefined ? (f.default ?? "") : v.source === "plain" ? v.value : "";
  }
  return out;
}

/** The secrets a manager keeps in the OS keychain (its view says `{ source: "literal" }`). */
function storedSecrets(spec: ManagerSpec_Serialize, p?: ProviderView_Serialize): Set<string> {
  return new Set(
    spec.fields.filter((f) => isSecret(f) && p?.fields[f.key]?.source === "literal").map((f) => f.key),
  );
}

/** The alias a new manager starts with: its kind's first word (aws, vault, azure). */
const defaultAlias = (kind: string) => kind.split("_")[0] || "manager";

/**
 * A note's text: `**x**` in bold, and `{key}` replaced by that field's value (as typed,
 * or its default), so an example follows what the form says.
 */
function noteText(text: string, fill: (key: string) => string | undefined): ReactNode[] {
  return text.split("**").map((part, i) => {
    const filled = part.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, key: string) => fill(key) ?? whole);
    // Odd parts sat between two ** marks.
    return i % 2 === 1 ? <strong key={i}>{filled}</strong> : filled;
  });
}

/**
 * Add or edit a secrets manager of any kind, drawn from its declaration: the alias, the
 * fields that apply to what is chosen so far (the advanced ones under Advanced), the
 * notes whose condition holds, the cache policy, and a Test.
 */
export function ProviderDialog({
  spec,
  provider,
  projectId,
  projectName,
  externalId,
  onSaved,
  onClose,
}: Props) {
  const scope = provider ? (provider.project_id ?? null) : projectId;
  const [alias, setAlias] = useState(provider?.alias ?? defaultAlias(spec.kind));
  const [plain, setPlain] = useState(() => initialPlain(spec, provider));
  /** What is typed into each secret field (never prefilled). */
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  /** Stored secrets the admin chose to forget (optional ones only). */
  const [forgotten, setForgotten] = useState<Record<string, boolean>>({});
  const [stored] = useState(() => storedSecrets(spec, provider));
  const value = (key: string) => plain[key];
  const keeps = (key: string) => stored.has(key) && !forgotten[key];

  // The fields that apply to what is chosen now; the others keep their values but are
  // neither shown nor sent (switching back shows them again as they were).
  const shown = applicableFields(spec, plain);
  const main = shown.filter((f) => !f.advanced);
  const advanced = shown.filter((f) => f.advanced);

  /** Every plain field that applies, and the secrets that apply: typed now or kept. */
  const input = (cache: CachePolicy | null, watch: WatchPolicy | undefined): ProviderInput_Deserialize => {
    const fields: Record<string, FieldInput> = {};
    for (const f of shown) {
      if (isSecret(f)) {
        const secret = secretInput(secrets[f.key] ?? "", keeps(f.key));
        if (secret) fields[f.key] = secret;
      } else fields[f.key] = { source: "plain", value: plain[f.key] ?? "" };
    }
    return { alias, project_id: scope, kind: spec.kind, fields, cache, watch };
  };

  const form = useProviderForm({
    provider,
    input,
    advanced: advanced.map((f) => f.key),
    visible: ["alias", ...main.map((f) => f.key)],
    // Advanced starts open when one of its settings is not the default (read once).
    advancedOpen: advanced.some((f) =>
      isSecret(f) ? stored.has(f.key) : (plain[f.key] ?? "").trim() !== (f.default ?? "").trim(),
    ),
    onSaved,
  });
  const { errors } = form;

  const renderField = (f: FieldSpec) => {
    const required = isRequired(spec, f, value);
    if (isSecret(f))
      return (
        <KeychainSecretField
          key={f.key}
          name={f.key}
          label={f.label}
          value={secrets[f.key] ?? ""}
          onChange={(v) => setSecrets((s) => ({ ...s, [f.key]: v }))}
          stored={keeps(f.key)}
          required={required}
          error={errors[f.key]}
          help={f.help || undefined}
          placeholder={f.placeholder}
          forget={
            stored.has(f.key) && !required
              ? {
                  checked: Boolean(forgotten[f.key]),
                  onChange: (forget) => setForgotten((g) => ({ ...g, [f.key]: forget })),
                }
              : undefined
          }
        />
      );
    return (
      <PlainField
        key={f.key}
        spec={f}
        value={plain[f.key] ?? ""}
        required={required}
        error={errors[f.key]}
        onChange={(v) => setPlain((p) => ({ ...p, [f.key]: v }))}
      />
    );
  };

  // A note sits after its field (whether that field applies now or not), or at the end
  // of the main fields; it shows while its own condition holds.
  const declared = new Set(spec.fields.map((f) => f.key));
  const placeOf = (n: NoteSpec_Serialize) => (n.after && declared.has(n.after) ? n.after : null);
  const fill = (key: string) => (declared.has(key) ? valueOrDefault(spec, key, value) : undefined);
  const notesAfter = (key: string | null) =>
    spec.notes.flatMap((n, i) => (placeOf(n) === key && holds(spec, n.show_when, value) ? [{ n, i }] : []));
  const renderNote = ({ n, i }: { n: NoteSpec_Serialize; i: number }) =>
    n.extra === "aws_external_id" ? (
      <div key={`note-${i}`} className="span-2">
        <ExternalIdField
          externalId={externalId ?? "…"}
          projectName={scope === null ? undefined : (projectName ?? "this project")}
        />
      </div>
    ) : (
      <div key={`note-${i}`} className="banner banner-info span-2" data-testid={n.id}>
        <span>
          {n.title && <span className="note-title">{n.title}</span>}
          {noteText(n.text, fill)}
        </span>
      </div>
    );
  /** Each field of `section` that applies, each followed by its notes. */
  const section = (isAdvanced: boolean) =>
    spec.fields
      .filter((f) => f.advanced === isAdvanced)
      .flatMap((f) => [...(shown.includes(f) ? [renderField(f)] : []), ...notesAfter(f.key).map(renderNote)]);

  return (
    <ProviderForm
      form={form}
      addTitle={`Add ${spec.label}`}
      alias={provider?.alias}
      description={spec.intro}
      label={spec.label}
      projectId={scope}
      projectName={projectName}
      onClose={onClose}
      advanced={section(true)}
    >
      <div className="form-grid">
        <AliasField value={alias} onChange={setAlias} error={errors.alias} />
        {section(false)}
        {notesAfter(null).map(renderNote)}
      </div>
    </ProviderForm>
  );
}
