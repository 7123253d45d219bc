import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import { connection, defaultProject, fakeBackend, postgresType } from "./test/ipc";

describe("App shell", () => {
  it("starts on Connections and navigates with clicks and Alt+number", async () => {
    fakeBackend({
      connection_types: () => [postgresType],
      list_projects: () => [{ ...defaultProject, connection_count: 1 }],
      list_connections: () => [connection()],
      connection_secrets: () => [],
      list_audit: () => [],
      list_providers: () => [],
      workspace_info: () => ({ settings: { secrets_mode: "workspace", aws_external_id: "latchkey-x" } }),
    });
    render(<App />);
    expect(screen.getByRole("heading", { level: 1, name: "Connections" })).toBeInTheDocument();
    expect(await screen.findByText("app@db.internal:5432/billing")).toBeInTheDocument();
    expect(screen.getByText("Keychain")).toBeInTheDocument();

    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: /Projects/ }));
    expect(screen.getByRole("heading", { level: 1, name: "Projects" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /Projects/ })).toHaveAttribute("aria-current", "page");

    await user.keyboard("{Alt>}4{/Alt}");
    expect(screen.getByRole("heading", { level: 1, name: "Audit log" })).toBeInTheDocument();
    expect(await screen.findByText("No events yet")).toBeInTheDocument();

    await user.keyboard("{Alt>}2{/Alt}");
    expect(await screen.findByText("No secrets manager yet")).toBeInTheDocument();
  });
});
