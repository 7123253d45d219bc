// The rotation watch of a secrets manager's setup dialog, renaming a manager that
// connections reference, and a manager's usage (its call meter and watch) on the page.
import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type {
  ProviderStats_Serialize,
  ProviderView_Serialize,
  WatchCycleReport_Serialize,
} from "../../ipc/api";
import { apiError, argsOf, fakeBackend, inputsOf } from "../../test/ipc";
import { awsSpec, managerView, vaultSpec } from "../../test/managers";
import { renderProviderDialog, renderProvidersPage } from "../../test/providers";
import { maxCallsError } from "./WatchFields";

function awsView(overrides: Partial<ProviderView_Serialize> = {}): ProviderView_Serialize {
  return managerView(
    awsSpec,
    { plain: { region: "eu-west-1", auth: "default_chain" }, target: "eu-west-1" },
    { id: "a1", alias: "aws", used_by: ["Billing DB"], ...overrides },
  );
}

const interval = () => screen.getByRole("combobox", { name: "Look for rotations every" });
const refreshBox = () => screen.getByRole("checkbox", { name: /Refresh and re-test connections/ });
const maxCalls = () => screen.getByRole("spinbutton", { name: "Calls per look, at most" });
const advancedSection = () => screen.getByText("Advanced").closest("details") as HTMLElement;

describe("provider rotation watch", () => {
  it("starts at every 5 minutes, and sends nothing for an untouched watch (the engine keeps its own)", async () => {
    const calls = fakeBackend({ create_provider: () => awsView() });
    const { user, onSaved } = renderProviderDialog({ spec: awsSpec, externalId: "x" });
    const section = screen.getByRole("group", { name: "Rotation watch" });
    expect(section).toContainElement(interval());
    expect(interval()).toHaveValue("300");
    expect(
      within(interval())
        .getAllByRole("option")
        .map((o) => o.textContent),
    ).toEqual(["Off", "1 minute", "5 minutes (default)", "15 minutes", "1 hour"]);
    expect(refreshBox()).not.toBeChecked();
    expect(
      within(advancedSection()).getByRole("spinbutton", { name: "Calls per look, at most" }),
    ).toHaveValue(100);
    await user.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(inputsOf(calls, "create_provider")[0].watch).toBeUndefined();
  });

  it("sends the interval, refresh-and-test and the call limit chosen", async () => {
    const calls = fakeBackend({
      create_provider: () => awsView(),
      test_provider: () => ({ identity: "me", can_list: true, list_error: null }),
    });
    const { user, onSaved } = renderProviderDialog({ spec: awsSpec, externalId: "x" });
    await user.selectOptions(interval(), "60");
    await user.click(refreshBox());
    await user.click(screen.getByText("Advanced"));
    await user.clear(maxCalls());
    await user.type(maxCalls(), "50");
    await user.click(screen.getByRole("button", { name: "Test" }));
    await waitFor(() => expect(inputsOf(calls, "test_provider")).toHaveLength(1));
    await user.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const expected = { interval_secs: 60, refresh_and_test: true, max_calls: 50 };
    expect(inputsOf(calls, "create_provider")[0].watch).toEqual(expected);
    expect(inputsOf(calls, "test_provider")[0].watch).toEqual(expected);
  });

  it("turns the watch off, which leaves nothing to refresh", async () => {
    const calls = fakeBackend({ update_provider: () => awsView() });
    const { user, onSaved } = renderProviderDialog({
      spec: awsSpec,
      provider: awsView({ watch: { interval_secs: 300, refresh_and_test: true, max_calls: 100 } }),
    });
    expect(refreshBox()).toBeChecked();
    await user.selectOptions(interval(), "0");
    expect(refreshBox()).toBeDisabled();
    expect(interval()).toHaveAccessibleDescription(/^Off: rotations are noticed only when/);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(inputsOf(calls, "update_provider")[0].watch).toEqual({
      interval_secs: 0,
      refresh_and_test: true,
      max_calls: 100,
    });
  });

  it("keeps a stored interval that is not offered as its own option, and a custom limit opens Advanced", async () => {
    const calls = fakeBackend({ update_provider: () => awsView() });
    const { user, onSaved } = renderProviderDialog({
      spec: vaultSpec,
      provider: managerView(
        vaultSpec,
        { plain: { address: "http://127.0.0.1:8200", auth: "token" }, stored: ["token"], target: "" },
        { watch: { interval_secs: 120, refresh_and_test: false, max_calls: 20 } },
      ),
    });
    expect(interval()).toHaveValue("120");
    expect(within(interval()).getByRole("option", { name: "2 min (custom)" })).toBeInTheDocument();
    expect(advancedSection()).toHaveAttribute("open");
    expect(maxCalls()).toHaveValue(20);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(inputsOf(calls, "update_provider")[0].watch).toBeUndefined();
  });

  it("refuses a call limit out of range under the field, without calling the backend", async () => {
    const calls = fakeBackend({ create_provider: () => awsView() });
    const { user, onSaved } = renderProviderDialog({ spec: awsSpec, externalId: "x" });
    await user.click(screen.getByText("Advanced"));
    await user.clear(maxCalls());
    await user.type(maxCalls(), "5000");
    await user.click(screen.getByText("Advanced"));
    expect(advancedSection()).not.toHaveAttribute("open");
    await user.click(screen.getByRole("button", { name: "Add" }));
    expect(advancedSection()).toHaveAttribute("open");
    expect(maxCalls()).toHaveAccessibleDescription("A look may make 1 to 1000 calls.");
    await waitFor(() => expect(maxCalls()).toHaveFocus());
    expect(inputsOf(calls, "create_provider")).toHaveLength(0);
    expect(onSaved).not.toHaveBeenCalled();
  });

  it("accepts whole numbers of calls from 1 to 1000 only", () => {
    expect(maxCallsError("1")).toBeUndefined();
    expect(maxCallsError("1000")).toBeUndefined();
    expect(maxCallsError("0")).toMatch(/1 to 1000/);
    expect(maxCallsError("1001")).toMatch(/1 to 1000/);
    expect(maxCallsError("2.5")).toMatch(/whole number/);
    expect(maxCallsError("")).toMatch(/Enter a number/);
  });

  it("shows the engine's refusals of the interval and of the limit under their fields", async () => {
    fakeBackend({
      update_provider: () => {
        throw apiError("validation", "invalid", {
          watch_interval: "The rotation watch looks every 10 seconds to 24 hours (or is off).",
          watch_max_calls: "A look may make 1 to 1000 calls to the manager.",
        });
      },
    });
    const { user, onSaved } = renderProviderDialog({ spec: awsSpec, provider: awsView() });
    await user.selectOptions(interval(), "60");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(interval()).toHaveAccessibleDescription(
        "The rotation watch looks every 10 seconds to 24 hours (or is off).",
      ),
    );
    expect(advancedSection()).toHaveAttribute("open");
    expect(maxCalls()).toHaveAccessibleDescription("A look may make 1 to 1000 calls to the manager.");
    // Both are shown where they belong, not above the buttons.
    expect(screen.queryByRole("alert")).toBeNull();
    expect(onSaved).not.toHaveBeenCalled();
  });
});

