// A fake backend for component tests: the real generated bindings and api module run
// unchanged; only the transport under them (Tauri's invoke) is replaced.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { ApiError, ConnectionView, ProjectSummary, ProviderView_Serialize, TypeSpec } from "../ipc/api";

export type Handler = (args: Record<string, unknown>) => unknown;

export const postgresType: TypeSpec = {
  kind: "postgres",
  label: "PostgreSQL",
  description: "A PostgreSQL database server.",
  fields: [
    {
      key: "host",
      label: "Host",
      kind: "host",
      required: true,
      default: null,
      placeholder: "db.example.com",
      help: "",
      choices: [],
    },
    {
      key: "port",
      label: "Port",
      kind: "port",
      required: true,
      default: "5432",
      placeholder: "",
      help: "",
      choices: [],
    },
    {
      key: "database",
      label: "Database",
      kind: "text",
      required: true,
      default: null,
      placeholder: "",
      help: "",
      choices: [],
    },
    {
      key: "user",
      label: "User",
      kind: "text",
      required: true,
      default: null,
      placeholder: "",
      help: "",
      choices: [],
    },
    {
      key: "password",
      label: "Password",
      kind: "credential",
      required: true,
      default: null,
      placeholder: "",
      help: "",
      choices: [],
    },
    {
      key: "sslmode",
      label: "SSL mode",
      kind: "choice",
      required: true,
      default: "prefer",
      placeholder: "",
      help: "",
      choices: [
        { value: "disable", label: "disable" },
        { value: "prefer", label: "prefer" },
        { value: "require", label: "require" },
      ],
    },
  ],
};

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
    created_at: "2026-11-29T10:00:00.000Z",
    updated_at: "2026-11-29T10:00:00.000Z",
    ...overrides,
  };
}

export function apiError(code: string, message: string, fields: Record<string, string> = {}): ApiError {
  return {
    code,
    message,
    step: null,
    field_errors: Object.entries(fields).map(([field, m]) => ({ field, message: m })),
  };
}

/** Installs a fake backend; records every call as [command, args]. */
export function fakeBackend(handlers: Record<string, Handler>) {
  const calls: [string, Record<string, unknown>][] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push([cmd, a]);
    const h = handlers[cmd];
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

/** A secrets manager as the engine lists it: an AWS one without settings, for the workspace. */
export function providerView(overrides: Partial<ProviderView_Serialize> = {}): ProviderView_Serialize {
  return {
    id: "m1",
    alias: "aws",
    kind: "aws_secrets_manager",
    kind_label: "AWS Secrets Manager",
    project_id: null,
    aws: null,
    vault: null,
    azure: null,
    cache: { ttl_secs: 3600, stale_if_error: true },
    used_by: [],
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}
