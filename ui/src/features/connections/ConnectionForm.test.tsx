import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import {
  apiError,
  connection,
  defaultProject,
  fakeBackend,
  postgresType,
  providerView,
} from "../../test/ipc";
import { ConnectionForm } from "./ConnectionForm";

function renderForm(props: Partial<Parameters<typeof ConnectionForm>[0]> = {}) {
  const onSaved = vi.fn();
  render(
    <ConnectionForm
      types={[postgresType]}
      projects={[defaultProject]}
      onSaved={onSaved}
      onCancel={() => {}}
      {...props}
    />,
  );
  return { onSaved };
}

describe("ConnectionForm", () => {
  it("sends a typed password as a literal for the keychain, with defaults filled in", async () => {
    const calls = fakeBackend({ create_connection: () => connection() });
    const { onSaved } = renderForm();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText(/^Name/), "Billing DB");
    await user.type(screen.getByLabelText(/^Host/), "db.internal");
    await user.type(screen.getByLabelText(/^Database/), "billing");
    await user.type(screen.getByLabelText(/^User/), "app");
    await user.type(screen.getByLabelText(/^Password/), "canary-ui-1");
    await user.click(screen.getByRole("button", { name: "Create connection" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const [cmd, args] = calls.find(([c]) => c === "create_connection") ?? [];
    expect(cmd).toBe("create_connection");
    if (!args) return;
    const input = args.input as { name: string; fields: Record<string, unknown> };
    expect(input.name).toBe("Billing DB");
    expect(input.fields.port).toEqual({ source: "plain", value: "5432" });
    expect(input.fields.sslmode).toEqual({ source: "plain", value: "prefer" });
    expect(input.fields.password).toEqual({ source: "literal", value: "canary-ui-1" });
  });

  it("shows the backend's field errors inline and focuses the first one", async () => {
    fakeBackend({
      create_connection: () => {
        throw apiError("validation", "2 fields need attention", {
          port: "Port must be between 1 and 65535.",
          host: "Host must not contain spaces: enter a hostname such as db.example.com or an IP address.",
        });
      },
    });
    const { onSaved } = renderForm();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Create connection" }));

    expect(await screen.findByText("Port must be between 1 and 65535.")).toBeInTheDocument();
    const host = screen.getByLabelText(/^Host/);
    expect(host).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText(/^Port/)).toHaveAttribute("aria-invalid", "true");
    await waitFor(() => expect(host).toHaveFocus());
    expect(onSaved).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Create connection" })).toBeEnabled();
  });

  it("shows a non-field failure as a form error", async () => {
    fakeBackend({
      create_connection: () => {
        throw apiError("keychain_unavailable", "the OS keychain is not available (locked)");
      },
    });
    renderForm();
    await userEvent.setup().click(screen.getByRole("button", { name: "Create connection" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("the OS keychain is not available");
  });

  it("never shows a stored password and keeps it unless replaced", async () => {
    const calls = fakeBackend({ update_connection: () => connection() });
    renderForm({ connection: connection() });
    expect(screen.getByTestId("password-stored")).toHaveTextContent("Stored in the OS keychain");
    expect(document.querySelector('input[type="password"]')).toBeNull();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    const updates = () => calls.filter(([c]) => c === "update_connection");
    await waitFor(() => expect(updates().length).toBe(1));
    const input = updates()[0][1].input as { fields: Record<string, unknown> };
    expect(updates()[0][1].id).toBe("c1");
    expect(input.fields.password).toEqual({ source: "keep_literal" });
  });

  it("can switch a credential to a secret reference", async () => {
    const calls = fakeBackend({ update_connection: () => connection() });
    renderForm({ connection: connection() });
    const user = userEvent.setup();
    await user.click(screen.getByRole("radio", { name: /Use a secret/ }));
    await user.type(screen.getByPlaceholderText(/secret:\/\//), "secret://aws/prod/db#password");
    expect(screen.getByTestId("password-chips")).toHaveTextContent("awsprod/db#password");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    const updates = () => calls.filter(([c]) => c === "update_connection");
    await waitFor(() => expect(updates().length).toBe(1));
    const input = updates()[0][1].input as { fields: Record<string, unknown> };
    expect(input.fields.password).toEqual({ source: "secret", reference: "secret://aws/prod/db#password" });
  });
});

describe("ConnectionForm after a refused submit", () => {
  it("keeps focus in the field being corrected and clears only that field's error", async () => {
    fakeBackend({
      create_connection: () => {
        throw apiError("validation", "2 fields need attention", {
          name: "Enter a name.",
          host: "Host is required.",
        });
      },
    });
    render(
      <ConnectionForm
        types={[postgresType]}
        projects={[defaultProject]}
        onSaved={() => {}}
        onCancel={() => {}}
      />,
    );
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Create connection" }));
    const name = screen.getByLabelText(/^Name/);
    await waitFor(() => expect(name).toHaveFocus());
    await user.type(name, "Billing");
    expect(name).toHaveValue("Billing");
    expect(name).toHaveFocus();
    expect(screen.queryByText("Enter a name.")).toBeNull();
    expect(screen.getByText("Host is required.")).toBeInTheDocument();
  });
});

describe("ConnectionForm in project mode", () => {
  const finance = { ...defaultProject, id: "p2", name: "Finance", aws_external_id: "latchkey-p2" };
  const managerOf = (id: string, alias: string, projectId: string) =>
    providerView({ id, alias, project_id: projectId });

  it("browses only the managers of the connection's project, following the project chosen", async () => {
    fakeBackend({
      workspace_info: () => ({ settings: { secrets_mode: "project", aws_external_id: "latchkey-x" } }),
      list_providers: () => [managerOf("m1", "default-aws", "p1"), managerOf("m2", "finance-aws", "p2")],
      list_secrets: () => ({ items: [], next: null }),
    });
    renderForm({ projects: [defaultProject, finance], connection: connection({ project_id: "p2" }) });
    const user = userEvent.setup();
    await user.click(screen.getByRole("radio", { name: /Use a secret/ }));
    await user.click(screen.getByRole("button", { name: "Browse…" }));
    let picker = screen.getByRole("dialog", { name: "Use a secret" });
    const options = () =>
      within(screen.getByRole("combobox", { name: "Secrets manager" }))
        .getAllByRole("option")
        .map((o) => o.textContent);
    await waitFor(() => expect(options()).toEqual(["finance-aws (AWS Secrets Manager)"]));
    expect(within(picker).getByTestId("picker-mode")).toHaveTextContent("Project mode");

    await user.click(within(picker).getByRole("button", { name: "Cancel" }));
    await user.selectOptions(screen.getByLabelText(/^Project/), "p1");
    await user.click(screen.getByRole("button", { name: "Browse…" }));
    picker = screen.getByRole("dialog", { name: "Use a secret" });
    expect(options()).toEqual(["default-aws (AWS Secrets Manager)"]);
  });
});
