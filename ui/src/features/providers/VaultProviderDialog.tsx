import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { Field } from "../../components/Field";
import { FormFooter } from "../../components/FormFooter";
import { Modal } from "../../components/Modal";
import {
  api,
  CommandError,
  errorMessage,
  type FieldInput,
  type ProviderInput_Deserialize,
  type ProviderView_Serialize,
  type VaultAuthMethod,
} from "../../ipc/api";
import { CACHE_FIELDS, CacheFields, useCacheFields } from "./CacheFields";
import { type ProviderCheckResult, ProviderTest } from "./ProviderTest";
import { ScopeLine } from "./scope";

const METHODS: { value: VaultAuthMethod; label: string; help: string }[] = [
  { value: "token", label: "Token", help: "A Vault token; Latchkey renews it while it is renewable." },
  {
    value: "app_role",
    label: "AppRole",
    help: "A role ID and a secret ID, exchanged for a short-lived token (the usual choice for apps).",
  },
  {
    value: "userpass",
    label: "Username & password",
    help: "A Vault user of the userpass auth method.",
  },
];

/** The fields of the Advanced section: opened when one of them has an error. */
const ADVANCED = ["ca_cert", "auth_mount", "mounts", ...CACHE_FIELDS];

interface Props {
  provider?: ProviderView_Serialize;
  /** The project a new manager is for (project mode), null for the workspace; an existing one keeps its own. */
  projectId: string | null;
  /** The name of the manager's project, when it has one. */
  projectName?: string;
  onSaved: (p: ProviderView_Serialize) => void;
  onClose: () => void;
}

/** A secret typed now, the one kept in the keychain, or none. */
function secretInput(typed: string, stored: boolean): FieldInput | null {
  if (typed) return { source: "literal", value: typed };
  return stored ? { source: "keep_literal" } : null;
}

