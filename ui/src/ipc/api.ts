// The one place the UI reaches the Rust side. Everything else imports `api` from here,
// never @tauri-apps/api directly, so tests can swap the transport (mockIPC) and the
// UI branches on error *codes*, not on message text.
import { Channel } from "@tauri-apps/api/core";
import {
  type ApiError,
  type AuditQuery,
  type ConnectionInput,
  commands,
  type ErrorCode,
  type ExportFormat,
  type ModeRequest_Deserialize,
  type ProviderInput_Deserialize,
  type RefreshScope,
  type RevealRequest_Deserialize,
  type StepReport,
  type Trial_Deserialize,
} from "./bindings";

export type * from "./bindings";

/** A command that failed, carrying the backend's structured error. */
export class CommandError extends Error {
  readonly api: ApiError;
  constructor(api: ApiError) {
    super(api.message);
    this.name = "CommandError";
    this.api = api;
  }
  get code(): ErrorCode {
    return this.api.code;
  }
  /** Field key → message, for inline form errors. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.api.field_errors) {
      if (!(e.field in out)) out[e.field] = e.message;
    }
    return out;
  }
}

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: ApiError };

function toCommandError(e: unknown): CommandError {
  if (e instanceof CommandError) return e;
  // Framework-level failures (unknown command, permission denied) reject with a string.
  const message = e instanceof Error ? e.message : String(e);
  return new CommandError({ code: "internal", message, step: null, field_errors: [] });
}

async function unwrap<T>(call: () => Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call();
  } catch (e) {
    throw toCommandError(e);
  }
  if (result.status === "error") throw new CommandError(result.error);
  return result.data;
}

async function plain<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw toCommandError(e);
  }
}

export const api = {
  workspaceInfo: () => unwrap(() => commands.workspaceInfo()),
  connectionTypes: () => plain(() => commands.connectionTypes()),
  /** Every secrets-manager kind's declaration: the chooser and the setup dialog are drawn from it. */
  providerTypes: () => plain(() => commands.providerTypes()),
  listProjects: () => unwrap(() => commands.listProjects()),
  createProject: (name: string, description: string) =>
    unwrap(() => commands.createProject(name, description)),
  updateProject: (id: string, name: string, description: string) =>
    unwrap(() => commands.updateProject(id, name, description)),
  deleteProject: (id: string) => unwrap(() => commands.deleteProject(id)),
  listConnections: (projectId: string | null) => unwrap(() => commands.listConnections(projectId)),
  getConnection: (id: string) => unwrap(() => commands.getConnection(id)),
  createConnection: (input: ConnectionInput) => unwrap(() => commands.createConnection(input)),
  updateConnection: (id: string, input: ConnectionInput) =>
    unwrap(() => commands.updateConnection(id, input)),
  deleteConnection: (id: string) => unwrap(() => commands.deleteConnection(id)),
  listAudit: (query: AuditQuery) => unwrap(() => commands.listAudit(query)),
  listProviders: () => unwrap(() => commands.listProviders()),
  createProvider: (input: ProviderInput_Deserialize) => unwrap(() => commands.createProvider(input)),
  updateProvider: (id: string, input: ProviderInput_Deserialize) =>
    unwrap(() => commands.updateProvider(id, input)),
  deleteProvider: (id: string) => unwrap(() => commands.deleteProvider(id)),
  testProvider: (id: string | null, input: ProviderInput_Deserialize) =>
    unwrap(() => commands.testProvider(id, input)),
  listSecrets: (providerId: string, prefix: string | null, page: string | null) =>
    unwrap(() => commands.listSecrets(providerId, prefix, page)),
  describeSecret: (providerId: string, name: string) =>
    unwrap(() => commands.describeSecret(providerId, name)),
  secretJsonKeys: (providerId: string, name: string, version: string | null) =>
    unwrap(() => commands.secretJsonKeys(providerId, name, version)),
  /**
   * Runs the four test steps; `onStep` sees each as it finishes. With `trial`, one secret
   * is read at another version or stage for this test only (test before cutover).
   */
  testConnection: (id: string, trial: Trial_Deserialize | null, onStep: (step: StepReport) => void) => {
    const channel = new Channel<StepReport>();
    channel.onmessage = onStep;
    return unwrap(() => commands.testConnection(id, trial, channel));
  },
  /** Saves the plain settings a failed test step offered (trust an SSH host key); resolves to the connection. */
  acceptOffer: (id: string, fields: Record<string, string>) => unwrap(() => commands.acceptOffer(id, fields)),
  /** Fetches again the secrets of a scope's connections; `test` tests each afterwards. */
  refresh: (scope: RefreshScope, test: boolean) => unwrap(() => commands.refresh(scope, test)),
  /** Per connection with something cached: when fetched, stale or not, when last rotated. */
  connectionSecrets: () => unwrap(() => commands.connectionSecrets()),
  /** The cache's entries: metadata only, never a value. */
  cacheEntries: () => unwrap(() => commands.cacheEntries()),
  /** Empties one manager's cached values, or all (`null`); resolves to how many went. */
  clearCache: (providerId: string | null) => unwrap(() => commands.clearCache(providerId)),
  /** Whether the local control API is on, its port, and where it listens (or why not). */
  controlApiStatus: () => unwrap(() => commands.controlApiStatus()),
  /** Turns the control API on (127.0.0.1:`port`) or off; resolves to the new status. */
  setControlApi: (enabled: boolean, port: number) => unwrap(() => commands.setControlApi(enabled, port)),
  /** The control API's bearer token. Audited: each call is recorded in the audit log. */
  revealControlApiToken: () => unwrap(() => commands.revealControlApiToken()),
  /** Writes the events `query` selects to a file under the data folder's exports/; resolves to its path. */
  exportAudit: (query: AuditQuery, format: ExportFormat) => unwrap(() => commands.exportAudit(query, format)),
  /** Keeps audit events this many days (1–3650); resolves to how many were pruned now. */
  setAuditRetention: (days: number) => unwrap(() => commands.setAuditRetention(days)),
  /** What switching the secrets mode would do: the managers it would create and remove, and a dry run of every reference. */
  previewMode: (request: ModeRequest_Deserialize) => unwrap(() => commands.previewMode(request)),
  /** Switches the secrets mode in one atomic step, with the managers `request` maps. */
  switchMode: (request: ModeRequest_Deserialize) => unwrap(() => commands.switchMode(request)),
  /** Every secret a connection references, soonest due first: rotation state, dates and uses (never a value). */
  secretsInventory: () => unwrap(() => commands.secretsInventory()),
  /** The connection fields that use one secret of a manager. */
  secretUsedBy: (providerId: string, secret: string) =>
    unwrap(() => commands.secretUsedBy(providerId, secret)),
  /** Runs a manager's rotation watch once now (metadata only); resolves to what the look found. */
  watchNow: (providerId: string) => unwrap(() => commands.watchNow(providerId)),
  /** A manager's call meter (last hour, last day), cache hits and rotation watch. */
  providerStats: (providerId: string) => unwrap(() => commands.providerStats(providerId)),
  /**
   * The audited reveal: one value, once. Refused with code `forbidden` while the workspace
   * has reveal off. The value must only ever be shown as text, never logged nor kept.
   */
  revealSecret: (request: RevealRequest_Deserialize) => unwrap(() => commands.revealSecret(request)),
  /** Turns reveal on or off and sets how many days ahead expiry warns (1–365); resolves to the settings. */
  setSecretLife: (revealEnabled: boolean, expiryWarningDays: number) =>
    unwrap(() => commands.setSecretLife(revealEnabled, expiryWarningDays)),
};

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
