import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ProviderView_Serialize } from "../../ipc/api";
import { apiError, argsOf, fakeBackend, inputsOf } from "../../test/ipc";
import { awsSpec, managerView, vaultSpec } from "../../test/managers";
import { renderProviderDialog } from "../../test/providers";
import { ttlError } from "./CacheFields";
import { ProvidersPage } from "./ProvidersPage";

function awsView(overrides: Partial<ProviderView_Serialize> = {}): ProviderView_Serialize {
  return managerView(
    awsSpec,
    { plain: { region: "eu-west-1", auth: "default_chain" }, target: "eu-west-1" },
    { id: "a1", alias: "aws", used_by: ["Billing DB", "Orders DB"], ...overrides },
  );
}

function vaultView(overrides: Partial<ProviderView_Serialize> = {}): ProviderView_Serialize {
  return managerView(
    vaultSpec,
    {
      plain: { address: "http://127.0.0.1:8200", auth: "token" },
      stored: ["token"],
      target: "http://127.0.0.1:8200",
    },
    { id: "v1", alias: "bao", used_by: ["Billing DB", "Orders DB"], ...overrides },
  );
}

const renderAws = () => renderProviderDialog({ spec: awsSpec, externalId: "x" });
const renderVault = (provider: ProviderView_Serialize) => renderProviderDialog({ spec: vaultSpec, provider });

const ttl = () => screen.getByLabelText(/^Cache values for/);
const staleBox = () => screen.getByLabelText(/Keep serving the last good value/);

