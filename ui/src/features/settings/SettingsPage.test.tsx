import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ToastProvider } from "../../components/Toasts";
import type { ControlApiStatus_Serialize, WorkspaceInfo } from "../../ipc/api";
import { apiError, argsOf, fakeBackend, type Handler } from "../../test/ipc";
import { SettingsPage } from "./SettingsPage";

const TOKEN = "lk_0123456789abcdef0123456789abcdef";

function workspace(days = 90): WorkspaceInfo {
  return {
    version: "0.1.0",
    data_dir: "/home/me/.local/share/latchkey",
    database: "/home/me/.local/share/latchkey/latchkey.db",
    log_dir: "/home/me/.local/share/latchkey/logs",
    keychain: "Secret Service",
    build: "debug",
    settings: {
      secrets_mode: "workspace",
      audit_retention_days: days,
      aws_external_id: "latchkey-x",
      control_api_enabled: false,
      control_api_port: 47821,
      reveal_enabled: false,
      expiry_warning_days: 14,
      updated_at: "2026-11-29T10:00:00.000Z",
    },
  };
}

const OFF: ControlApiStatus_Serialize = { enabled: false, port: 47821, listening: null, error: null };

/** A control API that starts when asked, on the port asked. */
const listens: Handler = ({ enabled, port }) => ({
  enabled,
  port,
  listening: enabled ? `127.0.0.1:${port}` : null,
  error: null,
});

function renderPage(handlers: Record<string, Handler> = {}) {
  const calls = fakeBackend({
    workspace_info: () => workspace(),
    cache_entries: () => [],
    control_api_status: () => OFF,
    ...handlers,
  });
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <SettingsPage />
    </ToastProvider>,
  );
  return { calls, user };
}

const section = () => screen.getByRole("region", { name: "Automation (control API)" });
const status = () => screen.getByTestId("control-api-status");
const portField = () => within(section()).getByRole("textbox", { name: "Port" });
const toggle = () => within(section()).getByRole("switch", { name: "Serve the control API" });

async function loaded() {
  await waitFor(() => expect(status()).toHaveTextContent("Off"));
}

