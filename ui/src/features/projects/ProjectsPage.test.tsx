import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ToastProvider } from "../../components/Toasts";
import type { ProviderView_Serialize, SecretsMode } from "../../ipc/api";
import { apiError, defaultProject, fakeBackend, type Handler, providerView } from "../../test/ipc";
import { ProjectsPage } from "./ProjectsPage";

/** The workspace (in `mode`) and its managers, for the pages that show them. */
function scoped(
  mode: SecretsMode = "workspace",
  providers: ProviderView_Serialize[] = [],
): Record<string, Handler> {
  return {
    workspace_info: () => ({ settings: { secrets_mode: mode, aws_external_id: "latchkey-workspace" } }),
    list_providers: () => providers,
  };
}

function manager(id: string, alias: string, projectId: string | null, vault = false): ProviderView_Serialize {
  return providerView({
    id,
    alias,
    project_id: projectId,
    ...(vault ? { kind: "vault", kind_label: "HashiCorp Vault / OpenBao" } : {}),
  });
}

function renderPage() {
  render(
    <ToastProvider>
      <ProjectsPage onOpenProject={() => {}} />
    </ToastProvider>,
  );
}

describe("ProjectsPage", () => {
  it("shows an empty state when there are no projects", async () => {
    fakeBackend({ ...scoped(), list_projects: () => [] });
    renderPage();
    expect(await screen.findByText("No projects yet")).toBeInTheDocument();
  });

  it("lists projects with their connection counts", async () => {
    fakeBackend({ ...scoped(), list_projects: () => [{ ...defaultProject, connection_count: 3 }] });
    renderPage();
    const row = await screen.findByTestId("project-row");
    expect(within(row).getByText("Default")).toBeInTheDocument();
    expect(within(row).getByText("3")).toBeInTheDocument();
  });

  it("creates a project, showing a duplicate name inline first", async () => {
    let attempts = 0;
    const calls = fakeBackend({
      ...scoped(),
      list_projects: () => [defaultProject],
      create_project: (args) => {
        attempts += 1;
        if (args.name === "Default")
          throw apiError("validation", "dup", {
            name: 'A project named "Default" already exists: choose another name.',
          });
        return { ...defaultProject, id: "p2", name: String(args.name) };
      },
    });
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: /New project/ }));
    const dialog = screen.getByRole("dialog");
    const name = within(dialog).getByLabelText(/^Name/);
    expect(name).toHaveFocus();
    await user.type(name, "Default{Enter}");
    expect(await within(dialog).findByText(/already exists/)).toBeInTheDocument();
    await user.clear(name);
    await user.type(name, "Finance{Enter}");
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(attempts).toBe(2);
    expect(calls.filter(([c]) => c === "create_project").map(([, a]) => a.name)).toEqual([
      "Default",
      "Finance",
    ]);
    expect(await screen.findByText("Project “Finance” created")).toBeInTheDocument();
  });

  it("closes the dialog with Escape", async () => {
    fakeBackend({ ...scoped(), list_projects: () => [defaultProject] });
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: /New project/ }));
    expect(screen.getByRole("dialog")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});

describe("ProjectsPage and the secrets mode", () => {
  const finance = {
    ...defaultProject,
    id: "p2",
    name: "Finance",
    aws_external_id: "latchkey-finance-external",
    connection_count: 2,
  };

  it("says in workspace mode that managers are workspace-wide, and shows no per-project managers", async () => {
    fakeBackend({ ...scoped("workspace", [manager("m1", "aws", null)]), list_projects: () => [finance] });
    renderPage();
    expect(await screen.findByTestId("projects-mode-hint")).toHaveTextContent(
      "Secrets managers are workspace-wide (workspace mode)",
    );
    expect(screen.getByTestId("projects-mode")).toHaveTextContent("Workspace mode");
    expect(screen.queryByTestId("project-managers")).toBeNull();
    expect(screen.queryByText("latchkey-finance-external")).toBeNull();
  });

  it("shows each project's own managers, its external ID with the trust policy, and adds a manager to it", async () => {
    const calls = fakeBackend({
      ...scoped("project", [
        manager("m1", "fin-aws", "p2"),
        manager("m2", "fin-bao", "p2", true),
        manager("m3", "default-aws", "p1"),
      ]),
      list_projects: () => [defaultProject, finance],
      create_provider: ({ input }) => manager("m4", (input as { alias: string }).alias, "p2", true),
    });
    renderPage();
    const card = await waitFor(() => {
      const found = screen.getAllByTestId("project-managers").find((c) => c.dataset.project === "Finance");
      if (!found) throw new Error("no card for Finance");
      return found;
    });
    expect(screen.getByTestId("projects-mode")).toHaveTextContent("Project mode");
    await waitFor(() => expect(within(card).getByText("fin-aws")).toBeInTheDocument());
    const list = within(card).getByRole("list", { name: "Secrets managers of Finance" });
    expect(
      within(list)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["fin-aws AWS Secrets Manager", "fin-bao HashiCorp Vault / OpenBao"]);
    expect(within(card).getByTestId("external-id")).toHaveTextContent("latchkey-finance-external");
    expect(card).toHaveTextContent("This project's external ID");
    expect(card).toHaveTextContent('"sts:ExternalId": "latchkey-finance-external"');
    const row = screen
      .getAllByTestId("project-row")
      .find((r) => within(r).queryByText("Finance")) as HTMLElement;
    expect(within(row).getByTestId("project-managers-cell")).toHaveTextContent("2: fin-awsfin-bao");

    const user = userEvent.setup();
    await user.click(within(card).getByRole("button", { name: "Add secrets manager to Finance" }));
    expect(screen.getByRole("dialog", { name: "Add a secrets manager" })).toHaveTextContent(
      "For project Finance",
    );
    await user.click(screen.getByRole("button", { name: /HashiCorp Vault \/ OpenBao/ }));
    const form = screen.getByRole("dialog", { name: "Add HashiCorp Vault / OpenBao" });
    expect(within(form).getByTestId("provider-dialog-scope")).toHaveTextContent("For project Finance");
    await user.clear(within(form).getByLabelText(/^Alias/));
    await user.type(within(form).getByLabelText(/^Alias/), "fin-vault");
    await user.type(within(form).getByLabelText(/^Server URL/), "http://127.0.0.1:8200");
    await user.type(within(form).getByLabelText(/^Token/), "s.token");
    await user.click(within(form).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const created = calls.filter(([c]) => c === "create_provider").map(([, a]) => a.input);
    expect(created).toMatchObject([{ alias: "fin-vault", project_id: "p2" }]);
    expect(await screen.findByText("“fin-vault” added to Finance")).toBeInTheDocument();
    expect(calls.filter(([c]) => c === "list_providers")).toHaveLength(2);
  });
});