describe("provider cache policy", () => {
  it("sends the TTL in seconds (minutes × 60) and the stale-if-error choice", async () => {
    const calls = fakeBackend({ create_provider: () => awsView() });
    const { user, onSaved } = renderAws();
    await user.click(screen.getByText("Advanced"));
    expect(ttl()).toHaveValue(60);
    expect(staleBox()).toBeChecked();
    await user.clear(ttl());
    await user.type(ttl(), "15");
    await user.click(staleBox());
    await user.click(screen.getByRole("button", { name: "Add" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(inputsOf(calls, "create_provider")[0].cache).toEqual({ ttl_secs: 900, stale_if_error: false });
  });

  it("sends 0 to turn caching off", async () => {
    const calls = fakeBackend({ create_provider: () => awsView() });
    const { user, onSaved } = renderAws();
    await user.click(screen.getByText("Advanced"));
    await user.clear(ttl());
    await user.type(ttl(), "0");
    expect(ttl()).toHaveAccessibleDescription(/caching off/);
    await user.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(inputsOf(calls, "create_provider")[0].cache).toEqual({ ttl_secs: 0, stale_if_error: true });
  });

  it("refuses 20000 minutes under the field, without calling the backend", async () => {
    const calls = fakeBackend({ create_provider: () => awsView() });
    const { user, onSaved } = renderAws();
    await user.click(screen.getByText("Advanced"));
    await user.clear(ttl());
    await user.type(ttl(), "20000");
    await user.click(screen.getByRole("button", { name: "Add" }));

    expect(ttl()).toHaveAttribute("aria-invalid", "true");
    expect(ttl()).toHaveAccessibleDescription("At most 10080 minutes (one week).");
    await waitFor(() => expect(ttl()).toHaveFocus());
    expect(inputsOf(calls, "create_provider")).toHaveLength(0);
    expect(onSaved).not.toHaveBeenCalled();

    await user.clear(ttl());
    await user.type(ttl(), "10080");
    expect(ttl()).toHaveAttribute("aria-invalid", "false");
    await user.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(inputsOf(calls, "create_provider")[0].cache).toEqual({ ttl_secs: 604800, stale_if_error: true });
  });

  it("accepts whole minutes from 0 to 10080 only", () => {
    expect(ttlError("0")).toBeUndefined();
    expect(ttlError("10080")).toBeUndefined();
    expect(ttlError("10081")).toMatch(/At most 10080/);
    expect(ttlError("")).toMatch(/Enter a number/);
    expect(ttlError("1.5")).toMatch(/whole number/);
    expect(ttlError("-5")).toMatch(/whole number/);
  });

  it("prefills a Vault's stored policy, opens Advanced for it, and sends an edit", async () => {
    const calls = fakeBackend({ update_provider: () => vaultView() });
    const { user, onSaved } = renderVault(vaultView({ cache: { ttl_secs: 7200, stale_if_error: false } }));
    expect(screen.getByText("Advanced").closest("details")).toHaveAttribute("open");
    expect(ttl()).toHaveValue(120);
    expect(staleBox()).not.toBeChecked();
    await user.clear(ttl());
    await user.type(ttl(), "30");
    await user.click(staleBox());
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(inputsOf(calls, "update_provider")[0].cache).toEqual({ ttl_secs: 1800, stale_if_error: true });
  });

  it("sends back an untouched TTL exactly, even one that is not whole minutes", async () => {
    const calls = fakeBackend({ update_provider: () => vaultView() });
    const { user, onSaved } = renderVault(vaultView({ cache: { ttl_secs: 90, stale_if_error: true } }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(inputsOf(calls, "update_provider")[0].cache).toEqual({ ttl_secs: 90, stale_if_error: true });
  });

  it("refuses 20000 minutes in the Vault form too, and shows a server's cache error under the field", async () => {
    const calls = fakeBackend({
      update_provider: () => {
        throw apiError("validation", "1 field needs attention", { cache: "The TTL is too long." });
      },
    });
    const { user } = renderVault(vaultView());
    await user.click(screen.getByText("Advanced"));
    await user.clear(ttl());
    await user.type(ttl(), "20000");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(ttl()).toHaveAccessibleDescription("At most 10080 minutes (one week).");
    expect(inputsOf(calls, "update_provider")).toHaveLength(0);

    await user.clear(ttl());
    await user.type(ttl(), "60");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(ttl()).toHaveAccessibleDescription("The TTL is too long."));
    expect(inputsOf(calls, "update_provider")).toHaveLength(1);
  });
});

describe("ProvidersPage refresh", () => {
  it("refreshes the connections using a manager and shows the results", async () => {
    const calls = fakeBackend({
      list_providers: () => [awsView(), vaultView({ used_by: [] })],
      workspace_info: () => ({ settings: { aws_external_id: "latchkey-x" } }),
      refresh: () => ({
        items: [
          {
            connection_id: "c1",
            connection: "Billing DB",
            outcome: "rotated",
            detail: "secret://aws/prod/billing: v3 → v4",
            stale: false,
            test: null,
          },
          {
            connection_id: "c2",
            connection: "Orders DB",
            outcome: "failed",
            detail: "secret://aws/prod/orders: ResourceNotFoundException",
            stale: true,
            test: null,
          },
        ],
        secrets_fetched: 2,
        duration_ms: 18,
      }),
    });
    render(<ProvidersPage />);
    const user = userEvent.setup();
    const rows = await screen.findAllByTestId("provider-row");
    expect(within(rows[1]).getByRole("button", { name: "Refresh connections using bao" })).toBeDisabled();
    await user.click(within(rows[0]).getByRole("button", { name: "Refresh connections using aws" }));

    const dialog = await screen.findByRole("dialog", { name: "Refresh results" });
    expect(argsOf(calls, "refresh")).toEqual([{ scope: { scope: "provider", id: "a1" }, test: false }]);
    expect(dialog).toHaveAccessibleDescription("Connections using “aws”");
    expect(within(dialog).getByTestId("refresh-summary")).toHaveTextContent(
      "2 connections · 2 secrets fetched in 18 ms · 1 rotated · 1 failed",
    );
    expect(within(dialog).getByTestId("refresh-stale")).toBeInTheDocument();
  });
});