describe("renaming a manager that connections reference", () => {
  const MESSAGE =
    'Renaming "aws" to "aws-prod" changes 2 references that name it: Billing DB (password), Orders DB (password). Confirm to rename and update them.';

  it("asks with the engine's list, then saves again confirmed", async () => {
    let n = 0;
    const calls = fakeBackend({
      update_provider: () => {
        n += 1;
        if (n === 1) throw apiError("needs_confirmation", MESSAGE);
        return awsView({ alias: "aws-prod" });
      },
    });
    const { user, onSaved } = renderProviderDialog({ spec: awsSpec, provider: awsView() });
    const alias = screen.getByLabelText(/^Alias/);
    await user.clear(alias);
    await user.type(alias, "aws-prod");
    await user.click(screen.getByRole("button", { name: "Save" }));

    const confirm = await screen.findByRole("dialog", { name: "Rename “aws”?" });
    expect(within(confirm).getByTestId("rename-message")).toHaveTextContent(MESSAGE);
    expect(onSaved).not.toHaveBeenCalled();
    expect(inputsOf(calls, "update_provider")[0].confirm_rename).toBeUndefined();
    await user.click(within(confirm).getByRole("button", { name: "Rename and update references" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const inputs = inputsOf(calls, "update_provider");
    expect(inputs).toHaveLength(2);
    expect(inputs[1]).toMatchObject({ alias: "aws-prod", confirm_rename: true });
    expect(argsOf(calls, "update_provider")[1].id).toBe("a1");
  });

  it("Cancel leaves the manager as it was, and the form open", async () => {
    const calls = fakeBackend({
      update_provider: () => {
        throw apiError("needs_confirmation", MESSAGE);
      },
    });
    const { user, onSaved } = renderProviderDialog({ spec: awsSpec, provider: awsView() });
    const alias = screen.getByLabelText(/^Alias/);
    await user.clear(alias);
    await user.type(alias, "aws-prod");
    await user.click(screen.getByRole("button", { name: "Save" }));
    const confirm = await screen.findByRole("dialog", { name: "Rename “aws”?" });
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog", { name: "Rename “aws”?" })).toBeNull();
    expect(inputsOf(calls, "update_provider")).toHaveLength(1);
    expect(onSaved).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Save" })).toBeEnabled();
  });
});

describe("a manager's usage", () => {
  const STATS: ProviderStats_Serialize = {
    provider_id: "a1",
    provider: "aws",
    calls: [
      { op: "list", outcome: "ok", last_hour: 2, last_day: 10 },
      { op: "read", outcome: "ok", last_hour: 1, last_day: 4 },
      { op: "read", outcome: "throttled", last_hour: 0, last_day: 1 },
      { op: "watch", outcome: "ok", last_hour: 12, last_day: 288 },
    ],
    cache_hits_hour: 3,
    cache_hits_day: 12,
    hit_ratio_day: 0.75,
    watch: {
      provider_id: "a1",
      policy: { interval_secs: 300, refresh_and_test: true, max_calls: 100 },
      last_run_at: new Date(Date.now() - 2 * 60_000).toISOString(),
      next_run_at: new Date(Date.now() + 3 * 60_000).toISOString(),
      outcome: "ok",
      detail: "3 secrets checked",
      calls: 1,
    },
  };
  const REPORT: WatchCycleReport_Serialize = {
    provider_id: "a1",
    provider: "aws",
    outcome: "ok",
    detail: "",
    calls: 1,
    checked: 3,
    rotated: [{ reference: "secret://aws/prod/db", from: "v1", to: "v2", connections: ["Billing DB"] }],
    next_run_at: new Date(Date.now() + 5 * 60_000).toISOString(),
    refreshed: null,
  };

  it("shows the calls, the cache hits and the watch, and checks now", async () => {
    let statsCalls = 0;
    const user = renderProvidersPage([awsView()], {
      provider_stats: () => {
        statsCalls += 1;
        return STATS;
      },
      watch_now: () => REPORT,
    });
    await user.click(await screen.findByRole("button", { name: "Usage of aws" }));
    const dialog = screen.getByRole("dialog", { name: "Usage of “aws”" });
    const table = await within(dialog).findByRole("table", { name: "Calls to the manager" });
    const cells = within(table)
      .getAllByTestId("usage-call")
      .map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.textContent));
    expect(cells).toEqual([
      ["List secrets", "ok", "2", "10"],
      ["Read a value", "ok", "1", "4"],
      ["Read a value", "throttled", "0", "1"],
      ["Rotation watch", "ok", "12", "288"],
    ]);
    expect(within(dialog).getByTestId("usage-cache-hits")).toHaveTextContent(
      "3 in the last hour, 12 in the last day",
    );
    expect(within(dialog).getByTestId("usage-hit-ratio")).toHaveTextContent("75%");
    const watch = within(dialog).getByTestId("watch-status");
    expect(watch).toHaveTextContent(
      "Every 5 min, at most 100 calls a look; refreshes and re-tests what rotated",
    );
    expect(within(watch).getByTestId("watch-last-run")).toHaveTextContent("2 minutes ago · 1 call");
    expect(within(watch).getByTestId("watch-outcome")).toHaveTextContent("ok");
    expect(watch).toHaveTextContent("3 secrets checked");
    expect(within(watch).getByTestId("watch-next-run")).not.toHaveTextContent("—");

    await user.click(within(dialog).getByRole("button", { name: "Check now" }));
    expect(await within(dialog).findByTestId("watch-result")).toHaveTextContent(
      "Checked 3 secrets with 1 call: 1 secret rotated.",
    );
    expect(within(dialog).getByTestId("watch-result")).toHaveTextContent(
      "secret://aws/prod/db v1 → v2 · used by Billing DB",
    );
    await waitFor(() => expect(statsCalls).toBe(2));
  });

  it("says when nothing was called, and when the stats or a check fail", async () => {
    const user = renderProvidersPage([awsView()], {
      provider_stats: () => ({
        ...STATS,
        calls: [],
        hit_ratio_day: null,
        watch: { ...STATS.watch, last_run_at: null, next_run_at: null, outcome: null, detail: null },
      }),
      watch_now: () => {
        throw apiError("throttled", "AWS throttled the watch: it backs off.");
      },
    });
    await user.click(await screen.findByRole("button", { name: "Usage of aws" }));
    const dialog = screen.getByRole("dialog", { name: "Usage of “aws”" });
    expect(await within(dialog).findByTestId("usage-no-calls")).toHaveTextContent(
      "No call to this manager in the last day.",
    );
    expect(within(dialog).getByTestId("usage-hit-ratio")).toHaveTextContent("—");
    expect(within(dialog).getByTestId("watch-last-run")).toHaveTextContent("Not yet");
    await user.click(within(dialog).getByRole("button", { name: "Check now" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(
      "AWS throttled the watch: it backs off.",
    );
  });
});
