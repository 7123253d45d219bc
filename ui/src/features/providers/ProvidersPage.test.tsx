import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ToastProvider } from "../../components/Toasts";
import type { ProjectSummary, ProviderView_Serialize, SecretsMode } from "../../ipc/api";
import { defaultProject, fakeBackend, type Handler, inputsOf } from "../../test/ipc";
import { awsSpec, managerView, vaultSpec } from "../../test/managers";
import { ProvidersPage } from "./ProvidersPage";

const BILLING: ProjectSummary = {
  ...defaultProject,
  id: "p-billing",
  name: "Billing",
  aws_external_id: "latchkey-billing-external",
};
const OPS: ProjectSummary = {
  ...defaultProject,
  id: "p-ops",
  name: "Ops",
  aws_external_id: "latchkey-ops-external",
};

function manager(
  id: string,
  alias: string,
  projectId: string | null,
  overrides: Partial<ProviderView_Serialize> = {},
): ProviderView_Serialize {
  return managerView(
    awsSpec,
    {
      plain: { region: "eu-west-1", auth: "assume_role", role_arn: "arn:aws:iam::123456789012:role/reader" },
      target: "eu-west-1",
    },
    { id, alias, project_id: projectId, ...overrides },
  );
}

/** A Vault manager of `projectId`, on a token. */
const vaultManager = (id: string, alias: string, projectId: string | null) =>
  managerView(
    vaultSpec,
    {
      plain: { address: "http://127.0.0.1:8200", auth: "token" },
      stored: ["token"],
      target: "http://127.0.0.1:8200",
    },
    { id, alias, project_id: projectId },
  );

function renderPage(
  mode: SecretsMode,
  providers: ProviderView_Serialize[],
  handlers: Record<string, Handler> = {},
) {
  const calls = fakeBackend({
    workspace_info: () => ({
      settings: { secrets_mode: mode, aws_external_id: "latchkey-workspace-external" },
    }),
    list_projects: () => [BILLING, OPS],
    list_providers: () => providers,
    create_provider: ({ input }) => manager("new", (input as { alias: string }).alias, null),
    update_provider: ({ input }) => manager("a1", (input as { alias: string }).alias, null),
    ...handlers,
  });
  render(
    <ToastProvider>
      <ProvidersPage />
    </ToastProvider>,
  );
  return { calls, user: userEvent.setup() };
}

const group = (project: string) =>
  screen.getAllByTestId("provider-group").find((g) => g.dataset.project === project) as HTMLElement;

