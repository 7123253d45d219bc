import { useId, useState } from "react";
import { Field } from "../../components/Field";
import type {
  CachePolicy,
  ProviderInput_Deserialize,
  ProviderView_Serialize,
  VaultAuthMethod,
} from "../../ipc/api";
import { KeychainSecretField, ProviderForm, secretInput, useProviderForm } from "./ProviderForm";

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

/** The fields of the Advanced section (besides the cache's): opened when one of them has an error. */
const ADVANCED = ["ca_cert", "auth_mount", "mounts"];

interface Props {
  provider?: ProviderView_Serialize;
  /** The project a new manager is for (project mode), null for the workspace; an existing one keeps its own. */
  projectId: string | null;
  /** The name of the manager's project, when it has one. */
  projectName?: string;
  onSaved: (p: ProviderView_Serialize) => void;
  onClose: () => void;
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
  const methodLabel = useId();
  const stored = {
    token: Boolean(vault?.token_stored),
    secret_id: Boolean(vault?.secret_id_stored),
    password: Boolean(vault?.password_stored),
  };

  const input = (cache: CachePolicy | null): ProviderInput_Deserialize => ({
    alias,
    project_id: scope,
    aws: null,
    azure: null,
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
    cache,
  });

  /** The fields on screen for the chosen method; an error for any other goes above the buttons. */
  const visible = [
    "alias",
    "address",
    "namespace",
    ...(auth === "token"
      ? ["token"]
      : auth === "app_role"
        ? ["role_id", "secret_id"]
        : ["username", "password"]),
  ];
  const form = useProviderForm({
    provider,
    input,
    advanced: ADVANCED,
    visible,
    advancedOpen: Boolean(vault?.ca_cert || vault?.auth_mount || vault?.mounts),
    onSaved,
  });
  const { errors } = form;

  const secretField = (
    name: "token" | "secret_id" | "password",
    label: string,
    value: string,
    set: (v: string) => void,
  ) => (
    <KeychainSecretField
      name={name}
      label={label}
      value={value}
      onChange={set}
      stored={stored[name]}
      error={errors[name]}
    />
  );

  return (
    <ProviderForm
      form={form}
      addTitle="Add HashiCorp Vault / OpenBao"
      alias={provider?.alias}
      description="Latchkey reads KV secrets (v1 and v2) with this identity. Its policy needs list and read on the paths you pick from."
      label="HashiCorp Vault / OpenBao"
      projectId={scope}
      projectName={projectName}
      onClose={onClose}
      advanced={
        <>
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
        </>
      }
    >
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
    </ProviderForm>
  );
}
