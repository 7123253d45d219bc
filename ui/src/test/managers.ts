// The secrets-manager kinds as the engine declares them (latchkey-providers' aws/, vault/
// and azure/ kind.rs, and the two not built yet), for component tests: the chooser, the
// setup dialog and the page are drawn from these, as from `provider_types`.
import type {
  FieldKind,
  FieldSpec_Serialize,
  FieldView,
  ManagerSpec_Serialize,
  NoteSpec_Serialize,
  ProviderKind,
  ProviderView_Serialize,
  ShowWhen,
} from "../ipc/api";
import { field } from "./ipc";

/** A field as a kind declares it (FieldSpec::new): the same shape as a connection type's. */
export const managerField = (
  key: string,
  label: string,
  kind: FieldKind,
  required: boolean,
  extras: Partial<Omit<FieldSpec_Serialize, "key" | "label" | "kind" | "required">> = {},
): FieldSpec_Serialize => field(key, label, kind, required, extras) as FieldSpec_Serialize;

/** A condition on another field's value. */
export const when = (field: string, ...values: string[]): ShowWhen => ({ field, values });

/** A note as a kind declares it (NoteSpec::new): at the end, always shown, unless given. */
export function note(
  id: string,
  title: string,
  text: string,
  extras: Partial<Omit<NoteSpec_Serialize, "id" | "title" | "text">> = {},
): NoteSpec_Serialize {
  return { id, title, text, after: null, show_when: null, extra: null, ...extras };
}

const choices = (...values: [string, string, string?][]) =>
  values.map(([value, label, help]) => ({ value, label, help: help ?? "" }));

export const awsSpec: ManagerSpec_Serialize = {
  kind: "aws_secrets_manager",
  label: "AWS Secrets Manager",
  description: "Default chain, profile, access key or an assumed role.",
  intro:
    "Latchkey reads secrets with this identity. It needs secretsmanager:ListSecrets, DescribeSecret and GetSecretValue.",
  available: true,
  auth_field: "auth",
  fields: [
    managerField("region", "Region", "text", true, {
      default: "us-east-1",
      placeholder: "us-east-1",
      help: "The region the secrets live in, such as eu-west-1.",
    }),
    managerField("auth", "Sign in with", "choice", true, {
      default: "default_chain",
      choices: choices(
        ["default_chain", "Default chain", "Environment variables, ~/.aws files, SSO or an instance role."],
        ["profile", "Named profile", "A profile from ~/.aws/config (SSO profiles work too)."],
        ["access_key", "Access key", "An IAM user's key pair; the secret key is kept in the OS keychain."],
        ["assume_role", "Assume role", "Latchkey assumes a role with the external ID below."],
      ),
    }),
    managerField("profile", "Profile", "text", true, { show_when: when("auth", "profile") }),
    managerField("role_arn", "Role ARN", "text", true, {
      show_when: when("auth", "assume_role"),
      placeholder: "arn:aws:iam::123456789012:role/latchkey-reader",
    }),
    managerField("access_key_id", "Access key ID", "text", false, {
      show_when: when("auth", "access_key", "assume_role"),
      required_when: when("auth", "access_key"),
      help: "For Assume role it is optional: the key pair that assumes the role (empty: the default chain).",
    }),
    managerField("secret_access_key", "Secret access key", "secret", false, {
      show_when: when("auth", "access_key", "assume_role"),
      required_when: when("auth", "access_key"),
    }),
    managerField("endpoint_url", "Endpoint URL", "url", false, {
      advanced: true,
      placeholder: "https://secretsmanager.us-east-1.amazonaws.com",
      help: "Only for an AWS-compatible endpoint (a VPC endpoint, or moto for testing).",
    }),
  ],
  notes: [
    note("external-id-note", "External ID", "Add it to the role's trust policy:", {
      after: "role_arn",
      show_when: when("auth", "assume_role"),
      extra: "aws_external_id",
    }),
  ],
};