describe("ProvidersPage in project mode", () => {
  it("groups the managers by project, each row with its scope, and each group with its own add button", async () => {
    renderPage("project", [
      manager("a1", "aws", "p-billing"),
      vaultManager("v1", "bao", "p-ops"),
      manager("a2", "aws", "p-ops"),
    ]);
    await waitFor(() => expect(screen.getAllByTestId("provider-group")).toHaveLength(2));
    expect(screen.getByTestId("providers-mode")).toHaveTextContent("Project mode");
    expect(screen.getAllByTestId("provider-group").map((g) => g.dataset.project)).toEqual(["Billing", "Ops"]);
    expect(within(group("Billing")).getByRole("heading", { name: "Billing" })).toBeInTheDocument();

    const billingRows = within(group("Billing")).getAllByTestId("provider-row");
    expect(billingRows).toHaveLength(1);
    expect(within(billingRows[0]).getByTestId("provider-scope")).toHaveTextContent("Project: Billing");
    const opsRows = within(group("Ops")).getAllByTestId("provider-row");
    expect(opsRows.map((r) => within(r).getByRole("button", { name: /^(aws|bao)$/ }).textContent)).toEqual([
      "bao",
      "aws",
    ]);
    for (const r of opsRows)
      expect(within(r).getByTestId("provider-scope")).toHaveTextContent("Project: Ops");

    // No workspace-wide add button: managers are added to a project.
    expect(screen.getAllByTestId("add-provider")).toHaveLength(2);
    expect(screen.getAllByRole("button", { name: /Add secrets manager/ })).toHaveLength(2);
    expect(within(group("Ops")).getByTestId("add-provider")).toHaveAccessibleName(
      "Add secrets manager to Ops",
    );
  });

  it("adds an AWS manager for the group's project, with that project's external ID", async () => {
    const { calls, user } = renderPage("project", [manager("a1", "aws", "p-billing")]);
    await waitFor(() => expect(screen.getAllByTestId("provider-group")).toHaveLength(2));
    await user.click(within(group("Ops")).getByTestId("add-provider"));
    const chooser = screen.getByRole("dialog", { name: "Add a secrets manager" });
    expect(chooser).toHaveTextContent("For project Ops");
    await user.click(within(chooser).getByRole("button", { name: /AWS Secrets Manager/ }));

    const form = screen.getByRole("dialog", { name: "Add AWS Secrets Manager" });
    expect(within(form).getByTestId("provider-dialog-scope")).toHaveTextContent("For project Ops");
    await user.clear(within(form).getByLabelText(/^Alias/));
    await user.type(within(form).getByLabelText(/^Alias/), "ops-aws");
    await user.selectOptions(within(form).getByLabelText(/^Sign in with/), "assume_role");
    expect(within(form).getByTestId("external-id")).toHaveTextContent("latchkey-ops-external");
    expect(form).toHaveTextContent("This project's external ID");
    expect(form).toHaveTextContent('"sts:ExternalId": "latchkey-ops-external"');
    await user.type(within(form).getByLabelText(/^Role ARN/), "arn:aws:iam::123456789012:role/ops");
    await user.click(within(form).getByRole("button", { name: "Add" }));

    await waitFor(() => expect(inputsOf(calls, "create_provider")).toHaveLength(1));
    expect(inputsOf(calls, "create_provider")[0]).toMatchObject({
      alias: "ops-aws",
      project_id: "p-ops",
      kind: "aws_secrets_manager",
      fields: {
        auth: { source: "plain", value: "assume_role" },
        role_arn: { source: "plain", value: "arn:aws:iam::123456789012:role/ops" },
      },
    });
  });

  it("adds a Vault manager for the group's project", async () => {
    const { calls, user } = renderPage("project", []);
    await waitFor(() => expect(screen.getAllByTestId("provider-group")).toHaveLength(2));
    await user.click(within(group("Billing")).getByTestId("add-provider"));
    await user.click(screen.getByRole("button", { name: /HashiCorp Vault \/ OpenBao/ }));
    const form = screen.getByRole("dialog", { name: "Add HashiCorp Vault / OpenBao" });
    expect(within(form).getByTestId("provider-dialog-scope")).toHaveTextContent("For project Billing");
    await user.type(within(form).getByLabelText(/^Server URL/), "http://127.0.0.1:8200");
    await user.type(within(form).getByLabelText(/^Token/), "s.billing-token");
    await user.click(within(form).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(inputsOf(calls, "create_provider")).toHaveLength(1));
    expect(inputsOf(calls, "create_provider")[0]).toMatchObject({
      alias: "vault",
      project_id: "p-billing",
      kind: "vault",
      fields: { token: { source: "literal", value: "s.billing-token" } },
    });
  });

  it("keeps an existing manager's project when it is edited", async () => {
    const { calls, user } = renderPage("project", [manager("a1", "aws", "p-billing")]);
    const row = await waitFor(() => within(group("Billing")).getByTestId("provider-row"));
    await user.click(within(row).getByRole("button", { name: "Edit aws" }));
    const form = screen.getByRole("dialog", { name: "Edit “aws”" });
    expect(within(form).getByTestId("provider-dialog-scope")).toHaveTextContent("For project Billing");
    expect(within(form).getByTestId("external-id")).toHaveTextContent("latchkey-billing-external");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(inputsOf(calls, "update_provider")).toHaveLength(1));
    expect(inputsOf(calls, "update_provider")[0].project_id).toBe("p-billing");
  });

  it("explains project mode when no project has a manager yet", async () => {
    renderPage("project", []);
    expect(await screen.findByText("No project has a secrets manager yet")).toBeInTheDocument();
    expect(screen.getByText(/each project has its own secrets managers/)).toBeInTheDocument();
    expect(screen.getByText(/Use “Add secrets manager” under a project below/)).toBeInTheDocument();
    expect(within(group("Billing")).getByText(/No secrets manager for Billing yet/)).toBeInTheDocument();
    expect(screen.queryAllByTestId("provider-row")).toHaveLength(0);
  });
});

describe("ProvidersPage in workspace mode", () => {
  it("lists the workspace's managers with their scope and adds new ones for the workspace", async () => {
    const { calls, user } = renderPage("workspace", [manager("a1", "aws", null)]);
    const row = await screen.findByTestId("provider-row");
    expect(screen.getByTestId("providers-mode")).toHaveTextContent("Workspace mode");
    expect(within(row).getByTestId("provider-scope")).toHaveTextContent("Workspace");
    expect(screen.queryByTestId("provider-group")).toBeNull();

    await user.click(screen.getByRole("button", { name: /Add secrets manager/ }));
    expect(screen.getByRole("dialog", { name: "Add a secrets manager" })).not.toHaveTextContent(
      "For project",
    );
    await user.click(screen.getByRole("button", { name: /AWS Secrets Manager/ }));
    const form = screen.getByRole("dialog", { name: "Add AWS Secrets Manager" });
    expect(within(form).getByTestId("provider-dialog-scope")).toHaveTextContent("For the workspace");
    await user.selectOptions(within(form).getByLabelText(/^Sign in with/), "assume_role");
    expect(within(form).getByTestId("external-id")).toHaveTextContent("latchkey-workspace-external");
    expect(form).not.toHaveTextContent("This project's external ID");
    await user.type(within(form).getByLabelText(/^Role ARN/), "arn:aws:iam::123456789012:role/all");
    await user.click(within(form).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(inputsOf(calls, "create_provider")).toHaveLength(1));
    expect(inputsOf(calls, "create_provider")[0].project_id).toBeNull();
  });
});
