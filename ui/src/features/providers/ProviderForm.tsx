import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { TextField } from "../../components/Field";
import { FormFooter } from "../../components/FormFooter";
import { Modal } from "../../components/Modal";
import {
  api,
  type CachePolicy,
  CommandError,
  errorMessage,
  type FieldInput,
  type ProviderInput_Deserialize,
  type ProviderView_Serialize,
  type WatchPolicy,
} from "../../ipc/api";
import { labelInText } from "../../lib/declaration";
import { CACHE_FIELDS, CacheFields, useCacheFields } from "./CacheFields";
import { type ProviderCheckResult, ProviderTest } from "./ProviderTest";
import { ScopeLine } from "./scope";
import {
  useWatchFields,
  WATCH_CALLS_FIELD,
  WATCH_INTERVAL_FIELD,
  WatchFields,
  WatchLimitField,
} from "./WatchFields";

/** The alias every secrets manager's setup dialog starts with: how references name it. */
export function AliasField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error?: string;
}) {
  return (
    <TextField
      label="Alias"
      name="alias"
      required
      value={value}
      onChange={onChange}
      error={error}
      help="References name it: secret://ALIAS/…"
      autoFocus
    />
  );
}

/** A secret typed now, the one kept in the keychain, or none. */
export function secretInput(typed: string, stored: boolean): FieldInput | null {
  if (typed) return { source: "literal", value: typed };
  return stored ? { source: "keep_literal" } : null;
}

interface Options {
  /** The manager being edited; undefined for a new one. */
  provider?: ProviderView_Serialize;
  /**
   * The form as the engine takes it, with the cache policy and the rotation watch
   * (undefined: untouched, the engine keeps its own); create, update and Test send the same.
   */
  input: (cache: CachePolicy | null, watch: WatchPolicy | undefined) => ProviderInput_Deserialize;
  /** The kind's fields under Advanced (the cache's are added): an error for one opens it. */
  advanced: readonly string[];
  /** The kind's other fields on screen now; an error for a field in neither goes above the buttons. */
  visible: readonly string[];
  /** Advanced starts open (a stored setting of it is not the default). The cache adds its own. */
  advancedOpen: boolean;
  onSaved: (p: ProviderView_Serialize) => void;
}

/**
 * The plumbing every secrets-manager setup dialog shares: the cache policy, Save and
 * Test, the engine's field errors (inline under the fields they name, Advanced opened
 * for its own, the first invalid field focused, the others above the buttons), and the
 * Test result.
 */
