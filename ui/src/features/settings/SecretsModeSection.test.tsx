import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ToastProvider } from "../../components/Toasts";
import type {
  ModeMapping_Serialize,
  ModePreview_Serialize,
  ProposedManager_Serialize,
  ReferenceImpact_Serialize,
  SecretsMode,
  WorkspaceInfo,
} from "../../ipc/api";
import { apiError, fakeBackend, type Handler } from "../../test/ipc";
import { SettingsPage } from "./SettingsPage";

function workspace(mode: SecretsMode): WorkspaceInfo {
  return {
    version: "0.1.0",
    data_dir: "/data",
    database: "/data/latchkey.db",
    log_dir: "/data/logs",
    keychain: "Secret Service",
    build: "debug",
    settings: {
      secrets_mode: mode,
      audit_retention_days: 90,
      aws_external_id: "latchkey-workspace",
      control_api_enabled: false,
      control_api_port: 47821,
      reveal_enabled: false,
      expiry_warning_days: 14,
      updated_at: "2026-11-29T10:00:00.000Z",
    },
  };
}

function proposal(
  alias: string,
  projectId: string,
  toScope: string,
  overrides: Partial<ProposedManager_Serialize> = {},
): ProposedManager_Serialize {
  return {
    mapping: { source_id: `src-${alias}`, project_id: projectId },
    alias,
    kind: "aws_secrets_manager",
    kind_label: "AWS Secrets Manager",
    from_scope: "workspace",
    to_scope: toScope,
    serves: 1,
    selected: true,
    external_id: null,
    ...overrides,
  };
}

function reference(
  connection: string,
  status: ReferenceImpact_Serialize["status"],
  detail = "",
): ReferenceImpact_Serialize {
  return {
    connection_id: `c-${connection}`,
    connection,
    project: connection.startsWith("Ops") ? "Ops" : "Billing",
    field: "password",
    reference: `secret://aws/${connection}#password`,
    manager_now: "aws (workspace)",
    manager_after: status === "stops" ? null : "aws (Billing)",
    status,
    detail,
  };
}

const AWS_BILLING = proposal("aws", "p-billing", "Billing", {
  serves: 2,
  external_id: "latchkey-billing-0123",
});
const BAO_OPS = proposal("bao", "p-ops", "Ops", { kind: "vault", kind_label: "HashiCorp Vault / OpenBao" });
const AWS_OPS = proposal("aws", "p-ops", "Ops");

/** The engine's answer: proposals marked selected as requested (all of them for `null`). */
function previewFor(mappings: ModeMapping_Serialize[] | null): ModePreview_Serialize {
  const chosen = (p: ProposedManager_Serialize) =>
    mappings === null ||
    mappings.some((m) => m.source_id === p.mapping.source_id && m.project_id === p.mapping.project_id);
  const opsServed = mappings === null || mappings.some((m) => m.project_id === "p-ops");
  return {
    from: "workspace",
    to: "project",
    proposals: [AWS_BILLING, BAO_OPS, AWS_OPS].map((p) => ({ ...p, selected: chosen(p) })),
    references: [
      reference("Billing DB", "works"),
      reference("Ops cache", opsServed ? "works" : "stops", opsServed ? "" : "No manager of Ops serves it."),
      reference("Ledger", "fails", "access denied: GetSecretValue on prod/ledger"),
      reference("Orders", "stops", "No manager of Billing serves it."),
    ],
    breaking: opsServed ? 2 : 3,
    removed: ["aws (workspace)", "bao (workspace)"],
    without_manager: opsServed ? [] : ["Ops"],
  };
}

const preview: Handler = ({ request }) =>
  previewFor((request as { mappings: ModeMapping_Serialize[] | null }).mappings);

function renderSettings(handlers: Record<string, Handler> = {}, mode: SecretsMode = "workspace") {
  let current = mode;
  const calls = fakeBackend({
    workspace_info: () => workspace(current),
    cache_entries: () => [],
    control_api_status: () => ({ enabled: false, port: 47821, listening: null, error: null }),
    preview_mode: preview,
    switch_mode: ({ request }) => {
      current = (request as { to: SecretsMode }).to;
      return { mode: current, removed: ["aws (workspace)"], added: ["aws (Billing)"], broken: 2 };
    },
    ...handlers,
  });
  render(
    <ToastProvider>
      <SettingsPage />
    </ToastProvider>,
  );
  return { calls, user: userEvent.setup() };
}

const requestsOf = (calls: [string, Record<string, unknown>][], cmd: string) =>
  calls.filter(([c]) => c === cmd).map(([, a]) => a.request);

const dialog = () => screen.getByTestId("mode-dialog");
const confirmButton = () => screen.getByTestId("mode-confirm");
const proposalBox = (alias: string, scope: string) =>
  screen
    .getAllByTestId("mode-proposal")
    .find((el) => el.dataset.alias === alias && el.dataset.scope === scope) as HTMLInputElement;

async function openDialog(user: ReturnType<typeof userEvent.setup>) {
  await waitFor(() => expect(screen.getByTestId("mode-switch")).toBeEnabled());
  await user.click(screen.getByTestId("mode-switch"));
  await screen.findByTestId("mode-summary");
}