export const vaultSpec: ManagerSpec_Serialize = {
  kind: "vault",
  label: "HashiCorp Vault / OpenBao",
  description: "KV v1 and v2 with a token, AppRole or username & password.",
  intro:
    "Latchkey reads KV secrets (v1 and v2) with this identity. Its policy needs list and read on the paths you pick from.",
  available: true,
  auth_field: "auth",
  fields: [
    managerField("address", "Server URL", "url", true, { placeholder: "https://vault.example.com:8200" }),
    managerField("namespace", "Namespace", "text", false, {
      placeholder: "team-a",
      help: "Optional; empty for the root namespace. Sent as X-Vault-Namespace.",
    }),
    managerField("auth", "Sign in with", "choice", true, {
      default: "token",
      choices: choices(
        ["token", "Token", "A Vault token; Latchkey renews it while it is renewable."],
        [
          "app_role",
          "AppRole",
          "A role ID and a secret ID, exchanged for a short-lived token (the usual choice for apps).",
        ],
        ["userpass", "Username & password", "A Vault user of the userpass auth method."],
      ),
    }),
    managerField("token", "Token", "secret", true, { show_when: when("auth", "token") }),
    managerField("role_id", "Role ID", "text", true, { show_when: when("auth", "app_role") }),
    managerField("secret_id", "Secret ID", "secret", true, { show_when: when("auth", "app_role") }),
    managerField("username", "Username", "text", true, { show_when: when("auth", "userpass") }),
    managerField("password", "Password", "secret", true, { show_when: when("auth", "userpass") }),
    managerField("ca_cert", "CA certificate", "path", false, {
      advanced: true,
      placeholder: "/etc/ssl/vault-ca.pem",
      help: "Path of a PEM file to trust for this server; empty uses the system's trust store.",
    }),
    managerField("auth_mount", "Auth mount path", "text", false, {
      advanced: true,
      show_when: when("auth", "app_role", "userpass"),
      placeholder: "approle",
      help: "Empty for the default (approle for AppRole, userpass for username & password).",
    }),
    managerField("mounts", "KV mounts", "text", false, {
      advanced: true,
      placeholder: "secret:2",
      help: "Only needed when the token may not list mounts: e.g. secret:2 legacy:1",
    }),
    managerField("expiry_metadata_key", "Expiry metadata key", "text", false, {
      advanced: true,
      placeholder: "expires_at",
      help: "A KV v2 custom-metadata key that holds each secret's expiry date (2026-12-31 or RFC 3339): the inventory warns before it.",
    }),
  ],
  notes: [
    note(
      "vault-policy",
      "Policy",
      "The policy needs **list** on the folders you browse and **read** on the secrets you use (KV v2: on data/ and metadata/).",
      { after: "password" },
    ),
  ],
};

const APP = ["client_secret", "client_certificate"];

export const azureSpec: ManagerSpec_Serialize = {
  kind: "azure_key_vault",
  label: "Azure Key Vault",
  description: "Entra ID app (client secret or certificate), Azure CLI or managed identity.",
  intro: "Latchkey reads secrets from one key vault with this identity.",
  available: true,
  auth_field: "auth",
  fields: [
    managerField("vault_url", "Vault URL", "url", true, {
      placeholder: "https://my-vault.vault.azure.net/",
      help: "Public cloud: .vault.azure.net — China: .vault.azure.cn — US Government: .vault.usgovcloudapi.net",
    }),
    managerField("auth", "Sign in with", "choice", true, {
      default: "client_secret",
      choices: choices(
        [
          "client_secret",
          "Entra ID app — client secret",
          "An app registration's client secret; the secret is kept in the OS keychain.",
        ],
        [
          "client_certificate",
          "Entra ID app — certificate",
          "An app registration's certificate: a PEM or PFX file holding its private key.",
        ],
        ["azure_cli", "Azure CLI (az login)", "Whoever is signed in to the Azure CLI on this machine."],
        [
          "managed_identity",
          "Managed identity",
          "The identity of the Azure VM, App Service or container Latchkey runs on.",
        ],
      ),
    }),
    managerField("tenant_id", "Tenant ID", "text", false, {
      show_when: when("auth", "client_secret", "client_certificate", "azure_cli"),
      required_when: when("auth", ...APP),
      placeholder: "00000000-0000-0000-0000-000000000000",
      help: "Directory (tenant) ID: Entra ID › Overview. For the Azure CLI only when it is signed in to several tenants.",
    }),
    managerField("client_id", "Client ID", "text", false, {
      show_when: when("auth", "client_secret", "client_certificate", "managed_identity"),
      required_when: when("auth", ...APP),
      placeholder: "00000000-0000-0000-0000-000000000000",
      help: "Application (client) ID of the app registration. For a managed identity, a user-assigned identity's (empty for the system-assigned one).",
    }),
    managerField("client_secret", "Client secret", "secret", true, {
      show_when: when("auth", "client_secret"),
    }),
    managerField("certificate_path", "Certificate path (PEM or PFX)", "path", true, {
      show_when: when("auth", "client_certificate"),
      placeholder: "/etc/latchkey/app.pfx",
      help: "A file on this machine holding the certificate and its private key.",
    }),
    managerField("certificate_password", "Certificate password (optional)", "secret", false, {
      show_when: when("auth", "client_certificate"),
    }),
    managerField("grouping", "Group the tree", "choice", true, {
      default: "none",
      choices: choices(
        ["none", "None (one flat list)"],
        ["separator", "By name separator"],
        ["tag", "By tag"],
      ),
      help: "Key Vault names allow only letters, digits and -: the picker can still show folders.",
    }),
    managerField("separator", "Separator", "text", true, {
      show_when: when("grouping", "separator"),
      default: "-",
      placeholder: "-",
    }),
    managerField("tag", "Tag name", "text", true, {
      show_when: when("grouping", "tag"),
      placeholder: "team",
    }),
    managerField("authority_host", "Authority host", "url", false, {
      advanced: true,
      placeholder: "https://login.microsoftonline.com",
      help: "Entra ID's sign-in host; empty uses the vault's cloud (login.microsoftonline.com for .vault.azure.net).",
    }),
    managerField("ca_cert", "CA certificate", "path", false, {
      advanced: true,
      placeholder: "/etc/ssl/corporate-ca.pem",
      help: "Path of a PEM file to trust (a TLS-inspecting proxy); empty uses the system's trust store.",
    }),
  ],
  notes: [
    note(
      "azure-permissions",
      "Permissions",
      "Latchkey needs to read and list secrets: assign the **Key Vault Secrets User** role on the vault (RBAC vaults), or grant the **Get** and **List** secret permissions in an access policy (access-policy vaults).",
      { after: "certificate_password" },
    ),
    note("grouping-example", "", "billing-db-password is listed as is, in one flat list.", {
      after: "tag",
      show_when: when("grouping", "none"),
    }),
    note(
      "grouping-example",
      "",
      "billing{separator}db{separator}password shows as billing / db / password.",
      {
        after: "tag",
        show_when: when("grouping", "separator"),
      },
    ),
    note(
      "grouping-example",
      "",
      "app-db tagged {tag}=billing shows as billing / app-db; untagged, as (no {tag}) / app-db.",
      { after: "tag", show_when: when("grouping", "tag") },
    ),
  ],
};

