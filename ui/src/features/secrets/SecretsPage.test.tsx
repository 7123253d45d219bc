import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ToastProvider } from "../../components/Toasts";
import type {
  InventoryItem_Serialize,
  SecretUse_Serialize,
  WatchCycleReport_Serialize,
  WorkspaceSettings,
} from "../../ipc/api";
import { apiError, argsOf, fakeBackend, type Handler } from "../../test/ipc";
import { revealTarget, SecretsPage } from "./SecretsPage";

/** A value that must never reach an attribute, and must leave the page when hidden. */
const CANARY = "canary-Pa55w0rd-7f3e";

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

const use = (connection_id: string, connection: string, field: string, json_key: string | null = null) =>
  ({ connection_id, connection, project: "Default", field, json_key }) satisfies SecretUse_Serialize;

function item(overrides: Partial<InventoryItem_Serialize>): InventoryItem_Serialize {
  return {
    provider_id: "m1",
    provider: "aws",
    provider_kind: "aws_secrets_manager",
    secret: "prod/db",
    selector: null,
    reference: "secret://aws/prod/db",
    state: "unchanged",
    version_in_use: "v1",
    fetched_at: minutesAgo(5),
    previous_version: null,
    changed_at: null,
    upstream_version: "v1",
    upstream_changed_at: null,
    checked_at: minutesAgo(1),
    watch_error: null,
    expires_at: null,
    next_rotation_at: null,
    rotation_enabled: true,
    warning: null,
    due_at: null,
    problem: null,
    used_by: [use("c1", "Billing DB", "password")],
    ...overrides,
  };
}

const WARNING = "expires in 3 days (2026-12-04 12:00 UTC)";

/** As the engine returns them: soonest due first. */
const INVENTORY: InventoryItem_Serialize[] = [
  item({
    secret: "prod/api-key",
    reference: "secret://aws/prod/api-key",
    expires_at: "2026-12-04T12:00:00Z",
    due_at: "2026-12-04T12:00:00Z",
    warning: WARNING,
    used_by: [use("c4", "Status API", "token")],
  }),
  item({
    state: "rotated_upstream",
    upstream_version: "v2",
    upstream_changed_at: minutesAgo(30),
    used_by: [use("c1", "Billing DB", "password"), use("c2", "Orders DB", "password")],
  }),
  item({
    provider_id: "m2",
    provider: "bao",
    provider_kind: "vault",
    secret: "app",
    reference: "secret://bao/app",
    state: "picked_up",
    previous_version: "3",
    version_in_use: "4",
    upstream_version: "4",
    changed_at: "2026-11-28T09:00:00Z",
    used_by: [use("c3", "Cache", "password", "password"), use("c3", "Cache", "username", "username")],
  }),
  item({
    secret: "new/thing",
    reference: "secret://aws/new/thing",
    state: "not_fetched",
    version_in_use: null,
    fetched_at: null,
    upstream_version: null,
  }),
  item({
    provider_id: null,
    provider: "gone",
    provider_kind: null,
    secret: "x",
    reference: "secret://gone/x",
    state: "not_fetched",
    version_in_use: null,
    fetched_at: null,
    problem: "No secrets manager “gone” in this connection's scope.",
  }),
];

function settings(reveal: boolean): WorkspaceSettings {
  return {
    secrets_mode: "workspace",
    audit_retention_days: 90,
    aws_external_id: "x",
    control_api_enabled: false,
    control_api_port: 47821,
    reveal_enabled: reveal,
    expiry_warning_days: 14,
    updated_at: "2026-11-29T10:00:00Z",
  };
}

function renderPage(handlers: Record<string, Handler> = {}, { reveal = false, fakeTimers = false } = {}) {
  const calls = fakeBackend({
    secrets_inventory: () => INVENTORY,
    workspace_info: () => ({ settings: settings(reveal) }),
    ...handlers,
  });
  const onOpenConnection = vi.fn();
  const onOpenSettings = vi.fn();
  render(
    <ToastProvider>
      <SecretsPage onOpenConnection={onOpenConnection} onOpenSettings={onOpenSettings} />
    </ToastProvider>,
  );
  const user = fakeTimers ? userEvent.setup({ advanceTimers: vi.advanceTimersByTime }) : userEvent.setup();
  return { calls, user, onOpenConnection, onOpenSettings };
}

