// A fake backend for component tests: the real generated bindings and api module run
// unchanged; only the transport under them (Tauri's invoke) is replaced.
import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  ApiError,
  ConnectionView,
  ErrorCode,
  FieldKind,
  FieldSpec,
  ProjectSummary,
  ProviderView_Serialize,
  StepReport,
  TypeSpec,
} from "../ipc/api";
import { awsSpec, managerTypes, managerView } from "./managers";

export type Handler = (args: Record<string, unknown>) => unknown;

type FieldExtras = Partial<Omit<FieldSpec, "key" | "label" | "kind" | "required">>;

/** A field as the engine declares it: no default, help, choices or condition unless given. */
export function field(
  key: string,
  label: string,
  kind: FieldKind,
  required: boolean,
  extras: FieldExtras = {},
): FieldSpec {
  return {
    key,
    label,
    kind,
    required,
    default: null,
    placeholder: "",
    help: "",
    choices: [],
    show_when: null,
    advanced: false,
    multiline: false,
    destination: kind === "host" || kind === "url",
    required_when: null,
    ...extras,
  } as FieldSpec;
}

const choices = (...values: [string, string][]) =>
  values.map(([value, label]) => ({ value, label, help: "" }));
const when = (f: string, ...values: string[]) => ({ show_when: { field: f, values } });

export const postgresType: TypeSpec = {
  kind: "postgres",
  label: "PostgreSQL",
  description: "A PostgreSQL database server.",
  group: "Databases",
  fields: [
    field("host", "Host", "host", true, { placeholder: "db.example.com" }),
    field("port", "Port", "port", true, { default: "5432" }),
    field("database", "Database", "text", true),
    field("user", "User", "text", true),
    field("password", "Password", "credential", true),
    field("sslmode", "SSL mode", "choice", true, {
      default: "prefer",
      choices: choices(
        ["disable", "disable"],
        ["prefer", "prefer"],
        ["require", "require"],
        ["verify-ca", "verify-ca"],
        ["verify-full", "verify-full"],
      ),
    }),
    field("ca_file", "CA certificate", "path", false, {
      ...when("sslmode", "verify-ca", "verify-full"),
      placeholder: "/etc/ssl/certs/db-ca.pem",
    }),
  ],
};

export const mysqlType: TypeSpec = {
  kind: "mysql",
  label: "MySQL / MariaDB",
  description: "A MySQL or MariaDB database server.",
  group: "Databases",
  fields: [
    field("host", "Host", "host", true),
    field("port", "Port", "port", true, { default: "3306" }),
    field("database", "Database", "text", false),
    field("user", "User", "text", true),
    field("password", "Password", "credential", true),
  ],
};

export const redisType: TypeSpec = {
  kind: "redis",
  label: "Redis",
  description: "A Redis (or Valkey) server, with a password or an ACL user.",
  group: "Databases",
  fields: [
    field("host", "Host", "host", true),
    field("port", "Port", "port", true, { default: "6379" }),
    field("username", "ACL user", "text", false),
    field("password", "Password", "credential", false),
    field("tls", "TLS", "choice", true, { default: "off", choices: choices(["off", "off"], ["on", "on"]) }),
    field("ca_file", "CA certificate", "path", false, when("tls", "on")),
    field("db", "Database number", "text", false, { default: "0", advanced: true }),
  ],
};