describe("Settings › Secrets management", () => {
  it("shows the mode in a badge, explains both modes, and opens the preview with the engine's proposal", async () => {
    let answer: (p: ModePreview_Serialize) => void = () => {};
    const { calls, user } = renderSettings({
      preview_mode: () => new Promise<ModePreview_Serialize>((resolve) => (answer = resolve)),
    });
    const section = screen.getByRole("region", { name: "Secrets management" });
    await waitFor(() => expect(screen.getByTestId("mode-badge")).toHaveTextContent("Workspace mode"));
    expect(screen.getByTestId("secrets-mode")).toHaveTextContent(/^Workspace$/);
    expect(section).toHaveTextContent("One set of secrets managers serves every project");
    expect(section).toHaveTextContent("Each project has its own secrets managers");
    expect(section).toHaveTextContent("its own AWS IAM role with its own external ID");
    expect(section).toHaveTextContent("Never both at once");
    expect(screen.getByTestId("mode-switch")).toHaveTextContent("Switch to project mode…");

    await user.click(screen.getByTestId("mode-switch"));
    expect(within(dialog()).getByRole("status")).toHaveTextContent("Checking every secret reference…");
    expect(confirmButton()).toBeDisabled();
    expect(requestsOf(calls, "preview_mode")).toEqual([{ to: "project", mappings: null }]);
    answer(previewFor(null));
    expect(await screen.findByTestId("mode-summary")).toHaveTextContent(
      "2 of 4 secret references would stop working",
    );
    expect(screen.queryByText("Checking every secret reference…")).toBeNull();

    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("mode-dialog")).toBeNull();
  });

  it("offers the way back from project mode", async () => {
    renderSettings({}, "project");
    await waitFor(() => expect(screen.getByTestId("mode-badge")).toHaveTextContent("Project mode"));
    expect(screen.getByTestId("mode-switch")).toHaveTextContent("Switch to workspace mode…");
  });
});