const rows = () => screen.getAllByTestId("inventory-row");
const refs = () => rows().map((r) => r.querySelector(".inventory-reference")?.textContent);
const rowOf = (reference: string) =>
  rows().find((r) => r.querySelector(".inventory-reference")?.textContent === reference) as HTMLElement;
const loaded = () => waitFor(() => expect(rows()).toHaveLength(5));

/** Every attribute value in the document: a revealed value must never be among them. */
const attributes = () =>
  Array.from(document.querySelectorAll("*")).flatMap((el) => Array.from(el.attributes).map((a) => a.value));

afterEach(() => {
  vi.useRealTimers();
});

describe("Secrets page: the inventory", () => {
  it("lists every secret in use, soonest due first, with its state, versions, due date and uses", async () => {
    renderPage();
    await loaded();
    expect(screen.getByTestId("inventory")).toBeInTheDocument();
    expect(refs()).toEqual([
      "secret://aws/prod/api-key",
      "secret://aws/prod/db",
      "secret://bao/app",
      "secret://aws/new/thing",
      "secret://gone/x",
    ]);
    const state = (ref: string) => within(rowOf(ref)).getByTestId("rotation-state").textContent;
    expect(state("secret://aws/prod/api-key")).toBe("Unchanged");
    expect(state("secret://aws/prod/db")).toBe("Rotated upstream — not picked up");
    expect(state("secret://bao/app")).toBe("Rotated, picked up");
    expect(state("secret://aws/new/thing")).toBe("Not fetched yet");

    expect(within(rowOf("secret://aws/prod/db")).getByTestId("rotation-detail")).toHaveTextContent("v1 → v2");
    expect(within(rowOf("secret://bao/app")).getByTestId("rotation-detail")).toHaveTextContent(/^3 → 4 · /);

    const expiring = rowOf("secret://aws/prod/api-key");
    expect(expiring).toHaveTextContent("Expires");
    expect(within(expiring).getByTestId("due-warning")).toHaveTextContent(WARNING);
    expect(rowOf("secret://gone/x")).toHaveTextContent(
      "No secrets manager “gone” in this connection's scope.",
    );

    expect(within(rowOf("secret://aws/prod/db")).getByTestId("used-by-toggle")).toHaveTextContent(
      "2 connections",
    );
    // The same connection in two fields counts once.
    expect(within(rowOf("secret://bao/app")).getByTestId("used-by-toggle")).toHaveTextContent("1 connection");
    expect(rowOf("secret://bao/app")).toHaveTextContent("HashiCorp Vault / OpenBao");
  });

  it("sorts by name and by state, and back to expires next", async () => {
    const { user } = renderPage();
    await loaded();
    const sort = screen.getByRole("combobox", { name: "Sort secrets" });
    expect(sort).toHaveValue("due");
    await user.selectOptions(sort, "name");
    expect(refs()).toEqual([
      "secret://aws/new/thing",
      "secret://aws/prod/api-key",
      "secret://aws/prod/db",
      "secret://bao/app",
      "secret://gone/x",
    ]);
    await user.selectOptions(sort, "state");
    expect(refs()).toEqual([
      "secret://aws/prod/db",
      "secret://aws/new/thing",
      "secret://gone/x",
      "secret://bao/app",
      "secret://aws/prod/api-key",
    ]);
    await user.selectOptions(sort, "due");
    expect(refs()[0]).toBe("secret://aws/prod/api-key");
  });

  it("filters to what needs attention and searches by secret, manager or connection", async () => {
    const { user } = renderPage();
    await loaded();
    const filter = screen.getByRole("combobox", { name: "Filter secrets" });
    expect(within(filter).getByRole("option", { name: "Needs attention (3)" })).toBeInTheDocument();
    await user.selectOptions(filter, "attention");
    expect(refs()).toEqual(["secret://aws/prod/api-key", "secret://aws/prod/db", "secret://gone/x"]);

    await user.selectOptions(filter, "all");
    const search = screen.getByRole("searchbox", { name: "Search secrets" });
    await user.type(search, "orders");
    expect(refs()).toEqual(["secret://aws/prod/db"]);
    await user.clear(search);
    await user.type(search, "bao");
    expect(refs()).toEqual(["secret://bao/app"]);
    await user.clear(search);
    await user.type(search, "nothing-like-it");
    expect(screen.queryAllByTestId("inventory-row")).toHaveLength(0);
    expect(screen.getByTestId("inventory")).toHaveTextContent("No secret matches “nothing-like-it”.");
  });

  it("expands the uses and opens a connection from them, by keyboard too", async () => {
    const { user, onOpenConnection } = renderPage();
    await loaded();
    const row = rowOf("secret://aws/prod/db");
    const toggle = within(row).getByTestId("used-by-toggle");
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(within(row).queryAllByTestId("used-by-link")).toHaveLength(0);
    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    const links = within(row).getAllByTestId("used-by-link");
    expect(links.map((l) => l.textContent)).toEqual(["Billing DB", "Orders DB"]);
    expect(
      within(row).getByRole("list", { name: "Connections using secret://aws/prod/db" }),
    ).toHaveTextContent("Orders DB password · Default");
    await user.click(links[1]);
    expect(onOpenConnection).toHaveBeenCalledWith("c2");

    links[0].focus();
    await user.keyboard("{Enter}");
    expect(onOpenConnection).toHaveBeenLastCalledWith("c1");
  });

  it("shows an empty state, and an error with a retry", async () => {
    let fail = true;
    renderPage({
      secrets_inventory: () => {
        if (fail) throw apiError("database", "The workspace database is locked.");
        return [];
      },
    });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The workspace database is locked.");
    fail = false;
    await userEvent.setup().click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("No secret in use yet")).toBeInTheDocument();
    expect(screen.getByTestId("check-rotations")).toBeDisabled();
  });

  it("loads the inventory again every 15 seconds while shown", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { calls } = renderPage({}, { fakeTimers: true });
    await loaded();
    expect(argsOf(calls, "secrets_inventory")).toHaveLength(1);
    await act(async () => {
      vi.advanceTimersByTime(15_000);
    });
    await waitFor(() => expect(argsOf(calls, "secrets_inventory")).toHaveLength(2));
    await act(async () => {
      vi.advanceTimersByTime(15_000);
    });
    await waitFor(() => expect(argsOf(calls, "secrets_inventory")).toHaveLength(3));
  });
});

