import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ToastProvider } from "../../components/Toasts";
import type { AuditEvent } from "../../ipc/api";
import { apiError, argsOf, fakeBackend, type Handler } from "../../test/ipc";
import { AuditPage } from "./AuditPage";

const PATH = "/home/me/.local/share/latchkey/exports/audit-20261129T100000Z.csv";

function event(id: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id,
    at: "2026-11-29T10:00:00.000Z",
    actor: "me",
    kind: "connection.created",
    target: "connection:Billing DB",
    outcome: "ok",
    detail: "",
    ...overrides,
  };
}

const EVENTS = [event(1), event(2, { outcome: "failed", kind: "connection.tested" }), event(3)];

function renderPage(handlers: Record<string, Handler> = {}) {
  const calls = fakeBackend({ list_audit: () => EVENTS, ...handlers });
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <AuditPage />
    </ToastProvider>,
  );
  return { calls, user };
}

describe("Audit log › export", () => {
  it("exports what the filters select, in the chosen format, and shows the file's path with Copy path", async () => {
    const { calls, user } = renderPage({
      list_audit: ({ query }) => ((query as { outcome: string | null }).outcome ? [EVENTS[1]] : EVENTS),
      export_audit: () => PATH,
    });
    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(4));
    await user.selectOptions(screen.getByRole("combobox", { name: "Kind" }), "Connections");
    await user.selectOptions(screen.getByRole("combobox", { name: "Outcome" }), "Failed");
    await user.type(screen.getByRole("searchbox", { name: "Filter by target" }), " Billing ");
    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(2));

    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    const notice = await screen.findByTestId("export-notice");
    const filters = { kind: "connection.", outcome: "failed", target: "Billing", since: null, until: null };
    expect(argsOf(calls, "export_audit")).toEqual([{ query: { ...filters, limit: null }, format: "csv" }]);
    // The same filters the page lists with (the list alone is capped).
    expect(argsOf(calls, "list_audit").at(-1)).toEqual({ query: { ...filters, limit: 500 } });
    expect(notice).toHaveTextContent(`Exported 1 event as CSV to ${PATH}`);
    expect(within(notice).getByTestId("export-path")).toHaveTextContent(PATH);

    await user.click(within(notice).getByRole("button", { name: "Copy path" }));
    expect(await navigator.clipboard.readText()).toBe(PATH);
    expect(await screen.findByText("Path copied")).toBeInTheDocument();

    await user.click(within(notice).getByRole("button", { name: "Dismiss the export notice" }));
    expect(screen.queryByTestId("export-notice")).toBeNull();
  });

  it("exports every event as JSON when nothing is filtered", async () => {
    const json = PATH.replace(".csv", ".json");
    const { calls, user } = renderPage({ export_audit: () => json });
    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(4));
    await user.click(screen.getByRole("button", { name: "Export JSON" }));
    expect(await screen.findByTestId("export-notice")).toHaveTextContent(
      `Exported 3 events as JSON to ${json}`,
    );
    expect(argsOf(calls, "export_audit")).toEqual([
      {
        query: { kind: null, outcome: null, target: null, since: null, until: null, limit: null },
        format: "json",
      },
    ]);
  });

  it("does not claim a count when the list is capped", async () => {
    const many = Array.from({ length: 500 }, (_, i) => event(i + 1));
    const { user } = renderPage({ list_audit: () => many, export_audit: () => PATH });
    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(501));
    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(await screen.findByTestId("export-notice")).toHaveTextContent(
      `Exported all events as CSV to ${PATH}`,
    );
  });

  it("shows why an export failed", async () => {
    const { user } = renderPage({
      export_audit: () => {
        throw apiError("internal", "cannot write /data/exports/audit.csv: disk full");
      },
    });
    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(4));
    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("disk full");
    expect(screen.queryByTestId("export-notice")).toBeNull();
    expect(screen.getByRole("button", { name: "Export CSV" })).toBeEnabled();
  });
});

describe("Audit log › period", () => {
  it("asks for the events since the chosen period began", async () => {
    const { calls, user } = renderPage();
    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(4));
    const before = Date.now();
    await user.selectOptions(screen.getByRole("combobox", { name: "Period" }), "Last 24 hours");
    await waitFor(() => expect(argsOf(calls, "list_audit").length).toBeGreaterThan(1));
    const { query } = argsOf(calls, "list_audit").at(-1) as { query: { since: string | null } };
    expect(query.since).not.toBeNull();
    const since = Date.parse(query.since ?? "");
    expect(before - since).toBeGreaterThanOrEqual(24 * 3_600_000 - 1000);
    expect(before - since).toBeLessThanOrEqual(24 * 3_600_000 + 60_000);
  });
});
