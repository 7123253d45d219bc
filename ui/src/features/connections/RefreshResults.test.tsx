import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type {
  RefreshItem_Serialize,
  RefreshReport_Serialize,
  StepReport_Serialize,
  TestReport_Serialize,
} from "../../ipc/api";
import { RefreshResultsDialog, refreshSummary } from "./RefreshResults";

export function item(overrides: Partial<RefreshItem_Serialize> = {}): RefreshItem_Serialize {
  return {
    connection_id: "c1",
    connection: "Billing DB",
    outcome: "unchanged",
    detail: "",
    stale: false,
    test: null,
    ...overrides,
  };
}

export function testReport(ok: boolean, connection = "Billing DB"): TestReport_Serialize {
  const step = (n: number, title: string, outcome: "ok" | "failed" | "skipped"): StepReport_Serialize => ({
    step: n,
    title,
    outcome,
    duration_ms: 10 * n,
    detail: outcome === "ok" ? `${title} done` : "",
    code: outcome === "failed" ? "bad_credentials" : null,
    cause: outcome === "failed" ? "password authentication failed for user app" : null,
    fix: outcome === "failed" ? "check the password in the secrets manager" : null,
    offer: null,
  });
  return {
    connection_id: "c1",
    connection,
    ok,
    steps: [
      step(1, "Request the secret", "ok"),
      step(2, "Retrieve and decrypt", "ok"),
      step(3, "Authenticate", ok ? "ok" : "failed"),
      step(4, "Check access", ok ? "ok" : "skipped"),
    ],
    trial: null,
  };
}

const FOUR: RefreshReport_Serialize = {
  items: [
    item({ connection_id: "c1", connection: "Billing DB", outcome: "unchanged" }),
    item({
      connection_id: "c2",
      connection: "Orders DB",
      outcome: "rotated",
      detail: "secret://aws/prod/orders#password: v1 → v2",
    }),
    item({
      connection_id: "c3",
      connection: "Reports DB",
      outcome: "failed",
      detail: "secret://aws/prod/reports: AccessDeniedException: not authorized",
      stale: true,
    }),
    item({
      connection_id: "c4",
      connection: "Local DB",
      outcome: "no_secrets",
      detail: "no secret reference",
    }),
  ],
  secrets_fetched: 3,
  duration_ms: 42,
};

function renderDialog(report?: RefreshReport_Serialize, error?: string) {
  const onClose = vi.fn();
  render(<RefreshResultsDialog title="All connections" report={report} error={error} onClose={onClose} />);
  return { onClose, user: userEvent.setup() };
}

const rowOf = (name: string) =>
  screen.getAllByTestId("refresh-item").find((li) => within(li).queryByText(name)) as HTMLElement;

describe("RefreshResultsDialog", () => {
  it("shows each connection's outcome with its detail, failures first", () => {
    renderDialog(FOUR);
    expect(screen.getByRole("dialog", { name: "Refresh results" })).toHaveAccessibleDescription(
      "All connections",
    );
    const items = screen.getAllByTestId("refresh-item");
    expect(items.map((li) => li.dataset.outcome)).toEqual(["failed", "rotated", "unchanged", "no_secrets"]);

    expect(within(rowOf("Billing DB")).getByTestId("refresh-outcome")).toHaveTextContent("Unchanged");
    const orders = rowOf("Orders DB");
    expect(within(orders).getByTestId("refresh-outcome")).toHaveTextContent("Rotated");
    expect(orders).toHaveTextContent("secret://aws/prod/orders#password: v1 → v2");
    const reports = rowOf("Reports DB");
    expect(within(reports).getByTestId("refresh-outcome")).toHaveTextContent("Failed");
    expect(reports).toHaveTextContent("AccessDeniedException: not authorized");
    expect(within(rowOf("Local DB")).getByTestId("refresh-outcome")).toHaveTextContent("No secrets");
  });

  it("warns that a stale value is serving only where the refresh failed over to it", () => {
    renderDialog({
      ...FOUR,
      items: [
        ...FOUR.items,
        item({ connection_id: "c5", connection: "Audit DB", outcome: "failed", detail: "timed out" }),
      ],
    });
    expect(within(rowOf("Reports DB")).getByTestId("refresh-stale")).toHaveTextContent(
      "Stale value serving.",
    );
    expect(within(rowOf("Audit DB")).queryByTestId("refresh-stale")).toBeNull();
    expect(screen.getAllByTestId("refresh-stale")).toHaveLength(1);
  });

  it("sums up connections, secrets fetched, time, rotations and failures", () => {
    renderDialog(FOUR);
    expect(screen.getByTestId("refresh-summary")).toHaveTextContent(
      "4 connections · 3 secrets fetched in 42 ms · 1 rotated · 1 failed",
    );
    expect(
      refreshSummary({ items: [item({ outcome: "rotated" })], secrets_fetched: 1, duration_ms: 7 }),
    ).toBe("1 connection · 1 secret fetched in 7 ms · 1 rotated · 0 failed");
  });

  it("shows a test's result and, on demand, its steps", async () => {
    const { user } = renderDialog({
      items: [
        item({ connection_id: "c1", connection: "Billing DB", outcome: "rotated", test: testReport(false) }),
        item({ connection_id: "c2", connection: "Orders DB", test: testReport(true, "Orders DB") }),
      ],
      secrets_fetched: 2,
      duration_ms: 120,
    });
    expect(screen.getByTestId("refresh-summary")).toHaveTextContent("1 of 2 tests passed");
    const billing = rowOf("Billing DB");
    expect(within(billing).getByTestId("refresh-test")).toHaveTextContent("Test failed");
    expect(within(rowOf("Orders DB")).getByTestId("refresh-test")).toHaveTextContent("Test passed");
    expect(screen.queryByTestId("test-timeline")).toBeNull();

    const view = within(billing).getByRole("button", { name: "View test steps of Billing DB" });
    expect(view).toHaveAttribute("aria-expanded", "false");
    await user.click(view);
    const timeline = within(billing).getByTestId("test-timeline");
    expect(within(timeline).getByTestId("step-3")).toHaveAttribute("data-outcome", "failed");
    expect(within(timeline).getByTestId("step-3")).toHaveTextContent(
      "password authentication failed for user app",
    );
    expect(within(timeline).getByTestId("step-4")).toHaveAttribute("data-outcome", "skipped");
    expect(within(billing).getByRole("button", { name: "Hide test steps of Billing DB" })).toHaveAttribute(
      "aria-expanded",
      "true",
    );
  });

  it("shows a refresh that failed as a whole, and closes", async () => {
    const { user, onClose } = renderDialog(undefined, "The workspace database is locked.");
    expect(screen.getByRole("alert")).toHaveTextContent("The workspace database is locked.");
    expect(screen.queryByTestId("refresh-summary")).toBeNull();
    await user.click(screen.getAllByRole("button", { name: "Close" })[0]);
    expect(onClose).toHaveBeenCalled();
  });
});
