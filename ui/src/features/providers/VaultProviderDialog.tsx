import { useId, useState } from "react";
import { TextField } from "../../components/Field";
import type {
  CachePolicy,
  ProviderInput_Deserialize,
  ProviderView_Serialize,
  VaultAuthMethod,
} from "../../ipc/api";
import { AliasField, KeychainSecretField, ProviderForm, secretInput, useProviderForm } from "./ProviderForm";

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
          <TextField
            label="CA certificate"
            name="ca_cert"
            mono
            value={caCert}
            onChange={setCaCert}
            error={errors.ca_cert}
            help="Path of a PEM file to trust for this server; empty uses the system's trust store."
            placeholder="/etc/ssl/vault-ca.pem"
          />
          {auth !== "token" && (
            <TextField
              label="Auth mount path"
              name="auth_mount"
              mono
              value={authMount}
              onChange={setAuthMount}
              error={errors.auth_mount}
              help={`Empty for the default (${auth === "app_role" ? "approle" : "userpass"}).`}
              placeholder={auth === "app_role" ? "approle" : "userpass"}
            />
          )}
          <TextField
            label="KV mounts"
            name="mounts"
            mono
            value={mounts}
            onChange={setMounts}
            error={errors.mounts}
            help="Only needed when the token may not list mounts: e.g. secret:2 legacy:1"
            placeholder="secret:2"
          />
        </>
      }
    >
      <div className="form-grid">
        <AliasField value={alias} onChange={setAlias} error={errors.alias} />
        <TextField
          label="Server URL"
          name="address"
          mono
          required
          value={address}
          onChange={setAddress}
          error={errors.address}
          placeholder="https://vault.example.com:8200"
        />
      </div>
      <TextField
        label="Namespace"
        name="namespace"
        mono
        value={namespace}
        onChange={setNamespace}
        error={errors.namespace}
        help="Optional; empty for the root namespace. Sent as X-Vault-Namespace."
        placeholder="team-a"
      />
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
          <TextField
            label="Role ID"
            name="role_id"
            mono
            required
            value={roleId}
            onChange={setRoleId}
            error={errors.role_id}
            autoComplete="off"
          />
          {secretField("secret_id", "Secret ID", secretId, setSecretId)}
        </div>
      )}
      {auth === "userpass" && (
        <div className="form-grid">
          <TextField
            label="Username"
            name="username"
            required
            value={username}
            onChange={setUsername}
            error={errors.username}
            autoComplete="off"
          />
          {secretField("password", "Password", password, setPassword)}
        </div>
      )}
    </ProviderForm>
  );
}