export function useProviderForm({ provider, input, advanced, visible, advancedOpen, onSaved }: Options) {
  const cache = useCacheFields(provider);
  const watch = useWatchFields(provider);
  const [advancedShown, setAdvanced] = useState(advancedOpen || cache.customized || watch.customized);
  // A field under Advanced the form refused (the TTL, the watch's call limit): focused once open.
  const [focus, setFocus] = useState<{ name: string; n: number }>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState<"save" | "test">();
  const [check, setCheck] = useState<ProviderCheckResult>();
  /** The engine's list of the references a rename rewrites, waiting for a confirmation. */
  const [rename, setRename] = useState<string>();
  const formRef = useRef<HTMLFormElement>(null);
  const inAdvanced = [...advanced, ...CACHE_FIELDS, WATCH_CALLS_FIELD];
  const form = () => input(cache.policy(), watch.policy());

  // A refused field under Advanced: Advanced opens and the field gets the focus.
  useEffect(() => {
    if (focus) formRef.current?.querySelector<HTMLElement>(`[name="${focus.name}"]`)?.focus();
  }, [focus]);

  // After a refused submit, the first field named in an error gets the focus.
  useEffect(() => {
    if (Object.keys(errors).length === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  /** Shows a validation error on the form; false for any other error. */
  const refused = (err: unknown): boolean => {
    if (!(err instanceof CommandError && err.code === "validation")) return false;
    const fields = err.fieldErrors();
    setErrors(fields);
    if (inAdvanced.some((f) => f in fields)) setAdvanced(true);
    const shown = new Set([...visible, ...inAdvanced, WATCH_INTERVAL_FIELD]);
    const elsewhere = Object.entries(fields).filter(([f]) => !shown.has(f));
    if (elsewhere.length > 0 || Object.keys(fields).length === 0)
      setFormError(elsewhere.length > 0 ? elsewhere.map(([, m]) => m).join(" ") : err.message);
    return true;
  };

  const reset = () => {
    setErrors({});
    setFormError(undefined);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    reset();
    const local = cache.error ? "cache_ttl_minutes" : watch.error ? "watch_max_calls" : undefined;
    if (local) {
      setAdvanced(true);
      setFocus((f) => ({ name: local, n: (f?.n ?? 0) + 1 }));
      return;
    }
    setBusy("save");
    try {
      onSaved(provider ? await api.updateProvider(provider.id, form()) : await api.createProvider(form()));
    } catch (err) {
      // A rename that rewrites references: the engine lists them, the admin confirms.
      if (provider && err instanceof CommandError && err.code === "needs_confirmation")
        setRename(err.message);
      else if (!refused(err)) setFormError(errorMessage(err));
      setBusy(undefined);
    }
  };

  /** Saves again, confirming the rename and the rewrite of the references it listed. */
  const confirmRename = async () => {
    if (!provider) return;
    onSaved(await api.updateProvider(provider.id, { ...form(), confirm_rename: true }));
  };

  const test = async () => {
    setCheck(undefined);
    reset();
    setBusy("test");
    try {
      setCheck(await api.testProvider(provider?.id ?? null, form()));
    } catch (err) {
      if (!refused(err)) setCheck({ error: errorMessage(err) });
    }
    setBusy(undefined);
  };

  return {
    editing: provider !== undefined,
    cache,
    /** The engine's refusal of the TTL, shown under the TTL field. */
    cacheError: cache.error ?? CACHE_FIELDS.map((f) => errors[f]).find(Boolean),
    watch,
    /** The engine's refusal of the watch interval. */
    watchIntervalError: errors[WATCH_INTERVAL_FIELD],
    /** The form's or the engine's refusal of the watch's call limit. */
    watchCallsError: watch.error ?? errors[WATCH_CALLS_FIELD],
    rename,
    closeRename: () => setRename(undefined),
    confirmRename,
    advanced: advancedShown,
    setAdvanced,
    errors,
    formError,
    busy,
    check,
    formRef,
    submit,
    test,
  };
}

export type ProviderFormState = ReturnType<typeof useProviderForm>;

interface FormProps {
  form: ProviderFormState;
  /** The dialog's title for a new manager ("Add …"); editing says "Edit “alias”". */
  addTitle: string;
  /** The alias of the manager being edited. */
  alias?: string;
  description: ReactNode;
  /** The form's accessible name: the kind. */
  label: string;
  /** The manager's project, null for the workspace's. */
  projectId: string | null;
  projectName?: string;
  /** The kind's fields under Advanced, above the cache policy. */
  advanced: ReactNode;
  onClose: () => void;
  children: ReactNode;
}

/**
 * A setup dialog's frame: the scope line, the kind's fields, Advanced (its fields and
 * the cache policy), the Test button and result, and Cancel / Add or Save.
 */
export function ProviderForm({
  form,
  addTitle,
  alias,
  description,
  label,
  projectId,
  projectName,
  advanced,
  onClose,
  children,
}: FormProps) {
  return (
    <Modal
      title={form.editing ? `Edit “${alias}”` : addTitle}
      description={description}
      onClose={onClose}
      width="wide"
    >
      <form ref={form.formRef} onSubmit={form.submit} noValidate aria-label={label}>
        <ScopeLine projectId={projectId} projectName={projectName} />
        {children}
        <WatchFields watch={form.watch} error={form.watchIntervalError} />
        <details
          className="advanced"
          open={form.advanced}
          onToggle={(e) => form.setAdvanced(e.currentTarget.open)}
        >
          <summary>Advanced</summary>
          {advanced}
          <CacheFields cache={form.cache} error={form.cacheError} />
          <WatchLimitField watch={form.watch} error={form.watchCallsError} />
        </details>
        <ProviderTest
          check={form.check}
          onTest={form.test}
          disabled={form.busy !== undefined}
          testing={form.busy === "test"}
        />
        <FormFooter
          error={form.formError}
          busy={form.busy === "save"}
          submitLabel={form.editing ? "Save" : "Add"}
          onCancel={onClose}
        />
      </form>
      {form.rename !== undefined && (
        <ConfirmDialog
          title={`Rename “${alias}”?`}
          confirmLabel="Rename and update references"
          body={
            <>
              <p data-testid="rename-message">{form.rename}</p>
              <p className="muted small">
                The references are rewritten to the new alias in one step; the secrets themselves do not
                change.
              </p>
            </>
          }
          onConfirm={form.confirmRename}
          onClose={form.closeRename}
        />
      )}
    </Modal>
  );
}

interface SecretFieldProps {
  /** The field's key: its input's name and the engine's field name. */
  name: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  /** One is kept in the OS keychain (and not forgotten): leaving the input empty keeps it. */
  stored: boolean;
  /** The declaration requires it now; a stored one is never starred (empty keeps it). */
  required: boolean;
  error?: string;
  /** The field's own help, before where its value is kept. */
  help?: string;
  placeholder?: string;
  /**
   * An optional secret that is stored may be forgotten (a certificate that has no
   * password any more): the checkbox under the input, and whether it is ticked.
   */
  forget?: { checked: boolean; onChange: (forget: boolean) => void };
}

/**
 * A secret Latchkey keeps in the OS keychain to reach a manager: a password input,
 * never prefilled; when one is stored, leaving it empty keeps it.
 */
export function KeychainSecretField({
  name,
  label,
  value,
  onChange,
  stored,
  required,
  error,
  help,
  placeholder,
  forget,
}: SecretFieldProps) {
  const forgetId = useId();
  const kept = stored ? "Stored in the OS keychain — leave empty to keep." : "Kept in the OS keychain only.";
  const field = (
    <TextField
      label={label}
      name={name}
      type="password"
      required={required && !stored}
      value={value}
      onChange={onChange}
      error={error}
      help={help ? `${help} ${kept}` : kept}
      placeholder={stored ? "•••••••• (stored)" : placeholder || ""}
      autoComplete="off"
    />
  );
  if (!forget) return field;
  return (
    <div>
      {field}
      <div className="check-field check-field-under">
        <input
          id={forgetId}
          type="checkbox"
          name={`forget_${name}`}
          checked={forget.checked}
          onChange={(e) => forget.onChange(e.target.checked)}
        />
        <label htmlFor={forgetId}>Forget the stored {labelInText(label)}</label>
      </div>
    </div>
  );
}
