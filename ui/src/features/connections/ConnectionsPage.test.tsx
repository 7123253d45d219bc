import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ToastProvider } from "../../components/Toasts";
import type { ConnectionSecrets_Serialize, RefreshReport_Serialize } from "../../ipc/api";
import {
  allTypes,
  argsOf,
  connection,
  defaultProject,
  fakeBackend,
  type Handler,
  postgresType,
} from "../../test/ipc";
import { ConnectionsPage } from "./ConnectionsPage";

const billing = connection({ id: "c1", name: "Billing DB" });
const orders = connection({ id: "c2", name: "Orders DB" });
const plainDb = connection({ id: "c3", name: "Local DB" });

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/** What `connection_secrets` says of a connection: untested, nothing fetched, unless given. */
const secretStatus = (overrides: Partial<ConnectionSecrets_Serialize>): ConnectionSecrets_Serialize => ({
  connection_id: "c1",
  fetched_at: null,
  stale: null,
  rotated_at: null,
  rotated_upstream: false,
  warning: null,
  last_test: null,
  health: "untested",
  ...overrides,
});

const REPORT: RefreshReport_Serialize = {
  items: [
    {
      connection_id: "c1",
      connection: "Billing DB",
      outcome: "rotated",
      detail: "secret://aws/prod/billing: v1 → v2",
      stale: false,
      test: null,
    },
    {
      connection_id: "c2",
      connection: "Orders DB",
      outcome: "unchanged",
      detail: "",
      stale: false,
      test: null,
    },
  ],
  secrets_fetched: 2,
  duration_ms: 35,
};

function renderPage(handlers: Record<string, Handler> = {}, projectFilter = "") {
  const calls = fakeBackend({
    connection_types: () => [postgresType],
    list_projects: () => [{ ...defaultProject, connection_count: 3 }],
    list_connections: () => [billing, orders, plainDb],
    connection_secrets: () => [],
    refresh: () => REPORT,
    ...handlers,
  });
  render(
    <ToastProvider>
      <ConnectionsPage projectFilter={projectFilter} onProjectFilter={() => {}} />
    </ToastProvider>,
  );
  return { calls, user: userEvent.setup() };
}

const rowOf = (name: string) =>
  screen.getAllByTestId("connection-row").find((tr) => within(tr).queryByText(name)) as HTMLElement;