/** HTTP API: the auth scheme decides which credentials apply; redirects and a CA under Advanced. */
export const httpType: TypeSpec = {
  kind: "http",
  label: "HTTP API",
  description: "Any HTTP or REST API: Basic, Bearer, API key or OAuth2 client credentials.",
  group: "Web and APIs",
  fields: [
    field("base_url", "Base URL", "url", true, { placeholder: "https://api.example.com" }),
    field("auth", "Authentication", "choice", true, {
      default: "bearer",
      choices: choices(
        ["none", "none"],
        ["basic", "Basic"],
        ["bearer", "Bearer token"],
        ["api_key", "API key"],
        ["oauth2", "OAuth2 client credentials"],
      ),
    }),
    field("username", "User name", "text", true, when("auth", "basic")),
    field("password", "Password", "credential", true, when("auth", "basic")),
    field("token", "Token", "credential", true, when("auth", "bearer")),
    field("api_key_in", "Send the key in", "choice", true, {
      ...when("auth", "api_key"),
      default: "header",
      choices: choices(["header", "a header"], ["query", "a query parameter"]),
    }),
    field("api_key_name", "Header or parameter name", "text", true, {
      ...when("auth", "api_key"),
      default: "X-API-Key",
    }),
    field("api_key", "API key", "credential", true, when("auth", "api_key")),
    field("token_url", "Token URL", "url", true, when("auth", "oauth2")),
    field("client_id", "Client ID", "text", true, when("auth", "oauth2")),
    field("client_secret", "Client secret", "credential", true, when("auth", "oauth2")),
    field("client_auth", "Send the client credentials", "choice", true, {
      ...when("auth", "oauth2"),
      default: "basic",
      advanced: true,
      choices: choices(["basic", "Basic header"], ["body", "form body"]),
    }),
    field("health_path", "Health path", "text", true, { default: "/" }),
    field("follow_redirects", "Redirects", "choice", true, {
      default: "follow",
      advanced: true,
      choices: choices(["follow", "follow"], ["refuse", "refuse"]),
    }),
    field("ca_file", "CA certificate", "path", false, {
      advanced: true,
      placeholder: "/etc/ssl/certs/internal-ca.pem",
    }),
  ],
};

export const jiraType: TypeSpec = {
  kind: "jira",
  label: "Jira",
  description: "Jira Cloud (API token) or Jira Data Center / Server (personal access token).",
  group: "Web and APIs",
  fields: [
    field("base_url", "Site URL", "url", true),
    field("deployment", "Deployment", "choice", true, {
      default: "cloud",
      choices: choices(["cloud", "Jira Cloud"], ["data_center", "Jira Data Center / Server"]),
    }),
    field("email", "Account e-mail", "text", true, when("deployment", "cloud")),
    field("api_token", "API token", "credential", true, when("deployment", "cloud")),
    field("pat", "Personal access token", "credential", true, when("deployment", "data_center")),
  ],
};

export const s3Type: TypeSpec = {
  kind: "s3",
  label: "Amazon S3",
  description: "An S3 bucket on AWS or on S3-compatible storage.",
  group: "Storage",
  fields: [
    field("bucket", "Bucket", "text", true),
    field("region", "Region", "text", true, { default: "us-east-1" }),
    field("access_key_id", "Access key ID", "credential", true),
    field("secret_access_key", "Secret access key", "credential", true),
    field("endpoint", "Endpoint URL", "url", false),
    field("addressing", "Addressing", "choice", true, {
      default: "virtual",
      advanced: true,
      choices: choices(["virtual", "virtual-hosted"], ["path", "path-style"]),
    }),
  ],
};

/** SSH: a private key (on several lines) or a password; the host key pinned or from known_hosts. */
export const sshType: TypeSpec = {
  kind: "ssh",
  label: "SSH / SFTP",
  description: "A server reached over SSH: run a command, or browse files with SFTP.",
  group: "Servers",
  fields: [
    field("host", "Host", "host", true),
    field("port", "Port", "port", true, { default: "22" }),
    field("user", "User", "text", true),
    field("auth", "Log in with", "choice", true, {
      default: "key",
      choices: choices(["key", "a private key"], ["password", "a password"]),
    }),
    field("private_key", "Private key", "credential", true, { ...when("auth", "key"), multiline: true }),
    field("passphrase", "Key passphrase", "credential", false, when("auth", "key")),
    field("password", "Password", "credential", true, when("auth", "password")),
    field("host_key_check", "Host key check", "choice", true, {
      default: "fingerprint",
      choices: choices(["fingerprint", "pinned fingerprint"], ["known_hosts", "known_hosts file"]),
    }),
    field("host_key_fingerprint", "Host key fingerprint", "text", false, {
      ...when("host_key_check", "fingerprint"),
      placeholder: "SHA256:…",
    }),
    field("known_hosts", "known_hosts file", "path", true, {
      ...when("host_key_check", "known_hosts"),
      default: "~/.ssh/known_hosts",
    }),
  ],
};