describe("Settings › Automation (control API)", () => {
  it("explains itself, shows the stored port and the status, and turns on and off with that port", async () => {
    const { calls, user } = renderPage({ set_control_api: listens });
    await loaded();
    expect(section()).toHaveTextContent("Lets rotation scripts refresh Latchkey without the GUI");
    expect(section()).toHaveTextContent("listens on 127.0.0.1 only");
    expect(section()).toHaveTextContent("off by default");
    expect(portField()).toHaveValue("47821");
    expect(toggle()).toHaveAttribute("aria-checked", "false");

    await user.click(toggle());
    await waitFor(() => expect(status()).toHaveTextContent("Listening on 127.0.0.1:47821"));
    expect(toggle()).toHaveAttribute("aria-checked", "true");
    expect(argsOf(calls, "set_control_api")).toEqual([{ enabled: true, port: 47821 }]);

    await user.click(toggle());
    await waitFor(() => expect(status()).toHaveTextContent("Off"));
    expect(toggle()).toHaveAttribute("aria-checked", "false");
    expect(argsOf(calls, "set_control_api")).toEqual([
      { enabled: true, port: 47821 },
      { enabled: false, port: 47821 },
    ]);
  });

  it("turns on with the port typed in, and the examples follow the port", async () => {
    const { calls, user } = renderPage({ set_control_api: listens });
    await loaded();
    await user.clear(portField());
    await user.type(portField(), "47999");
    await user.click(toggle());
    await waitFor(() => expect(status()).toHaveTextContent("Listening on 127.0.0.1:47999"));
    expect(argsOf(calls, "set_control_api")).toEqual([{ enabled: true, port: 47999 }]);
    const examples = screen.getAllByTestId("control-api-example").map((e) => e.textContent);
    expect(examples).toEqual([
      'curl -X POST -H "Authorization: Bearer $TOKEN" http://127.0.0.1:47999/api/secrets_management/clear_cache',
      `curl -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{"scope":"all","test":true}' http://127.0.0.1:47999/api/v1/refresh`,
      "latchkey refresh --all --test",
    ]);
  });

  it("moves a running API to a new port with Save port", async () => {
    const { calls, user } = renderPage({
      control_api_status: () => ({ ...OFF, enabled: true, listening: "127.0.0.1:47821" }),
      set_control_api: listens,
    });
    await waitFor(() => expect(status()).toHaveTextContent("Listening on 127.0.0.1:47821"));
    expect(within(section()).queryByRole("button", { name: "Save port" })).toBeNull();
    await user.clear(portField());
    await user.type(portField(), "48000");
    await user.click(within(section()).getByRole("button", { name: "Save port" }));
    await waitFor(() => expect(status()).toHaveTextContent("Listening on 127.0.0.1:48000"));
    expect(argsOf(calls, "set_control_api")).toEqual([{ enabled: true, port: 48000 }]);
  });

  it.each([
    ["80", "Choose a port from 1024 to 65535."],
    ["70000", "Choose a port from 1024 to 65535."],
    ["47a21", "Enter a whole number, such as 47821."],
    ["", "Enter a port from 1024 to 65535."],
  ])("refuses the port %j under the field, without calling the backend", async (typed, message) => {
    const { calls, user } = renderPage({ set_control_api: listens });
    await loaded();
    await user.clear(portField());
    if (typed) await user.type(portField(), typed);
    expect(portField()).toHaveAccessibleDescription(message);
    expect(portField()).toHaveAttribute("aria-invalid", "true");
    await user.click(toggle());
    expect(portField()).toHaveAccessibleDescription(message);
    expect(argsOf(calls, "set_control_api")).toEqual([]);
    expect(status()).toHaveTextContent("Off");
  });

  it("shows why it does not listen when the port is taken", async () => {
    const { user } = renderPage({
      set_control_api: ({ port }) => ({
        enabled: true,
        port,
        listening: null,
        error: "address 127.0.0.1:47821 is already in use",
      }),
    });
    await loaded();
    await user.click(toggle());
    await waitFor(() =>
      expect(status()).toHaveTextContent("Not listening: address 127.0.0.1:47821 is already in use"),
    );
    expect(toggle()).toHaveAttribute("aria-checked", "true");
  });

  it("says it does not listen when it is on at launch but failed to start", async () => {
    renderPage({ control_api_status: () => ({ ...OFF, enabled: true }) });
    await waitFor(() => expect(status()).toHaveTextContent("Not listening on port 47821"));
  });

  it("puts the server's refusal of the port under the field", async () => {
    const { user } = renderPage({
      set_control_api: () => {
        throw apiError("validation", "invalid", { control_api_port: "That port is reserved." });
      },
    });
    await loaded();
    await user.click(toggle());
    await waitFor(() => expect(portField()).toHaveAccessibleDescription("That port is reserved."));
    expect(status()).toHaveTextContent("Off");
  });

  it("shows the token only on request, with Copy and the audit note, and Hide removes it", async () => {
    const { calls, user } = renderPage({ reveal_control_api_token: () => TOKEN });
    await loaded();
    expect(screen.queryByDisplayValue(TOKEN)).toBeNull();
    expect(argsOf(calls, "reveal_control_api_token")).toHaveLength(0);

    await user.click(within(section()).getByRole("button", { name: "Show token" }));
    const field = await within(section()).findByRole("textbox", { name: "Control API token" });
    expect(field).toHaveValue(TOKEN);
    expect(field).toHaveAttribute("readonly");
    expect(field).toHaveClass("mono");
    expect(section()).toHaveTextContent("Showing the token is recorded in the audit log");
    expect(argsOf(calls, "reveal_control_api_token")).toHaveLength(1);

    await user.click(within(section()).getByRole("button", { name: "Copy" }));
    expect(await navigator.clipboard.readText()).toBe(TOKEN);

    await user.click(within(section()).getByRole("button", { name: "Hide" }));
    expect(screen.queryByDisplayValue(TOKEN)).toBeNull();
    expect(document.body.innerHTML).not.toContain(TOKEN);
    expect(within(section()).getByRole("button", { name: "Show token" })).toBeInTheDocument();
  });
});

describe("Settings › Audit log retention", () => {
  const retention = () => screen.getByRole("textbox", { name: "Keep events for (days)" });
  const save = () => within(screen.getByRole("form", { name: "Audit retention" })).getByRole("button");

  it("shows the stored days, saves new ones and says how many old events were pruned", async () => {
    const { calls, user } = renderPage({ set_audit_retention: ({ days }) => (days === 30 ? 12 : 1) });
    await waitFor(() => expect(retention()).toHaveValue("90"));
    await user.clear(retention());
    await user.type(retention(), "30");
    await user.click(save());
    expect(await screen.findByTestId("retention-result")).toHaveTextContent("12 old events pruned");
    expect(argsOf(calls, "set_audit_retention")).toEqual([{ days: 30 }]);
    expect(retention()).toHaveValue("30");

    await user.clear(retention());
    await user.type(retention(), "7");
    expect(screen.getByTestId("retention-result")).toHaveTextContent("");
    await user.click(save());
    await waitFor(() =>
      expect(screen.getByTestId("retention-result")).toHaveTextContent("1 old event pruned"),
    );
    expect(argsOf(calls, "set_audit_retention")).toEqual([{ days: 30 }, { days: 7 }]);
  });

  it.each([
    ["0", "Keep audit events for 1 to 3650 days."],
    ["3651", "Keep audit events for 1 to 3650 days."],
    ["1.5", "Enter a whole number of days, such as 90."],
    ["", "Enter a number of days from 1 to 3650."],
  ])("refuses %j days under the field, without calling the backend", async (typed, message) => {
    const { calls, user } = renderPage({ set_audit_retention: () => 0 });
    await waitFor(() => expect(retention()).toHaveValue("90"));
    await user.clear(retention());
    if (typed) await user.type(retention(), typed);
    await user.click(save());
    expect(retention()).toHaveAccessibleDescription(message);
    expect(argsOf(calls, "set_audit_retention")).toEqual([]);
    expect(screen.getByTestId("retention-result")).toHaveTextContent("");
  });

  it("accepts both bounds", async () => {
    const { calls, user } = renderPage({ set_audit_retention: () => 0 });
    await waitFor(() => expect(retention()).toHaveValue("90"));
    for (const [i, days] of ["1", "3650"].entries()) {
      await user.clear(retention());
      await user.type(retention(), days);
      await user.click(save());
      await waitFor(() => expect(argsOf(calls, "set_audit_retention")).toHaveLength(i + 1));
    }
    expect(argsOf(calls, "set_audit_retention")).toEqual([{ days: 1 }, { days: 3650 }]);
    expect(screen.getByTestId("retention-result")).toHaveTextContent("0 old events pruned");
  });
});

