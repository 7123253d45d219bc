import { useId, useState } from "react";
import { Field, TextField } from "../../components/Field";
import type {
  AzureAuthMethod,
  AzureGrouping,
  CachePolicy,
  ProviderInput_Deserialize,
  ProviderView_Serialize,
} from "../../ipc/api";
import { AliasField, KeychainSecretField, ProviderForm, secretInput, useProviderForm } from "./ProviderForm";

export const AZURE_METHODS: { value: AzureAuthMethod; label: string; help: string }[] = [
  {
    value: "client_secret",
    label: "Entra ID app — client secret",
    help: "An app registration's client secret; the secret is kept in the OS keychain.",
  },
  {
    value: "client_certificate",
    label: "Entra ID app — certificate",
    help: "An app registration's certificate: a PEM or PFX file holding its private key.",
  },
  {
    value: "azure_cli",
    label: "Azure CLI (az login)",
    help: "Whoever is signed in to the Azure CLI on this machine.",
  },
  {
    value: "managed_identity",
    label: "Managed identity",
    help: "The identity of the Azure VM, App Service or container Latchkey runs on.",
  },
];

const GROUPINGS: { value: AzureGrouping; label: string }[] = [
  { value: "none", label: "None (one flat list)" },
  { value: "separator", label: "By name separator" },
  { value: "tag", label: "By tag" },
];

/** The fields of the Advanced section (besides the cache's): opened when one of them has an error. */
const ADVANCED = ["authority_host", "ca_cert"];

/** The sign-in fields each method uses; the others are sent empty. */
const USES: Record<AzureAuthMethod, string[]> = {
  client_secret: ["tenant_id", "client_id", "client_secret"],
  client_certificate: ["tenant_id", "client_id", "certificate_path", "certificate_password"],
  azure_cli: ["tenant_id"],
  managed_identity: ["client_id"],
};

/** One line saying what the picker's tree will look like. */
function groupingExample(grouping: AzureGrouping, separator: string, tag: string): string {
  if (grouping === "none") return "billing-db-password is listed as is, in one flat list.";
  if (grouping === "separator") {
    const sep = separator.trim();
    if (!sep) return "Enter the separator that splits names into folders, such as -.";
    const name = ["billing", "db", "password"].join(sep);
    return `${name} shows as ${["billing", "db", "password"].join(" / ")}.`;
  }
  const name = tag.trim();
  if (!name) return "Enter the tag whose value names the folder, such as team.";
  return `app-db tagged ${name}=billing shows as billing / app-db; untagged, as (no ${name}) / app-db.`;
}

interface Props {
  provider?: ProviderView_Serialize;
  /** The project a new manager is for (project mode), null for the workspace; an existing one keeps its own. */
  projectId: string | null;
  /** The name of the manager's project, when it has one. */
  projectName?: string;
  onSaved: (p: ProviderView_Serialize) => void;
  onClose: () => void;
}