/** A kind Latchkey cannot use yet: listed, without a form. */
const notYet = (kind: ProviderKind, label: string, description: string): ManagerSpec_Serialize => ({
  kind,
  label,
  description,
  available: false,
  auth_field: null,
  fields: [],
  notes: [],
  intro: "",
});

export const gcpSpec = notYet(
  "gcp_secret_manager",
  "Google Secret Manager",
  "Service-account key or application default credentials.",
);
export const conjurSpec = notYet("conjur", "CyberArk Conjur", "Host ID and API key.");

/** Every kind, in the chooser's order: what `provider_types` answers. */
export const managerTypes: ManagerSpec_Serialize[] = [awsSpec, vaultSpec, azureSpec, gcpSpec, conjurSpec];

/** A view's `fields`: plain settings as given, and `{ source: "literal" }` for each stored secret. */
export function viewFields(plain: Record<string, string>, stored: string[] = []): Record<string, FieldView> {
  const out: Record<string, FieldView> = {};
  for (const [k, value] of Object.entries(plain)) out[k] = { source: "plain", value };
  for (const k of stored) out[k] = { source: "literal" };
  return out;
}

/** The label of the sign-in method `plain` chooses, as the engine's `auth_label` gives it. */
export function authLabel(spec: ManagerSpec_Serialize, plain: Record<string, string>): string {
  const f = spec.fields.find((x) => x.key === spec.auth_field);
  if (!f) return "";
  const v = plain[f.key] || f.default || "";
  return f.choices.find((c) => c.value === v)?.label ?? v;
}

interface ManagerViewOptions {
  /** Plain settings by field. */
  plain: Record<string, string>;
  /** The secret fields kept in the OS keychain. */
  stored?: string[];
  /** Where it points, as the engine computes it. */
  target: string;
}

/** A manager of `spec`'s kind as the engine lists it (for the workspace, unless overridden). */
export function managerView(
  spec: ManagerSpec_Serialize,
  { plain, stored = [], target }: ManagerViewOptions,
  overrides: Partial<ProviderView_Serialize> = {},
): ProviderView_Serialize {
  return {
    id: "m1",
    alias: spec.kind.split("_")[0],
    kind: spec.kind,
    kind_label: spec.label,
    project_id: null,
    fields: viewFields(plain, stored),
    target,
    auth_label: authLabel(spec, plain),
    cache: { ttl_secs: 3600, stale_if_error: true },
    watch: { interval_secs: 300, refresh_and_test: false, max_calls: 100 },
    used_by: [],
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}