describe("ModeSwitchDialog", () => {
  it("lists every reference with its result, breaking ones first, and the proposals by scope", async () => {
    const { user } = renderSettings();
    await openDialog(user);
    const rows = screen.getAllByTestId("mode-reference");
    expect(rows.map((r) => [r.dataset.connection, r.dataset.status])).toEqual([
      ["Ledger", "fails"],
      ["Orders", "stops"],
      ["Billing DB", "works"],
      ["Ops cache", "works"],
    ]);
    expect(rows[0]).toHaveTextContent("Fails");
    expect(rows[0]).toHaveTextContent("access denied: GetSecretValue on prod/ledger");
    expect(rows[1]).toHaveTextContent("Stops working");
    expect(rows[1]).toHaveTextContent("aws (workspace) → —");
    expect(rows[2]).toHaveTextContent("Works");
    expect(rows[2]).toHaveTextContent("aws (workspace) → aws (Billing)");
    expect(screen.getByTestId("mode-removed")).toHaveTextContent("aws (workspace), bao (workspace)");
    expect(screen.queryByTestId("mode-without-manager")).toBeNull();

    const billing = within(dialog()).getByRole("group", { name: "Billing" });
    expect(billing).toHaveTextContent("aws · AWS Secrets Manager · from workspace · serves 2 references");
    expect(billing).toHaveTextContent(
      "AssumeRole: the role's trust policy must accept this external ID: latchkey-billing-0123",
    );
    await user.click(within(billing).getByRole("button", { name: /Copy the external ID/ }));
    expect(await navigator.clipboard.readText()).toBe("latchkey-billing-0123");
    const ops = within(dialog()).getByRole("group", { name: "Ops" });
    expect(within(ops).getAllByRole("checkbox")).toHaveLength(2);
    for (const box of screen.getAllByTestId("mode-proposal")) expect(box).toBeChecked();
  });

  it("checks again with exactly the mappings left ticked, and the result is outdated until then", async () => {
    const { calls, user } = renderSettings();
    await openDialog(user);
    await user.click(screen.getByTestId("mode-understand"));
    expect(confirmButton()).toBeEnabled();

    await user.click(proposalBox("bao", "Ops"));
    await user.click(proposalBox("aws", "Ops"));
    expect(screen.getByTestId("mode-outdated")).toBeInTheDocument();
    expect(confirmButton()).toBeDisabled();

    await user.click(screen.getByTestId("mode-recheck"));
    await waitFor(() =>
      expect(screen.getByTestId("mode-summary")).toHaveTextContent(
        "3 of 4 secret references would stop working",
      ),
    );
    expect(requestsOf(calls, "preview_mode")).toEqual([
      { to: "project", mappings: null },
      { to: "project", mappings: [{ source_id: "src-aws", project_id: "p-billing" }] },
    ]);
    expect(screen.queryByTestId("mode-outdated")).toBeNull();
    expect(screen.getByTestId("mode-without-manager")).toHaveTextContent(
      "Projects left without a secrets manager: Ops",
    );
    const opsCache = screen
      .getAllByTestId("mode-reference")
      .find((r) => r.dataset.connection === "Ops cache");
    expect(opsCache).toHaveAttribute("data-status", "stops");
    expect(proposalBox("aws", "Billing")).toBeChecked();
    expect(proposalBox("bao", "Ops")).not.toBeChecked();
    // A new result asks for the confirmation again.
    expect(screen.getByTestId("mode-understand")).not.toBeChecked();
    expect(screen.getByText("I understand that 3 references will stop working")).toBeInTheDocument();
  });

  it("switches only once the breakage is acknowledged, with the previewed mappings, then reloads the mode", async () => {
    const { calls, user } = renderSettings();
    await openDialog(user);
    await user.click(proposalBox("aws", "Ops"));
    await user.click(screen.getByTestId("mode-recheck"));
    await waitFor(() => expect(screen.queryByTestId("mode-outdated")).toBeNull());
    await waitFor(() => expect(proposalBox("bao", "Ops")).toBeEnabled());

    expect(confirmButton()).toHaveTextContent("Switch to project mode");
    expect(confirmButton()).toHaveClass("button-danger");
    expect(confirmButton()).toBeDisabled();
    await user.click(screen.getByTestId("mode-understand"));
    expect(confirmButton()).toBeEnabled();
    await user.click(confirmButton());

    await waitFor(() => expect(screen.queryByTestId("mode-dialog")).toBeNull());
    expect(requestsOf(calls, "switch_mode")).toEqual([
      {
        to: "project",
        mappings: [
          { source_id: "src-aws", project_id: "p-billing" },
          { source_id: "src-bao", project_id: "p-ops" },
        ],
      },
    ]);
    expect(screen.getByTestId("mode-result")).toHaveTextContent(
      "Switched to project mode. Added aws (Billing). Removed aws (workspace). 2 secret references no longer name a manager.",
    );
    await waitFor(() => expect(screen.getByTestId("mode-badge")).toHaveTextContent("Project mode"));
    expect(calls.filter(([c]) => c === "workspace_info")).toHaveLength(2);
    expect(calls.filter(([c]) => c === "cache_entries")).toHaveLength(2);
  });

  it("keeps the dialog and the choice when the switch fails, and shows why", async () => {
    const { user } = renderSettings({
      switch_mode: () => {
        throw apiError("scope_rule", "A connection of Ops still names a workspace manager.");
      },
    });
    await openDialog(user);
    await user.click(proposalBox("bao", "Ops"));
    await user.click(screen.getByTestId("mode-recheck"));
    await waitFor(() => expect(screen.queryByTestId("mode-outdated")).toBeNull());
    await user.click(screen.getByTestId("mode-understand"));
    await user.click(confirmButton());
    expect(await within(dialog()).findByRole("alert")).toHaveTextContent(
      "A connection of Ops still names a workspace manager.",
    );
    expect(proposalBox("bao", "Ops")).not.toBeChecked();
    expect(proposalBox("aws", "Ops")).toBeChecked();
    expect(screen.getByTestId("mode-understand")).toBeChecked();
    expect(confirmButton()).toBeEnabled();
    expect(screen.getByTestId("mode-badge")).toHaveTextContent("Workspace mode");
  });

  it("shows an empty state without references, and needs no acknowledgement when nothing breaks", async () => {
    const { calls, user } = renderSettings({
      preview_mode: () => ({
        ...previewFor(null),
        proposals: [],
        references: [],
        breaking: 0,
        removed: [],
        without_manager: ["Billing", "Ops"],
      }),
    });
    await openDialog(user);
    expect(screen.getByTestId("mode-summary")).toHaveTextContent(
      "0 of 0 secret references would stop working",
    );
    expect(screen.getByTestId("mode-no-references")).toHaveTextContent(
      "No connection uses a secret reference",
    );
    expect(screen.getByTestId("mode-no-proposals")).toBeInTheDocument();
    expect(screen.getByTestId("mode-without-manager")).toHaveTextContent(
      "Projects left without a secrets manager: Billing, Ops",
    );
    expect(screen.queryByTestId("mode-understand")).toBeNull();
    await user.click(confirmButton());
    await waitFor(() => expect(screen.queryByTestId("mode-dialog")).toBeNull());
    expect(requestsOf(calls, "switch_mode")).toEqual([{ to: "project", mappings: [] }]);
  });

  it("shows a failed preview with a way to try again", async () => {
    let fail = true;
    const { user } = renderSettings({
      preview_mode: (args) => {
        if (fail) throw apiError("database", "The database is locked: try again.");
        return preview(args);
      },
    });
    await waitFor(() => expect(screen.getByTestId("mode-switch")).toBeEnabled());
    await user.click(screen.getByTestId("mode-switch"));
    expect(await within(dialog()).findByRole("alert")).toHaveTextContent("The database is locked");
    expect(confirmButton()).toBeDisabled();
    fail = false;
    await user.click(within(dialog()).getByRole("button", { name: "Try again" }));
    expect(await screen.findByTestId("mode-summary")).toHaveTextContent("2 of 4");
  });
});