/** Add or edit an Azure Key Vault: the vault's URL, how to sign in, how to group the tree, and a Test. */
export function AzureProviderDialog({ provider, projectId, projectName, onSaved, onClose }: Props) {
  const azure = provider?.azure;
  const scope = provider ? (provider.project_id ?? null) : projectId;
  const [alias, setAlias] = useState(provider?.alias ?? "azure");
  const [vaultUrl, setVaultUrl] = useState(azure?.vault_url ?? "");
  const [auth, setAuth] = useState<AzureAuthMethod>(azure?.auth ?? "client_secret");
  const [tenantId, setTenantId] = useState(azure?.tenant_id ?? "");
  const [clientId, setClientId] = useState(azure?.client_id ?? "");
  const [clientSecret, setClientSecret] = useState("");
  const [certificatePath, setCertificatePath] = useState(azure?.certificate_path ?? "");
  const [certificatePassword, setCertificatePassword] = useState("");
  const [forgetPassword, setForgetPassword] = useState(false);
  const [authorityHost, setAuthorityHost] = useState(azure?.authority_host ?? "");
  const [caCert, setCaCert] = useState(azure?.ca_cert ?? "");
  const [grouping, setGrouping] = useState<AzureGrouping>(azure?.grouping ?? "none");
  const [separator, setSeparator] = useState(azure?.grouping === "separator" ? azure.group_by : "-");
  const [tag, setTag] = useState(azure?.grouping === "tag" ? azure.group_by : "");
  const forgetId = useId();
  const stored = {
    client_secret: Boolean(azure?.client_secret_stored),
    certificate_password: Boolean(azure?.certificate_password_stored),
  };
  const uses = (field: string) => USES[auth].includes(field);

  const input = (cache: CachePolicy | null): ProviderInput_Deserialize => ({
    alias,
    project_id: scope,
    aws: null,
    vault: null,
    azure: {
      vault_url: vaultUrl,
      auth,
      tenant_id: uses("tenant_id") ? tenantId : "",
      client_id: uses("client_id") ? clientId : "",
      client_secret: uses("client_secret") ? secretInput(clientSecret, stored.client_secret) : null,
      certificate_path: uses("certificate_path") ? certificatePath : "",
      certificate_password: uses("certificate_password")
        ? secretInput(certificatePassword, stored.certificate_password && !forgetPassword)
        : null,
      authority_host: authorityHost,
      ca_cert: caCert,
      grouping,
      group_by: grouping === "separator" ? separator : grouping === "tag" ? tag : "",
    },
    cache,
  });

  const form = useProviderForm({
    provider,
    input,
    advanced: ADVANCED,
    visible: ["alias", "vault_url", ...USES[auth], ...(grouping === "none" ? [] : ["group_by"])],
    advancedOpen: Boolean(azure?.authority_host || azure?.ca_cert),
    onSaved,
  });
  const { errors } = form;
  const app = auth === "client_secret" || auth === "client_certificate";

  const tenantField = (
    <TextField
      label={app ? "Tenant ID" : "Tenant ID (optional)"}
      name="tenant_id"
      mono
      required={app}
      value={tenantId}
      onChange={setTenantId}
      error={errors.tenant_id}
      help={
        app
          ? "Directory (tenant) ID: Entra ID › Overview."
          : "Only when the CLI is signed in to several tenants: the vault's directory (tenant) ID."
      }
      placeholder="00000000-0000-0000-0000-000000000000"
      autoComplete="off"
    />
  );
  const clientField = (
    <TextField
      label={app ? "Client ID" : "Client ID of a user-assigned identity (optional)"}
      name="client_id"
      mono
      required={app}
      value={clientId}
      onChange={setClientId}
      error={errors.client_id}
      help={
        app ? "Application (client) ID of the app registration." : "Empty for the system-assigned identity."
      }
      placeholder="00000000-0000-0000-0000-000000000000"
      autoComplete="off"
    />
  );

  return (
    <ProviderForm
      form={form}
      addTitle="Add Azure Key Vault"
      alias={provider?.alias}
      description="Latchkey reads secrets from one key vault with this identity."
      label="Azure Key Vault"
      projectId={scope}
      projectName={projectName}
      onClose={onClose}
      advanced={
        <>
          <TextField
            label="Authority host"
            name="authority_host"
            mono
            value={authorityHost}
            onChange={setAuthorityHost}
            error={errors.authority_host}
            help="Entra ID's sign-in host; empty uses the vault's cloud (login.microsoftonline.com for .vault.azure.net)."
            placeholder="https://login.microsoftonline.com"
          />
          <TextField
            label="CA certificate"
            name="ca_cert"
            mono
            value={caCert}
            onChange={setCaCert}
            error={errors.ca_cert}
            help="Path of a PEM file to trust (a TLS-inspecting proxy); empty uses the system's trust store."
            placeholder="/etc/ssl/corporate-ca.pem"
          />
        </>
      }
    >
      <div className="form-grid">
        <AliasField value={alias} onChange={setAlias} error={errors.alias} />
        <TextField
          label="Vault URL"
          name="vault_url"
          mono
          required
          value={vaultUrl}
          onChange={setVaultUrl}
          error={errors.vault_url}
          help="Public cloud: .vault.azure.net — China: .vault.azure.cn — US Government: .vault.usgovcloudapi.net"
          placeholder="https://my-vault.vault.azure.net/"
        />
      </div>
      <Field label="Sign in with" help={AZURE_METHODS.find((m) => m.value === auth)?.help}>
        {(p) => (
          <select
            {...p}
            name="auth"
            value={auth}
            onChange={(e) => setAuth(e.target.value as AzureAuthMethod)}
          >
            {AZURE_METHODS.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {app && (
        <div className="form-grid">
          {tenantField}
          {clientField}
        </div>
      )}
      {auth === "azure_cli" && tenantField}
      {auth === "managed_identity" && clientField}
      {auth === "client_secret" && (
        <KeychainSecretField
          name="client_secret"
          label="Client secret"
          value={clientSecret}
          onChange={setClientSecret}
          stored={stored.client_secret}
          error={errors.client_secret}
        />
      )}
      {auth === "client_certificate" && (
        <div className="form-grid">
          <TextField
            label="Certificate path (PEM or PFX)"
            name="certificate_path"
            mono
            required
            value={certificatePath}
            onChange={setCertificatePath}
            error={errors.certificate_path}
            help="A file on this machine holding the certificate and its private key."
            placeholder="/etc/latchkey/app.pfx"
          />
          <div>
            <KeychainSecretField
              name="certificate_password"
              label="Certificate password (optional)"
              value={certificatePassword}
              onChange={setCertificatePassword}
              stored={stored.certificate_password && !forgetPassword}
              error={errors.certificate_password}
              optional
            />
            {stored.certificate_password && (
              <div className="check-field check-field-under">
                <input
                  id={forgetId}
                  type="checkbox"
                  name="forget_certificate_password"
                  checked={forgetPassword}
                  onChange={(e) => setForgetPassword(e.target.checked)}
                />
                <label htmlFor={forgetId}>
                  The certificate has no password any more: forget the stored one
                </label>
              </div>
            )}
          </div>
        </div>
      )}
      <div className="banner banner-info" data-testid="azure-permissions">
        <span>
          Latchkey needs to read and list secrets: assign the <strong>Key Vault Secrets User</strong> role on
          the vault (RBAC vaults), or grant the <strong>Get</strong> and <strong>List</strong> secret
          permissions in an access policy (access-policy vaults).
        </span>
      </div>
      <fieldset className="form-section">
        <legend>Browsing</legend>
        <div className="form-grid">
          <Field
            label="Group the tree"
            help="Key Vault names allow only letters, digits and -: the picker can still show folders."
          >
            {(p) => (
              <select
                {...p}
                name="grouping"
                value={grouping}
                onChange={(e) => setGrouping(e.target.value as AzureGrouping)}
              >
                {GROUPINGS.map((g) => (
                  <option key={g.value} value={g.value}>
                    {g.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {grouping === "separator" && (
            <TextField
              label="Separator"
              name="group_by"
              mono
              className="input-narrow"
              required
              value={separator}
              onChange={setSeparator}
              error={errors.group_by}
              placeholder="-"
            />
          )}
          {grouping === "tag" && (
            <TextField
              label="Tag name"
              name="group_by"
              mono
              required
              value={tag}
              onChange={setTag}
              error={errors.group_by}
              placeholder="team"
            />
          )}
        </div>
        <p className="field-help grouping-example" data-testid="grouping-example">
          {groupingExample(grouping, separator, tag)}
        </p>
      </fieldset>
    </ProviderForm>
  );
}