export const smtpType: TypeSpec = {
  kind: "smtp",
  label: "SMTP",
  description: "A mail server's submission port: log in and check the session; no mail is sent.",
  group: "Servers",
  fields: [
    field("host", "Host", "host", true),
    field("port", "Port", "port", true, { default: "587" }),
    field("user", "User", "text", false),
    field("password", "Password", "credential", false),
    field("mechanism", "AUTH mechanism", "choice", true, {
      default: "auto",
      advanced: true,
      choices: choices(["auto", "automatic"], ["plain", "PLAIN"], ["login", "LOGIN"]),
    }),
  ],
};

/** Every connection type, in the engine's menu order. */
export const allTypes: TypeSpec[] = [
  postgresType,
  mysqlType,
  redisType,
  httpType,
  jiraType,
  s3Type,
  sshType,
  smtpType,
];

export const defaultProject: ProjectSummary = {
  id: "p1",
  name: "Default",
  description: "",
  aws_external_id: "latchkey-p1-external",
  created_at: "2026-11-29T10:00:00.000Z",
  updated_at: "2026-11-29T10:00:00.000Z",
  connection_count: 0,
};

export function connection(overrides: Partial<ConnectionView> = {}): ConnectionView {
  return {
    id: "c1",
    project_id: "p1",
    name: "Billing DB",
    kind: "postgres",
    fields: {
      host: { source: "plain", value: "db.internal" },
      port: { source: "plain", value: "5432" },
      database: { source: "plain", value: "billing" },
      user: { source: "plain", value: "app" },
      sslmode: { source: "plain", value: "require" },
      password: { source: "literal" },
    },
    target: "app@db.internal:5432/billing",
    created_at: "2026-11-29T10:00:00.000Z",
    updated_at: "2026-11-29T10:00:00.000Z",
    ...overrides,
  };
}

export function apiError(code: ErrorCode, message: string, fields: Record<string, string> = {}): ApiError {
  return {
    code,
    message,
    step: null,
    field_errors: Object.entries(fields).map(([field, m]) => ({ field, message: m })),
  };
}

/** What every fake backend answers unless a test says otherwise: the engine's declarations. */
const DEFAULTS: Record<string, Handler> = {
  provider_types: () => managerTypes,
};

/**
 * Installs a fake backend; records every call as [command, args]. `provider_types`
 * answers the kinds of test/managers.ts unless `handlers` has its own.
 */
export function fakeBackend(handlers: Record<string, Handler>) {
  const calls: [string, Record<string, unknown>][] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push([cmd, a]);
    const h = handlers[cmd] ?? DEFAULTS[cmd];
    if (!h) throw apiError("internal", `no fake for ${cmd}`);
    return h(a);
  });
  return calls;
}

export type Calls = ReturnType<typeof fakeBackend>;

/** The arguments of every call to `cmd`, in order. */
export const argsOf = (calls: Calls, cmd: string) => calls.filter(([c]) => c === cmd).map(([, a]) => a);

/** The `input` argument of every call to `cmd` (a manager's create, update and Test send one). */
export const inputsOf = (calls: Calls, cmd: string) =>
  argsOf(calls, cmd).map((a) => a.input as Record<string, unknown>);

/** A secrets manager as the engine lists it: an AWS one on the default chain, for the workspace. */
export function providerView(overrides: Partial<ProviderView_Serialize> = {}): ProviderView_Serialize {
  return managerView(
    awsSpec,
    { plain: { region: "us-east-1", auth: "default_chain" }, target: "us-east-1" },
    { alias: "aws", ...overrides },
  );
}

/** A test step as the engine streams it: ok unless `overrides` say otherwise. */
export function step(n: number, overrides: Partial<StepReport> = {}): StepReport {
  return {
    step: n,
    title: ["Request the secret", "Retrieve and decrypt", "Authenticate", "Check access"][n - 1] ?? "",
    outcome: "ok",
    duration_ms: 5,
    detail: "",
    code: null,
    cause: null,
    fix: null,
    offer: null,
    ...overrides,
  } as StepReport;
}

/** A fake `test_connection`: streams `steps` through the call's channel, then resolves to the report. */
export function streamSteps(args: Record<string, unknown>, steps: StepReport[]) {
  const channel = args.onStep as { onmessage: (s: StepReport) => void };
  for (const s of steps) channel.onmessage(s);
  return {
    connection_id: String(args.id),
    connection: "",
    ok: steps.every((s) => s.outcome === "ok"),
    steps,
    trial: null,
  };
}