/** Add or edit a HashiCorp Vault / OpenBao: address, namespace, how to sign in, and a Test. */
export function VaultProviderDialog({ provider, projectId, projectName, onSaved, onClose }: Props) {
  const vault = provider?.vault;
  const scope = provider ? (provider.project_id ?? null) : projectId;
  const [alias, setAlias] = useState(provider?.alias ?? "vault");
  const [address, setAddress] = useState(vault?.address ?? "");
  const [namespace, setNamespace] = useState(vault?.namespace ?? "");
  const [auth, setAuth] = useState<VaultAuthMethod>(vault?.auth ?? "token");
  const [token, setToken] = useState("");
  const [roleId, setRoleId] = useState(vault?.role_id ?? "");
  const [secretId, setSecretId] = useState("");
  const [username, setUsername] = useState(vault?.username ?? "");
  const [password, setPassword] = useState("");
  const [caCert, setCaCert] = useState(vault?.ca_cert ?? "");
  const [authMount, setAuthMount] = useState(vault?.auth_mount ?? "");
  const [mounts, setMounts] = useState(vault?.mounts ?? "");
  const cache = useCacheFields(provider);
  const [advanced, setAdvanced] = useState(
    Boolean(vault?.ca_cert || vault?.auth_mount || vault?.mounts) || cache.customized,
  );
  const [focusTtl, setFocusTtl] = useState(0);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState<"save" | "test">();
  const [check, setCheck] = useState<ProviderCheckResult>();
  const formRef = useRef<HTMLFormElement>(null);
  const methodLabel = useId();
  const stored = {
    token: Boolean(vault?.token_stored),
    secret_id: Boolean(vault?.secret_id_stored),
    password: Boolean(vault?.password_stored),
  };

  const input = (): ProviderInput_Deserialize => ({
    alias,
    project_id: scope,
    aws: null,
    vault: {
      address,
      namespace,
      ca_cert: caCert,
      auth,
      auth_mount: authMount,
      role_id: roleId,
      username,
      token: auth === "token" ? secretInput(token, stored.token) : null,
      secret_id: auth === "app_role" ? secretInput(secretId, stored.secret_id) : null,
      password: auth === "userpass" ? secretInput(password, stored.password) : null,
      mounts,
    },
    cache: cache.policy(),
  });

  // A refused TTL: Advanced opens and the field gets the focus.
  useEffect(() => {
    if (focusTtl) formRef.current?.querySelector<HTMLElement>('[name="cache_ttl_minutes"]')?.focus();
  }, [focusTtl]);
  const serverCacheError = CACHE_FIELDS.map((f) => errors[f]).find(Boolean);

  // After a refused submit, the first field named in an error gets the focus.
  useEffect(() => {
    if (Object.keys(errors).length === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  /** The fields on screen for the chosen method; an error for any other goes above the buttons. */
  const visible = new Set([
    "alias",
    "address",
    "namespace",
    ...ADVANCED,
    ...(auth === "token"
      ? ["token"]
      : auth === "app_role"
        ? ["role_id", "secret_id"]
        : ["username", "password"]),
  ]);

  const refused = (err: unknown): boolean => {
    if (!(err instanceof CommandError && err.code === "validation")) return false;
    const fields = err.fieldErrors();
    setErrors(fields);
    if (ADVANCED.some((f) => f in fields)) setAdvanced(true);
    const elsewhere = Object.entries(fields).filter(([f]) => !visible.has(f));
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
    if (cache.error) {
      setAdvanced(true);
      setFocusTtl((n) => n + 1);
      return;
    }
    setBusy("save");
    try {
      onSaved(provider ? await api.updateProvider(provider.id, input()) : await api.createProvider(input()));
    } catch (err) {
      if (!refused(err)) setFormError(errorMessage(err));
      setBusy(undefined);
    }
  };

  const test = async () => {
    setCheck(undefined);
    reset();
    setBusy("test");
    try {
      setCheck(await api.testProvider(provider?.id ?? null, input()));
    } catch (err) {
      if (!refused(err)) setCheck({ error: errorMessage(err) });
    }
    setBusy(undefined);
  };

  /** A secret's input: never prefilled; when one is stored, leaving it empty keeps it. */
  const secretField = (
    name: "token" | "secret_id" | "password",
    label: string,
    value: string,
    set: (v: string) => void,
  ) => (
    <Field
      label={label}
      required={!stored[name]}
      error={errors[name]}
      help={
        stored[name] ? "Stored in the OS keychain — leave empty to keep." : "Kept in the OS keychain only."
      }
    >
      {(p) => (
        <input
          {...p}
          name={name}
          type="password"
          value={value}
          onChange={(e) => set(e.target.value)}
          placeholder={stored[name] ? "•••••••• (stored)" : ""}
          autoComplete="off"
        />
      )}
    </Field>
  );

  return (
    <Modal
      title={provider ? `Edit “${provider.alias}”` : "Add HashiCorp Vault / OpenBao"}
      description="Latchkey reads KV secrets (v1 and v2) with this identity. Its policy needs list and read on the paths you pick from."
      onClose={onClose}
      width="wide"
    >
      <form ref={formRef} onSubmit={submit} noValidate aria-label="HashiCorp Vault / OpenBao">
        <ScopeLine projectId={scope} projectName={projectName} />
        <div className="form-grid">
          <Field label="Alias" required error={errors.alias} help="References name it: secret://ALIAS/…">
            {(p) => (
              <input
                {...p}
                name="alias"
                value={alias}
                onChange={(e) => setAlias(e.target.value)}
                data-autofocus
              />
            )}
          </Field>
          <Field label="Server URL" required error={errors.address}>
            {(p) => (
              <input
                {...p}
                name="address"
                className="mono"
                value={address}
                onChange={(e) => setAddress(e.target.value)}
                placeholder="https://vault.example.com:8200"
              />
            )}
          </Field>
        </div>
        <Field
          label="Namespace"
          error={errors.namespace}
          help="Optional; empty for the root namespace. Sent as X-Vault-Namespace."
        >
          {(p) => (
            <input
              {...p}
              name="namespace"
              className="mono"
              value={namespace}
              onChange={(e) => setNamespace(e.target.value)}
              placeholder="team-a"
            />
          )}
        </Field>
        <div className="field">
          <span className="field-label" id={methodLabel}>
            Sign in with
          </span>
          <div className="segmented" role="radiogroup" aria-labelledby={methodLabel}>
            {METHODS.map((m) => (
              <button
                key={m.value}
                type="button"
                role="radio"
                aria-checked={auth === m.value}
                className={auth === m.value ? "active" : ""}
                onClick={() => setAuth(m.value)}
              >
                {m.label}
              </button>
            ))}
          </div>
          <p className="field-help">{METHODS.find((m) => m.value === auth)?.help}</p>
        </div>
        {auth === "token" && secretField("token", "Token", token, setToken)}
        {auth === "app_role" && (
          <div className="form-grid">
            <Field label="Role ID" required error={errors.role_id}>
              {(p) => (
                <input
                  {...p}
                  name="role_id"
                  className="mono"
                  value={roleId}
                  onChange={(e) => setRoleId(e.target.value)}
                  autoComplete="off"
                />
              )}
            </Field>
            {secretField("secret_id", "Secret ID", secretId, setSecretId)}
          </div>
        )}
        {auth === "userpass" && (
          <div className="form-grid">
            <Field label="Username" required error={errors.username}>
              {(p) => (
                <input
                  {...p}
                  name="username"
                  value={username}
                  onChange={(e) => setUsername(e.target.value)}
                  autoComplete="off"
                />
              )}
            </Field>
            {secretField("password", "Password", password, setPassword)}
          </div>
        )}
        <details className="advanced" open={advanced} onToggle={(e) => setAdvanced(e.currentTarget.open)}>
          <summary>Advanced</summary>
          <Field
            label="CA certificate"
            error={errors.ca_cert}
            help="Path of a PEM file to trust for this server; empty uses the system's trust store."
          >
            {(p) => (
              <input
                {...p}
                name="ca_cert"
                className="mono"
                value={caCert}
                onChange={(e) => setCaCert(e.target.value)}
                placeholder="/etc/ssl/vault-ca.pem"
              />
            )}
          </Field>
          {auth !== "token" && (
            <Field
              label="Auth mount path"
              error={errors.auth_mount}
              help={`Empty for the default (${auth === "app_role" ? "approle" : "userpass"}).`}
            >
              {(p) => (
                <input
                  {...p}
                  name="auth_mount"
                  className="mono"
                  value={authMount}
                  onChange={(e) => setAuthMount(e.target.value)}
                  placeholder={auth === "app_role" ? "approle" : "userpass"}
                />
              )}
            </Field>
          )}
          <Field
            label="KV mounts"
            error={errors.mounts}
            help="Only needed when the token may not list mounts: e.g. secret:2 legacy:1"
          >
            {(p) => (
              <input
                {...p}
                name="mounts"
                className="mono"
                value={mounts}
                onChange={(e) => setMounts(e.target.value)}
                placeholder="secret:2"
              />
            )}
          </Field>
          <CacheFields cache={cache} error={cache.error ?? serverCacheError} />
        </details>
        <ProviderTest check={check} onTest={test} disabled={busy !== undefined} testing={busy === "test"} />
        <FormFooter
          error={formError}
          busy={busy === "save"}
          submitLabel={provider ? "Save" : "Add"}
          onCancel={onClose}
        />
      </form>
    </Modal>
  );
}