describe("Settings › Secrets (reveal and expiry warnings)", () => {
  const card = () => screen.getByRole("region", { name: "Secrets" });
  const reveal = () => within(card()).getByRole("switch", { name: "Allow revealing secret values" });
  const days = () =>
    within(card()).getByRole("textbox", {
      name: "Warn this many days before a secret expires or is due to rotate",
    });
  const save = () => within(screen.getByRole("form", { name: "Expiry warnings" })).getByRole("button");
  /** set_secret_life as the engine answers it: the settings with the two values. */
  const saves: Handler = ({ revealEnabled, expiryWarningDays }) => ({
    ...workspace().settings,
    reveal_enabled: revealEnabled,
    expiry_warning_days: expiryWarningDays,
  });

  it("is off by default, says every reveal and copy is audited, and turns reveal on and off", async () => {
    const { calls, user } = renderPage({ set_secret_life: saves });
    await waitFor(() => expect(days()).toHaveValue("14"));
    expect(reveal()).toHaveAttribute("aria-checked", "false");
    expect(reveal()).toHaveAccessibleDescription(/^Off by default\./);
    expect(card()).toHaveTextContent(
      "every reveal and every copy is recorded in the audit log with your OS user",
    );

    await user.click(reveal());
    await waitFor(() => expect(reveal()).toHaveAttribute("aria-checked", "true"));
    await user.click(reveal());
    await waitFor(() => expect(reveal()).toHaveAttribute("aria-checked", "false"));
    expect(argsOf(calls, "set_secret_life")).toEqual([
      { revealEnabled: true, expiryWarningDays: 14 },
      { revealEnabled: false, expiryWarningDays: 14 },
    ]);
  });

  it("saves the warning days with reveal as it is", async () => {
    const { calls, user } = renderPage({
      workspace_info: () => ({ ...workspace(), settings: { ...workspace().settings, reveal_enabled: true } }),
      set_secret_life: saves,
    });
    await waitFor(() => expect(days()).toHaveValue("14"));
    expect(reveal()).toHaveAttribute("aria-checked", "true");
    await user.clear(days());
    await user.type(days(), "30");
    await user.click(save());
    await waitFor(() =>
      expect(argsOf(calls, "set_secret_life")).toEqual([{ revealEnabled: true, expiryWarningDays: 30 }]),
    );
    expect(days()).toHaveValue("30");
    expect(reveal()).toHaveAttribute("aria-checked", "true");
  });

  it.each([
    ["0", "Warn 1 to 365 days ahead."],
    ["366", "Warn 1 to 365 days ahead."],
    ["2.5", "Enter a whole number of days, such as 14."],
    ["", "Enter a number of days from 1 to 365."],
  ])("refuses %j days under the field, without calling the backend", async (typed, message) => {
    const { calls, user } = renderPage({ set_secret_life: saves });
    await waitFor(() => expect(days()).toHaveValue("14"));
    await user.clear(days());
    if (typed) await user.type(days(), typed);
    await user.click(save());
    expect(days()).toHaveAccessibleDescription(message);
    expect(days()).toHaveAttribute("aria-invalid", "true");
    expect(argsOf(calls, "set_secret_life")).toEqual([]);
  });

  it("puts the server's refusal under the field, and any other failure above", async () => {
    let fieldError = true;
    const { user } = renderPage({
      set_secret_life: () => {
        if (fieldError) throw apiError("validation", "invalid", { expiry_warning_days: "Too far ahead." });
        throw apiError("database", "The workspace database is locked.");
      },
    });
    await waitFor(() => expect(days()).toHaveValue("14"));
    await user.click(save());
    await waitFor(() => expect(days()).toHaveAccessibleDescription("Too far ahead."));
    fieldError = false;
    await user.click(reveal());
    expect(await within(card()).findByRole("alert")).toHaveTextContent("The workspace database is locked.");
    expect(reveal()).toHaveAttribute("aria-checked", "false");
  });
});
