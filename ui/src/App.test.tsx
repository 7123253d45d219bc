import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import { argsOf, connection, defaultProject, fakeBackend, postgresType } from "./test/ipc";

describe("App shell", () => {
  it("starts on Connections and navigates with clicks and Alt+number", async () => {
    fakeBackend({
      connection_types: () => [postgresType],
      list_projects: () => [{ ...defaultProject, connection_count: 1 }],
      list_connections: () => [connection()],
      connection_secrets: () => [],
      list_audit: () => [],
      list_providers: () => [],
      secrets_inventory: () => [],
      workspace_info: () => ({ settings: { secrets_mode: "workspace", aws_external_id: "latchkey-x" } }),
    });
    history.replaceState(null, "", "#/connections");
    render(<App />);
    expect(screen.getByRole("heading", { level: 1, name: "Connections" })).toBeInTheDocument();
    expect(await screen.findByText("app@db.internal:5432/billing")).toBeInTheDocument();
    expect(screen.getByText("Keychain")).toBeInTheDocument();

    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: /Projects/ }));
    expect(screen.getByRole("heading", { level: 1, name: "Projects" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /Projects/ })).toHaveAttribute("aria-current", "page");

    await user.keyboard("{Alt>}5{/Alt}");
    expect(screen.getByRole("heading", { level: 1, name: "Audit log" })).toBeInTheDocument();
    expect(await screen.findByText("No events yet")).toBeInTheDocument();

    await user.keyboard("{Alt>}3{/Alt}");
    expect(await screen.findByText("No secrets manager yet")).toBeInTheDocument();

    await user.keyboard("{Alt>}2{/Alt}");
    expect(screen.getByRole("heading", { level: 1, name: "Secrets" })).toBeInTheDocument();
    expect(await screen.findByText("No secret in use yet")).toBeInTheDocument();

    // Six sections, each with its shortcut in its title.
    const nav = screen.getByRole("navigation", { name: "Sections" });
    expect(
      within(nav)
        .getAllByRole("button")
        .map((b) => b.getAttribute("title")),
    ).toEqual([
      "Connections (Alt+1)",
      "Secrets (Alt+2)",
      "Secrets managers (Alt+3)",
      "Projects (Alt+4)",
      "Audit (Alt+5)",
      "Settings (Alt+6)",
    ]);
  });
});

describe("App: from a secret to the connections that use it", () => {
  it("opens the Connections page of every project with the connection highlighted and focused", async () => {
    const billing = connection({ id: "c1", name: "Billing DB", project_id: "p2" });
    const orders = connection({ id: "c2", name: "Orders DB" });
    const calls = fakeBackend({
      connection_types: () => [postgresType],
      list_projects: () => [
        { ...defaultProject, connection_count: 1 },
        { ...defaultProject, id: "p2", name: "Billing", connection_count: 1 },
      ],
      list_connections: ({ projectId }) => (projectId === "p1" ? [orders] : [orders, billing]),
      connection_secrets: () => [],
      list_providers: () => [],
      secrets_inventory: () => [
        {
          provider_id: "m1",
          provider: "aws",
          provider_kind: "aws_secrets_manager",
          secret: "prod/billing",
          selector: null,
          reference: "secret://aws/prod/billing",
          state: "unchanged",
          version_in_use: "v1",
          fetched_at: null,
          previous_version: null,
          changed_at: null,
          upstream_version: "v1",
          upstream_changed_at: null,
          checked_at: null,
          watch_error: null,
          expires_at: null,
          next_rotation_at: null,
          rotation_enabled: false,
          warning: null,
          due_at: null,
          problem: null,
          used_by: [
            {
              connection_id: "c1",
              connection: "Billing DB",
              project: "Billing",
              field: "password",
              json_key: null,
            },
          ],
        },
      ],
      workspace_info: () => ({
        settings: { secrets_mode: "workspace", aws_external_id: "x", reveal_enabled: false },
      }),
    });
    // The page the last test left in the address is where the app would start.
    history.replaceState(null, "", "#/connections");
    render(<App />);
    const user = userEvent.setup();
    // Filtered to another project first: the link shows every project's connections.
    await user.selectOptions(await screen.findByRole("combobox", { name: "Filter by project" }), "p1");
    await user.click(screen.getByRole("button", { name: "Secrets" }));
    await user.click(await screen.findByTestId("used-by-toggle"));
    await user.click(screen.getByTestId("used-by-link"));

    expect(screen.getByRole("heading", { level: 1, name: "Connections" })).toBeInTheDocument();
    const row = await waitFor(() => {
      const r = screen.getAllByTestId("connection-row").find((tr) => tr.dataset.connectionId === "c1");
      if (!r) throw new Error("not listed yet");
      return r;
    });
    expect(row).toHaveAttribute("data-highlighted", "true");
    await waitFor(() => expect(within(row).getByRole("button", { name: "Billing DB" })).toHaveFocus());
    expect(screen.getByRole("combobox", { name: "Filter by project" })).toHaveValue("");
    expect(argsOf(calls, "list_connections").at(-1)).toEqual({ projectId: null });
    const others = screen.getAllByTestId("connection-row").filter((tr) => tr !== row);
    for (const r of others) expect(r).not.toHaveAttribute("data-highlighted");

    // Going elsewhere and back leaves nothing highlighted.
    await user.keyboard("{Alt>}4{/Alt}");
    await user.keyboard("{Alt>}1{/Alt}");
    await screen.findAllByTestId("connection-row");
    for (const r of screen.getAllByTestId("connection-row"))
      expect(r).not.toHaveAttribute("data-highlighted");
  });
});