describe("Secrets page: check for rotations now", () => {
  const report = (provider_id: string, provider: string, rotated = false): WatchCycleReport_Serialize => ({
    provider_id,
    provider,
    outcome: "ok",
    detail: "",
    calls: 1,
    checked: 3,
    rotated: rotated
      ? [
          {
            reference: "secret://aws/prod/db",
            from: "v1",
            to: "v2",
            connections: ["Billing DB", "Orders DB"],
          },
        ]
      : [],
    next_run_at: "2026-11-29T10:05:00Z",
    refreshed: null,
  });

  it("asks each manager of the inventory in turn, shows progress, sums up and reloads", async () => {
    let finish: (r: WatchCycleReport_Serialize) => void = () => {};
    const { calls, user } = renderPage({
      watch_now: ({ providerId }) =>
        providerId === "m1"
          ? new Promise<WatchCycleReport_Serialize>((resolve) => {
              finish = resolve;
            })
          : report("m2", "bao"),
    });
    await loaded();
    const button = screen.getByTestId("check-rotations");
    expect(button).toHaveTextContent("Check for rotations now");
    await user.click(button);
    await waitFor(() => expect(button).toHaveTextContent("Checking 1 of 2 (aws)…"));
    expect(button).toBeDisabled();
    finish(report("m1", "aws", true));

    const summary = await screen.findByTestId("check-summary");
    expect(summary).toHaveTextContent("Checked 2 managers: 1 rotation found (secret://aws/prod/db)");
    // The manager-less reference is not asked about.
    expect(argsOf(calls, "watch_now")).toEqual([{ providerId: "m1" }, { providerId: "m2" }]);
    expect(document.querySelector(".toast")).toHaveTextContent("1 rotation found");
    await waitFor(() => expect(argsOf(calls, "secrets_inventory")).toHaveLength(2));
    expect(button).toBeEnabled();
  });

  it("says which manager could not be asked", async () => {
    renderPage({
      watch_now: ({ providerId }) => {
        if (providerId === "m2") throw apiError("unreachable", "bao is unreachable");
        return report("m1", "aws");
      },
    });
    await loaded();
    await userEvent.setup().click(screen.getByTestId("check-rotations"));
    expect(await screen.findByTestId("check-summary")).toHaveTextContent(
      "Checked 2 managers: no rotation found · bao: bao is unreachable",
    );
    expect(document.querySelector(".toast-error")).not.toBeNull();
  });
});