describe("ConnectionsPage refresh", () => {
  it("refreshes all connections, shows the results and reloads each row's secret status", async () => {
    const { calls, user } = renderPage();
    await screen.findAllByTestId("connection-row");
    await waitFor(() => expect(argsOf(calls, "connection_secrets")).toHaveLength(1));
    await user.click(screen.getByRole("button", { name: /^Refresh all$/ }));

    const dialog = await screen.findByRole("dialog", { name: "Refresh results" });
    expect(argsOf(calls, "refresh")).toEqual([{ scope: { scope: "all" }, test: false }]);
    expect(within(dialog).getByTestId("refresh-summary")).toHaveTextContent(
      "2 connections · 2 secrets fetched in 35 ms · 1 rotated · 0 failed",
    );
    expect(dialog).toHaveTextContent("secret://aws/prod/billing: v1 → v2");
    await waitFor(() => expect(argsOf(calls, "connection_secrets")).toHaveLength(2));
  });

  it("shows Refreshing… and blocks other refreshes until the refresh ends", async () => {
    let finish: (r: RefreshReport_Serialize) => void = () => {};
    const { user } = renderPage({
      refresh: () =>
        new Promise<RefreshReport_Serialize>((resolve) => {
          finish = resolve;
        }),
    });
    await screen.findAllByTestId("connection-row");
    await user.click(screen.getByRole("button", { name: /^Refresh all$/ }));

    const busy = await screen.findByRole("button", { name: /Refreshing…/ });
    expect(busy).toBeDisabled();
    expect(busy).toHaveAttribute("aria-busy", "true");
    expect(screen.getByTestId("refresh-status")).toHaveTextContent("Refreshing…");
    expect(within(rowOf("Billing DB")).getByRole("button", { name: "Refresh Billing DB" })).toBeDisabled();
    expect(screen.queryByRole("dialog")).toBeNull();

    finish(REPORT);
    expect(await screen.findByRole("dialog", { name: "Refresh results" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /^Refresh all$/ })).toBeEnabled();
  });

  it("refreshes all and tests from the menu, by mouse and by keyboard", async () => {
    const { calls, user } = renderPage();
    await screen.findAllByTestId("connection-row");
    const more = screen.getByRole("button", { name: "More refresh options" });
    expect(more).toHaveAttribute("aria-haspopup", "menu");
    await user.click(more);
    expect(more).toHaveAttribute("aria-expanded", "true");
    await user.click(screen.getByRole("menuitem", { name: "Refresh all and test" }));
    await screen.findByRole("dialog", { name: "Refresh results" });
    expect(argsOf(calls, "refresh")).toEqual([{ scope: { scope: "all" }, test: true }]);

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    more.focus();
    await user.keyboard("{ArrowDown}");
    expect(screen.getByRole("menuitem", { name: "Refresh all and test" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("menu")).toBeNull();
    expect(more).toHaveFocus();
    await user.keyboard("{ArrowDown}{Enter}");
    await screen.findByRole("dialog", { name: "Refresh results" });
    expect(argsOf(calls, "refresh")).toHaveLength(2);
    expect(argsOf(calls, "refresh")[1]).toEqual({ scope: { scope: "all" }, test: true });
  });

  it("refreshes one connection, and one connection with a test, from its row", async () => {
    const { calls, user } = renderPage();
    await screen.findAllByTestId("connection-row");
    await user.click(within(rowOf("Billing DB")).getByRole("button", { name: "Refresh Billing DB" }));
    expect(await screen.findByRole("dialog", { name: "Refresh results" })).toHaveAccessibleDescription(
      "Connection “Billing DB”",
    );
    await user.click(screen.getAllByRole("button", { name: "Close" })[0]);

    const row = rowOf("Orders DB");
    await user.click(within(row).getByRole("button", { name: "More refresh options for Orders DB" }));
    await user.click(screen.getByRole("menuitem", { name: "Refresh and test" }));
    await screen.findByRole("dialog", { name: "Refresh results" });
    expect(argsOf(calls, "refresh")).toEqual([
      { scope: { scope: "connection", id: "c1" }, test: false },
      { scope: { scope: "connection", id: "c2" }, test: true },
    ]);
  });

  it("refreshes only the filtered project's connections", async () => {
    const { calls, user } = renderPage({}, "p1");
    await screen.findAllByTestId("connection-row");
    await user.click(await screen.findByRole("button", { name: /^Refresh project$/ }));
    await screen.findByRole("dialog", { name: "Refresh results" });
    expect(argsOf(calls, "refresh")).toEqual([{ scope: { scope: "project", id: "p1" }, test: false }]);
  });

  it("shows a refresh that fails as a whole in the results dialog", async () => {
    renderPage({
      refresh: () => {
        throw {
          code: "database",
          message: "The workspace database is locked.",
          step: null,
          field_errors: [],
        };
      },
    });
    await screen.findAllByTestId("connection-row");
    await userEvent.setup().click(screen.getByRole("button", { name: /^Refresh all$/ }));
    const dialog = await screen.findByRole("dialog", { name: "Refresh results" });
    expect(within(dialog).getByRole("alert")).toHaveTextContent("The workspace database is locked.");
  });
});

describe("ConnectionsPage rows", () => {
  it("keeps each row compact: short change time, full target in its title, named icon actions", async () => {
    renderPage({
      list_connections: () => [{ ...billing, updated_at: minutesAgo(2) }],
    });
    const row = (await screen.findAllByTestId("connection-row"))[0];
    expect(within(row).getByRole("button", { name: "Billing DB" })).toBeInTheDocument();
    expect(row).toHaveTextContent("2 min ago");
    const target = within(row).getByTestId("connection-target");
    expect(target).toHaveAttribute("title", "app@db.internal:5432/billing");
    for (const name of ["Test Billing DB", "Refresh Billing DB", "Edit Billing DB", "Delete Billing DB"])
      expect(within(row).getByRole("button", { name })).toBeInTheDocument();
    expect(within(row).getByRole("button", { name: "More refresh options for Billing DB" })).toHaveAttribute(
      "aria-haspopup",
      "menu",
    );
  });
});

describe("ConnectionsPage targets", () => {
  it("shows the engine's target, a dash while it has none, and finds connections by it", async () => {
    const { user } = renderPage({
      list_connections: () => [
        billing,
        { ...orders, target: "orders@db.internal:5432/orders" },
        { ...plainDb, target: "" },
      ],
    });
    await screen.findAllByTestId("connection-row");
    const targets = () => screen.getAllByTestId("connection-target").map((t) => t.textContent);
    expect(targets()).toEqual(["app@db.internal:5432/billing", "orders@db.internal:5432/orders", "—"]);
    await user.type(screen.getByPlaceholderText("Search by name or target"), "orders@");
    await waitFor(() => expect(targets()).toEqual(["orders@db.internal:5432/orders"]));
  });
});

describe("ConnectionsPage secret status", () => {
  it("shows when secrets were fetched, a recent rotation, and a stale value with its reason", async () => {
    const status: ConnectionSecrets_Serialize[] = [
      secretStatus({ connection_id: "c1", fetched_at: minutesAgo(5), rotated_at: minutesAgo(3) }),
      secretStatus({
        connection_id: "c2",
        fetched_at: minutesAgo(60),
        stale: "AccessDeniedException: not authorized to read prod/orders",
        rotated_at: minutesAgo(2 * 24 * 60),
        health: "stale",
      }),
    ];
    renderPage({ connection_secrets: () => status });
    await waitFor(() => expect(screen.getAllByTestId("secret-status")).toHaveLength(2));

    const b = rowOf("Billing DB");
    expect(within(b).getByTestId("rotated-badge")).toHaveTextContent("rotated 3 min ago");
    expect(b).toHaveTextContent("fetched 5 min ago");
    expect(within(b).queryByTestId("stale-badge")).toBeNull();

    const o = rowOf("Orders DB");
    expect(within(o).queryByTestId("rotated-badge")).toBeNull();
    const stale = within(o).getByTestId("stale-badge");
    expect(stale).toHaveTextContent(/^stale/);
    expect(stale).toHaveAttribute("title", "AccessDeniedException: not authorized to read prod/orders");
    expect(o).toHaveTextContent("fetched 1 h ago");

    expect(within(rowOf("Local DB")).queryByTestId("secret-status")).toBeNull();
  });

  it("keeps the list usable when the status cannot be loaded", async () => {
    renderPage({
      connection_secrets: () => {
        throw { code: "internal", message: "engine busy", step: null, field_errors: [] };
      },
    });
    expect(await screen.findByTestId("secret-status-error")).toHaveTextContent("engine busy");
    expect(screen.getAllByTestId("connection-row")).toHaveLength(3);
  });
});

describe("ConnectionsPage with every connection type", () => {
  const plain = (value: string) => ({ source: "plain" as const, value });
  const api = connection({
    id: "c4",
    name: "Status API",
    kind: "http",
    fields: {
      base_url: plain("https://status.example.com"),
      auth: plain("bearer"),
      token: { source: "literal" },
    },
    target: "https://status.example.com",
  });
  const bucket = connection({
    id: "c5",
    name: "Reports",
    kind: "s3",
    fields: { bucket: plain("reports-prod"), region: plain("eu-west-1") },
    target: "s3://reports-prod",
  });

  it("shows each row's type and target, and asks for the type of a new connection first", async () => {
    const { calls, user } = renderPage({
      connection_types: () => allTypes,
      list_connections: () => [billing, api, bucket],
      list_providers: () => [],
      workspace_info: () => ({ settings: { secrets_mode: "workspace", aws_external_id: "x" } }),
      create_connection: () => api,
    });
    await screen.findAllByTestId("connection-row");
    const targetOf = (name: string) => within(rowOf(name)).getByTestId("connection-target").textContent;
    expect(targetOf("Billing DB")).toBe("app@db.internal:5432/billing");
    expect(targetOf("Status API")).toBe("https://status.example.com");
    expect(targetOf("Reports")).toBe("s3://reports-prod");
    expect(rowOf("Reports")).toHaveTextContent("Amazon S3");

    await user.click(screen.getByRole("button", { name: /New connection/ }));
    const dialog = screen.getByRole("dialog", { name: "New connection" });
    const options = within(dialog).getAllByTestId("type-option");
    expect(options).toHaveLength(8);
    expect(options[0]).toHaveFocus();
    await user.click(dialog.querySelector('button[data-kind="http"]') as HTMLElement);
    expect(within(dialog).getByLabelText(/^Name/)).toHaveFocus();
    await user.type(within(dialog).getByLabelText(/^Name/), "Status API");
    await user.type(within(dialog).getByLabelText(/^Base URL/), "https://status.example.com");
    await user.type(within(dialog).getByLabelText(/^Token/), "t0k");
    await user.click(within(dialog).getByRole("button", { name: "Create connection" }));
    await waitFor(() => expect(argsOf(calls, "create_connection")).toHaveLength(1));
    const input = argsOf(calls, "create_connection")[0].input as {
      kind: string;
      fields: Record<string, unknown>;
    };
    expect(input.kind).toBe("http");
    expect(input.fields.token).toEqual({ source: "literal", value: "t0k" });
  });
});

describe("ConnectionsPage status", () => {
  const STATUS: ConnectionSecrets_Serialize[] = [
    secretStatus({
      connection_id: "c1",
      health: "ok",
      fetched_at: minutesAgo(5),
      last_test: { at: minutesAgo(5), ok: true, detail: "signed in as app" },
    }),
    secretStatus({
      connection_id: "c2",
      health: "failed",
      last_test: { at: minutesAgo(60), ok: false, detail: "password authentication failed for user app" },
    }),
    secretStatus({
      connection_id: "c3",
      health: "expiring",
      warning: "expires in 3 days (2026-12-04 12:00 UTC)",
      last_test: { at: minutesAgo(120), ok: true, detail: "" },
    }),
  ];
  const names = () =>
    screen.getAllByTestId("connection-row").map((r) => within(r).getAllByRole("button")[0].textContent);
  const health = (name: string) => within(rowOf(name)).getByTestId("health");

  it("shows each connection's health with what is behind it", async () => {
    renderPage({ connection_secrets: () => STATUS });
    await waitFor(() => expect(screen.getAllByTestId("health")).toHaveLength(3));
    expect(health("Billing DB")).toHaveTextContent(/^OK$/);
    expect(health("Orders DB")).toHaveTextContent(/^Failed$/);
    expect(health("Local DB")).toHaveTextContent(/^Expiring$/);
    expect(health("Billing DB")).toHaveClass("badge-ok");
    expect(health("Orders DB")).toHaveClass("badge-error");
    expect(health("Orders DB").getAttribute("title")).toContain("Last test failed 1 h ago (");
    expect(health("Orders DB").getAttribute("title")).toContain(
      "password authentication failed for user app",
    );
    expect(health("Local DB").getAttribute("title")).toContain("Expires in 3 days (2026-12-04 12:00 UTC).");
    // Screen readers hear the same as the tooltip says.
    expect(rowOf("Local DB")).toHaveTextContent("Expires in 3 days (2026-12-04 12:00 UTC).");
    expect(rowOf("Billing DB")).toHaveTextContent("tested 5 min ago");
  });

  it("names every health and says why a connection is stale or rotated upstream", async () => {
    renderPage({
      connection_secrets: () => [
        secretStatus({ connection_id: "c1", health: "stale", stale: "throttled by the manager" }),
        secretStatus({ connection_id: "c2", health: "rotated_upstream", rotated_upstream: true }),
        secretStatus({ connection_id: "c3", health: "untested" }),
      ],
    });
    await waitFor(() => expect(screen.getAllByTestId("health")).toHaveLength(3));
    expect(health("Billing DB")).toHaveTextContent(/^Stale$/);
    expect(health("Billing DB").getAttribute("title")).toContain("throttled by the manager");
    expect(health("Orders DB")).toHaveTextContent(/^Rotated upstream$/);
    expect(health("Orders DB").getAttribute("title")).toContain("newer version upstream");
    expect(health("Local DB")).toHaveTextContent(/^Untested$/);
    expect(health("Local DB").getAttribute("title")).toBe("Never tested.");
  });

  it("filters by status next to the project filter", async () => {
    const { user } = renderPage({ connection_secrets: () => STATUS });
    await waitFor(() => expect(screen.getAllByTestId("health")).toHaveLength(3));
    const filter = screen.getByRole("combobox", { name: "Filter by status" });
    expect(
      within(filter)
        .getAllByRole("option")
        .map((o) => o.textContent),
    ).toEqual(["All statuses", "Failed", "Stale", "Rotated upstream", "Expiring", "OK", "Untested"]);
    await user.selectOptions(filter, "failed");
    expect(names()).toEqual(["Orders DB"]);
    await user.selectOptions(filter, "stale");
    expect(screen.queryAllByTestId("connection-row")).toHaveLength(0);
    expect(screen.getByRole("table", { name: "Connections" })).toHaveTextContent(
      "No connection has the status Stale.",
    );
    await user.selectOptions(filter, "");
    expect(names()).toEqual(["Billing DB", "Orders DB", "Local DB"]);
  });

  it("sorts by status, the most pressing first, then the other way, then as listed", async () => {
    const { user } = renderPage({ connection_secrets: () => STATUS });
    await waitFor(() => expect(screen.getAllByTestId("health")).toHaveLength(3));
    const header = screen.getByRole("columnheader", { name: /Status/ });
    const sort = within(header).getByRole("button", { name: /Status/ });
    expect(header).not.toHaveAttribute("aria-sort");
    await user.click(sort);
    expect(header).toHaveAttribute("aria-sort", "ascending");
    expect(names()).toEqual(["Orders DB", "Local DB", "Billing DB"]);
    await user.click(sort);
    expect(header).toHaveAttribute("aria-sort", "descending");
    expect(names()).toEqual(["Billing DB", "Local DB", "Orders DB"]);
    sort.focus();
    await user.keyboard("{Enter}");
    expect(header).not.toHaveAttribute("aria-sort");
    expect(names()).toEqual(["Billing DB", "Orders DB", "Local DB"]);

    await user.click(within(screen.getByRole("columnheader", { name: /Name/ })).getByRole("button"));
    await user.click(within(screen.getByRole("columnheader", { name: /Name/ })).getByRole("button"));
    expect(names()).toEqual(["Orders DB", "Local DB", "Billing DB"]);
  });
});

describe("ConnectionsPage highlight", () => {
  it("marks and focuses the connection another page asked for", async () => {
    fakeBackend({
      connection_types: () => [postgresType],
      list_projects: () => [{ ...defaultProject, connection_count: 3 }],
      list_connections: () => [billing, orders, plainDb],
      connection_secrets: () => [],
    });
    render(
      <ToastProvider>
        <ConnectionsPage projectFilter="" onProjectFilter={() => {}} highlightId="c2" />
      </ToastProvider>,
    );
    await screen.findAllByTestId("connection-row");
    expect(rowOf("Orders DB")).toHaveAttribute("data-highlighted", "true");
    expect(rowOf("Orders DB")).toHaveClass("row-highlight");
    expect(rowOf("Billing DB")).not.toHaveAttribute("data-highlighted");
    await waitFor(() =>
      expect(within(rowOf("Orders DB")).getByRole("button", { name: "Orders DB" })).toHaveFocus(),
    );
  });
});
