import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ToastProvider } from "../../components/Toasts";
import type { CacheEntryView_Serialize } from "../../ipc/api";
import { fakeBackend, type Handler } from "../../test/ipc";
import { CacheSection } from "./CacheSection";

function entry(overrides: Partial<CacheEntryView_Serialize> = {}): CacheEntryView_Serialize {
  return {
    provider_id: "a1",
    provider: "aws",
    secret: "prod/billing",
    version: null,
    version_id: "a3f9c2e1-5b7d-4c1e-9a2b-0123456789ab",
    age_secs: 300,
    ttl_secs: 3600,
    hits: 12,
    stale: null,
    ...overrides,
  };
}

const ENTRIES = [
  entry(),
  entry({
    secret: "prod/orders",
    version: "AWSPREVIOUS",
    version_id: "0b1c2d3e-aaaa-bbbb-cccc-ddddeeeeffff",
    age_secs: 5400,
    hits: 3,
    stale: "AccessDeniedException: not authorized",
  }),
  entry({
    provider_id: "v1",
    provider: "bao",
    secret: "secret/app/db",
    version: "4",
    version_id: null,
    hits: 0,
  }),
];

function renderSection(handlers: Record<string, Handler>) {
  const calls = fakeBackend(handlers);
  render(
    <ToastProvider>
      <CacheSection />
    </ToastProvider>,
  );
  return { calls, user: userEvent.setup() };
}

const clears = (calls: [string, Record<string, unknown>][]) =>
  calls.filter(([c]) => c === "clear_cache").map(([, a]) => a);

describe("Settings › Secret cache", () => {
  it("lists each cached secret's metadata, with the stale one marked and its reason", async () => {
    renderSection({ cache_entries: () => ENTRIES });
    const rows = await screen.findAllByTestId("cache-row");
    expect(rows).toHaveLength(3);
    const [billing, orders, bao] = rows;
    expect(billing).toHaveTextContent("aws");
    expect(billing).toHaveTextContent("prod/billing");
    expect(billing).toHaveTextContent("latest");
    expect(within(billing).getByText("a3f9c2e1…")).toHaveAttribute(
      "title",
      "a3f9c2e1-5b7d-4c1e-9a2b-0123456789ab",
    );
    expect(billing).toHaveTextContent("5 min");
    expect(billing).toHaveTextContent("1 h");
    expect(billing).toHaveTextContent("12");
    expect(billing).toHaveTextContent("fresh");
    expect(within(billing).queryByTestId("cache-stale")).toBeNull();

    expect(orders).toHaveTextContent("AWSPREVIOUS");
    expect(orders).toHaveTextContent("1 h 30 min");
    expect(within(orders).getByTestId("cache-stale")).toHaveAttribute(
      "title",
      "AccessDeniedException: not authorized",
    );
    expect(bao).toHaveTextContent("secret/app/db");
    expect(bao).toHaveTextContent("—");
  });

  it("shows the empty state, with Clear cache disabled, when nothing is cached", async () => {
    renderSection({ cache_entries: () => [] });
    expect(await screen.findByTestId("cache-empty")).toHaveTextContent(
      "Nothing cached yet: values are cached when a connection is tested or refreshed.",
    );
    expect(screen.getByRole("button", { name: "Clear cache" })).toBeDisabled();
  });

  it("clears the whole cache only after confirmation, then lists again", async () => {
    let cached = ENTRIES;
    const { calls, user } = renderSection({
      cache_entries: () => cached,
      clear_cache: () => {
        const n = cached.length;
        cached = [];
        return n;
      },
    });
    await screen.findAllByTestId("cache-row");
    await user.click(screen.getByRole("button", { name: "Clear cache" }));
    let dialog = screen.getByRole("dialog", { name: "Clear the secret cache?" });
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(clears(calls)).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Clear cache" }));
    dialog = screen.getByRole("dialog", { name: "Clear the secret cache?" });
    await user.click(within(dialog).getByRole("button", { name: "Clear cache" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(clears(calls)).toEqual([{ providerId: null }]);
    expect(await screen.findByText("Cleared 3 cached values")).toBeInTheDocument();
    expect(await screen.findByTestId("cache-empty")).toBeInTheDocument();
  });

  it("clears one manager's entries", async () => {
    const { calls, user } = renderSection({ cache_entries: () => ENTRIES, clear_cache: () => 1 });
    await screen.findAllByTestId("cache-row");
    await user.click(screen.getByRole("button", { name: "Clear the cache of bao" }));
    const dialog = screen.getByRole("dialog", { name: "Clear the cache of “bao”?" });
    await user.click(within(dialog).getByRole("button", { name: "Clear cache" }));
    await waitFor(() => expect(clears(calls)).toEqual([{ providerId: "v1" }]));
  });

  it("shows a load failure with a way to retry", async () => {
    let fail = true;
    const { user } = renderSection({
      cache_entries: () => {
        if (fail) throw { code: "internal", message: "engine not ready", step: null, field_errors: [] };
        return ENTRIES;
      },
    });
    expect(await screen.findByRole("alert")).toHaveTextContent("engine not ready");
    fail = false;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findAllByTestId("cache-row")).toHaveLength(3);
  });
});