describe("Secrets page: reveal", () => {
  it("offers no reveal while the workspace has it off, and points to Settings", async () => {
    const { user, onOpenSettings } = renderPage();
    await loaded();
    expect(screen.queryByRole("button", { name: /^Reveal / })).toBeNull();
    const hint = await screen.findByTestId("reveal-off");
    expect(hint).toHaveTextContent("Revealing values is off for this workspace.");
    await user.click(within(hint).getByRole("button", { name: "Turn it on in Settings › Secrets" }));
    expect(onOpenSettings).toHaveBeenCalled();
  });

  it("asks first, shows the value with a countdown, hides it after 30 s and forgets it", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { calls, user } = renderPage(
      { reveal_secret: () => ({ value: CANARY, version_id: "v1", hide_after_secs: 30 }) },
      { reveal: true, fakeTimers: true },
    );
    await loaded();
    // A manager-less reference cannot be revealed.
    expect(within(rowOf("secret://gone/x")).queryByRole("button", { name: /Reveal/ })).toBeNull();
    expect(screen.queryByTestId("reveal-off")).toBeNull();

    await user.click(screen.getByRole("button", { name: "Reveal secret://aws/prod/db" }));
    const confirm = screen.getByRole("dialog", { name: "Reveal this value?" });
    expect(confirm).toHaveTextContent(
      "Reveal the value of secret://aws/prod/db? The reveal is recorded in the audit log.",
    );
    expect(argsOf(calls, "reveal_secret")).toHaveLength(0);
    await user.click(within(confirm).getByRole("button", { name: "Reveal" }));

    const box = await screen.findByTestId("revealed-value");
    expect(box).toHaveTextContent(CANARY);
    expect(box).toHaveClass("mono");
    expect(argsOf(calls, "reveal_secret")).toEqual([
      {
        request: { provider_id: "m1", secret: "prod/db", version: "v1", json_key: null, purpose: "reveal" },
      },
    ]);
    expect(screen.queryByRole("dialog", { name: "Reveal this value?" })).toBeNull();
    expect(screen.getByTestId("reveal-countdown")).toHaveTextContent("Hides in 30 s");
    expect(attributes().some((v) => v.includes(CANARY))).toBe(false);

    await act(async () => {
      vi.advanceTimersByTime(10_000);
    });
    expect(screen.getByTestId("reveal-countdown")).toHaveTextContent("Hides in 20 s");
    await act(async () => {
      vi.advanceTimersByTime(20_000);
    });
    expect(screen.queryByTestId("revealed-value")).toBeNull();
    expect(document.body.innerHTML).not.toContain(CANARY);
  });

  it("lets the JSON key be chosen, copies as an audited copy, and clears the clipboard after 30 s", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { calls, user } = renderPage(
      {
        reveal_secret: ({ request }) => {
          const r = request as { json_key: string | null; purpose: string };
          return { value: `${CANARY}-${r.json_key}-${r.purpose}`, version_id: "4", hide_after_secs: 30 };
        },
      },
      { reveal: true, fakeTimers: true },
    );
    await loaded();
    await user.click(screen.getByRole("button", { name: "Reveal secret://bao/app" }));
    const confirm = screen.getByRole("dialog", { name: "Reveal this value?" });
    const key = within(confirm).getByRole("combobox", { name: "Value to reveal" });
    // Every use takes a key: the first is chosen to start with.
    expect(key).toHaveValue("password");
    expect(
      within(key)
        .getAllByRole("option")
        .map((o) => o.textContent),
    ).toEqual(["Whole value", "JSON key password", "JSON key username"]);
    await user.selectOptions(key, "username");
    await user.click(within(confirm).getByRole("button", { name: "Reveal" }));
    expect(await screen.findByTestId("revealed-value")).toHaveTextContent(`${CANARY}-username-reveal`);

    const write = vi.spyOn(navigator.clipboard, "writeText");
    await user.click(screen.getByRole("button", { name: "Copy" }));
    await waitFor(() => expect(argsOf(calls, "reveal_secret")).toHaveLength(2));
    expect(argsOf(calls, "reveal_secret")[1]).toEqual({
      request: { provider_id: "m2", secret: "app", version: "4", json_key: "username", purpose: "copy" },
    });
    await waitFor(async () => expect(await navigator.clipboard.readText()).toBe(`${CANARY}-username-copy`));
    expect(document.querySelector(".toast")).toHaveTextContent("The clipboard is cleared in 30 s.");

    expect(write).toHaveBeenCalledTimes(1);
    await act(async () => {
      vi.advanceTimersByTime(29_000);
    });
    expect(write).toHaveBeenCalledTimes(1);
    await act(async () => {
      vi.advanceTimersByTime(2_000);
    });
    // Emptied (the clipboard stub cannot read an empty text back).
    expect(write).toHaveBeenCalledTimes(2);
    expect(write).toHaveBeenLastCalledWith("");
    expect(document.body.innerHTML).not.toContain(CANARY);
  });

  it("shows a refused reveal in the confirmation", async () => {
    const { user } = renderPage(
      {
        reveal_secret: () => {
          throw apiError(
            "forbidden",
            "Reveal is off for this workspace: an admin can turn it on in Settings.",
          );
        },
      },
      { reveal: true },
    );
    await loaded();
    await user.click(screen.getByRole("button", { name: "Reveal secret://aws/prod/db" }));
    const confirm = screen.getByRole("dialog", { name: "Reveal this value?" });
    await user.click(within(confirm).getByRole("button", { name: "Reveal" }));
    expect(await within(confirm).findByRole("alert")).toHaveTextContent("Reveal is off for this workspace");
    expect(screen.queryByTestId("revealed-value")).toBeNull();
  });
});

describe("what a reveal from the inventory reads", () => {
  it("reads the version in use, else the pinned ID, else the current one; never a stage it cannot name", () => {
    expect(revealTarget(item({ version_in_use: "v7" }))).toMatchObject({
      version: "v7",
      key: null,
      keys: [],
    });
    expect(revealTarget(item({ version_in_use: null, selector: "id:v3" }))?.version).toBe("v3");
    expect(revealTarget(item({ version_in_use: null }))?.version).toBeNull();
    expect(revealTarget(item({ version_in_use: null, selector: "stage:AWSPREVIOUS" }))).toBeUndefined();
    expect(revealTarget(item({ version_in_use: "v2", selector: "stage:AWSPREVIOUS" }))?.version).toBe("v2");
    expect(revealTarget(item({ provider_id: null }))).toBeUndefined();
  });

  it("offers the JSON keys its uses take, starting on the whole value when a use takes it whole", () => {
    const t = revealTarget(
      item({ used_by: [use("c1", "A", "password", "password"), use("c2", "B", "dsn", null)] }),
    );
    expect(t).toMatchObject({ keys: ["password"], key: null });
  });
});
