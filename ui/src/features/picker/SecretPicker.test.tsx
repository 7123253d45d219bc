import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ToastProvider } from "../../components/Toasts";
import {
  CommandError,
  type ProviderView_Serialize,
  type SecretInfo_Serialize,
  type SecretItem_Serialize,
  type SecretPage_Serialize,
  type SecretVersionItem_Serialize,
} from "../../ipc/api";
import { apiError, argsOf, fakeBackend, type Handler, providerView } from "../../test/ipc";
import { SecretPicker } from "./SecretPicker";

const provider = (id: string, alias: string) => providerView({ id, alias });

const AWS = provider("p1", "aws");

function item(name: string, description: string | null = null): SecretItem_Serialize {
  return {
    name,
    path: null,
    id: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}`,
    description,
    last_changed: "2026-02-01T10:00:00Z",
    last_rotated: null,
    rotation_enabled: false,
    tags: [["team", "billing"]],
  };
}

const page = (names: string[], next: string | null = null): SecretPage_Serialize => ({
  items: names.map((n) => item(n)),
  next,
});

const CURRENT_ID = "a1b2c3d4-0000-4000-8000-000000000001";
const PREVIOUS_ID = "e5f6a7b8-0000-4000-8000-000000000002";

function info(name: string): SecretInfo_Serialize {
  return {
    secret: {
      ...item(name, "Billing database owner"),
      rotation_enabled: true,
    },
    versions: [
      {
        id: PREVIOUS_ID,
        stages: ["AWSPREVIOUS"],
        created: "2026-01-01T00:00:00Z",
        enabled: true,
        updated: null,
        expires: null,
        not_before: null,
        current_stage: null,
        unusable: null,
        unusable_stage: null,
        pin_stage: "AWSPREVIOUS",
      },
      {
        id: CURRENT_ID,
        stages: ["AWSCURRENT"],
        created: "2026-02-01T00:00:00Z",
        enabled: true,
        updated: null,
        expires: null,
        not_before: null,
        current_stage: "AWSCURRENT",
        unusable: null,
        unusable_stage: null,
        pin_stage: null,
      },
    ],
  };
}

/** list_secrets answered from a table keyed by `prefix|page`. */
function listing(pages: Record<string, SecretPage_Serialize>): Handler {
  return ({ prefix, page }) => {
    const key = `${prefix ?? ""}|${page ?? ""}`;
    const got = pages[key];
    if (!got) throw apiError("internal", `no page ${key}`);
    return got;
  };
}

/** secret_json_keys: the current value has two keys, the previous version one. */
const jsonKeys: Handler = ({ version }) =>
  version === PREVIOUS_ID ? ["password"] : ["password", "username"];

function renderPicker(providers = [AWS]) {
  const onPick = vi.fn();
  render(<SecretPicker providers={providers} onPick={onPick} onClose={() => {}} />);
  return { onPick, user: userEvent.setup() };
}

const items = () => Array.from(document.querySelectorAll<HTMLElement>('[role="treeitem"]'));
const labelOf = (el: Element) => el.querySelector(".tree-label")?.textContent ?? "";
const labels = () => items().map(labelOf);

/** The tree row whose name is `label` (at `level`, when given). */
function row(label: string, level?: number): HTMLElement {
  const found = items().filter(
    (el) => labelOf(el) === label && (level === undefined || el.getAttribute("aria-level") === String(level)),
  );
  if (found.length !== 1)
    throw new Error(`${found.length} rows named ${label}; rows: ${labels().join(", ")}`);
  return found[0];
}
const findRow = (label: string, level?: number) => waitFor(() => row(label, level));

const tree = () => screen.getByRole("tree");
function activeLabel(): string {
  const id = tree().getAttribute("aria-activedescendant");
  const el = id ? document.getElementById(id) : null;
  return el ? labelOf(el) : "";
}
const reference = () => screen.getByTestId("picker-reference").getAttribute("title");
const listCalls = (calls: [string, Record<string, unknown>][]) =>
  calls.filter(([c]) => c === "list_secrets").map(([, a]) => a);

describe("SecretPicker tree", () => {
  it("groups the first page into folders (from / in names) and secrets, folders first", async () => {
    const calls = fakeBackend({
      list_secrets: listing({ "|": page(["zeta", "prod/db", "prod/api/key", "alpha", "staging/x"]) }),
    });
    renderPicker();
    await findRow("prod/");
    expect(labels()).toEqual(["prod/", "staging/", "alpha", "zeta"]);
    for (const el of items()) expect(el).toHaveAttribute("aria-level", "1");
    expect(row("prod/")).toHaveAttribute("aria-expanded", "false");
    expect(row("alpha")).toHaveAttribute("data-kind", "secret");
    expect(row("alpha")).toHaveAttribute("aria-expanded", "false"); // a secret opens into keys and versions
    expect(row("alpha")).toHaveAttribute("aria-selected", "false");
    expect(listCalls(calls)).toEqual([{ providerId: "p1", prefix: null, page: null }]);
  });

  it("expands a folder by asking for its prefix, and shows its subfolders and secrets one level down", async () => {
    const calls = fakeBackend({
      list_secrets: listing({
        "|": page(["prod/db"]),
        "prod/|": page(["prod/db", "prod/eu/cache", "prod/api"]),
      }),
    });
    const { user } = renderPicker();
    await user.click(await findRow("prod/"));
    await findRow("eu/");
    expect(labels()).toEqual(["prod/", "eu/", "api", "db"]);
    expect(row("prod/")).toHaveAttribute("aria-expanded", "true");
    expect(row("eu/")).toHaveAttribute("aria-level", "2");
    expect(row("db")).toHaveAttribute("aria-level", "2");
    expect(listCalls(calls)).toContainEqual({ providerId: "p1", prefix: "prod/", page: null });

    // Collapsing hides the children; expanding again uses the loaded page.
    await user.click(row("prod/"));
    expect(labels()).toEqual(["prod/"]);
    await user.click(row("prod/"));
    expect(labels()).toEqual(["prod/", "eu/", "api", "db"]);
    expect(listCalls(calls).filter((a) => a.prefix === "prod/")).toHaveLength(1);
  });

  it("loads the next page with the token when Load more is chosen, and appends it", async () => {
    const calls = fakeBackend({
      list_secrets: listing({
        "|": page(["a1", "a2"], "token-2"),
        "|token-2": page(["a3", "b/x"]),
      }),
    });
    const { user } = renderPicker();
    await findRow("a1");
    expect(labels()).toEqual(["a1", "a2", "Load more…"]);
    await user.click(row("Load more…"));
    await findRow("a3");
    expect(labels()).toEqual(["b/", "a1", "a2", "a3"]);
    expect(listCalls(calls)).toEqual([
      { providerId: "p1", prefix: null, page: null },
      { providerId: "p1", prefix: null, page: "token-2" },
    ]);
  });

  it("opens a secret into the keys of its current value and its versions with their stages", async () => {
    const calls = fakeBackend({
      list_secrets: listing({ "|": page(["db"]) }),
      describe_secret: ({ name }) => info(name as string),
      secret_json_keys: jsonKeys,
    });
    const { user } = renderPicker();
    await user.click(await findRow("db"));
    await findRow("username");
    expect(labels()).toEqual(["db", "password", "username", CURRENT_ID.slice(0, 8), PREVIOUS_ID.slice(0, 8)]);
    expect(row("password")).toHaveAttribute("aria-level", "2");
    const current = row(CURRENT_ID.slice(0, 8));
    expect(current).toHaveAttribute("aria-expanded", "false");
    expect(current.querySelector('[data-testid="stage-badge"]')).toHaveTextContent("AWSCURRENT");
    expect(row(PREVIOUS_ID.slice(0, 8)).querySelector('[data-testid="stage-badge"]')).toHaveTextContent(
      "AWSPREVIOUS",
    );
    expect(calls).toContainEqual(["secret_json_keys", { providerId: "p1", name: "db", version: null }]);

    // The metadata of the chosen secret, never its value.
    const detail = screen.getByTestId("picker-detail");
    expect(detail).toHaveTextContent("Billing database owner");
    expect(detail).toHaveTextContent("Rotation");
    expect(detail).toHaveTextContent("team=billing");
    expect(reference()).toBe("secret://aws/db");

    // A version opens into the keys of that version.
    await user.click(row(PREVIOUS_ID.slice(0, 8)));
    await findRow("password", 3);
    expect(calls).toContainEqual([
      "secret_json_keys",
      { providerId: "p1", name: "db", version: PREVIOUS_ID },
    ]);
    expect(row(PREVIOUS_ID.slice(0, 8))).toHaveAttribute("aria-selected", "true");
    expect(reference()).toBe(`secret://aws/db?version=${PREVIOUS_ID}`);
  });

  it("passes secret://alias/name#key to onPick for a key under a secret", async () => {
    fakeBackend({
      list_secrets: listing({ "|": page(["prod/db"]), "prod/|": page(["prod/db"]) }),
      describe_secret: ({ name }) => info(name as string),
      secret_json_keys: jsonKeys,
    });
    const { user, onPick } = renderPicker();
    await user.click(await findRow("prod/"));
    await user.click(await findRow("db"));
    await user.click(await findRow("password", 3));
    expect(row("password", 3)).toHaveAttribute("aria-selected", "true");
    expect(reference()).toBe("secret://aws/prod/db#password");
    await user.click(screen.getByRole("button", { name: "Use this secret" }));
    expect(onPick).toHaveBeenCalledWith("secret://aws/prod/db#password");
  });

  it("pins a key of the previous version by ID, or by the AWSPREVIOUS stage", async () => {
    fakeBackend({
      list_secrets: listing({ "|": page(["db"]) }),
      describe_secret: ({ name }) => info(name as string),
      secret_json_keys: jsonKeys,
    });
    const { user, onPick } = renderPicker();
    await user.click(await findRow("db"));
    await user.click(await findRow(PREVIOUS_ID.slice(0, 8)));
    await user.click(await findRow("password", 3));
    expect(reference()).toBe(`secret://aws/db?version=${PREVIOUS_ID}#password`);
    await user.click(screen.getByRole("radio", { name: /By stage AWSPREVIOUS/ }));
    expect(reference()).toBe("secret://aws/db?stage=AWSPREVIOUS#password");
    await user.click(screen.getByRole("button", { name: "Use this secret" }));
    expect(onPick).toHaveBeenCalledWith("secret://aws/db?stage=AWSPREVIOUS#password");

    // The current version has no AWSPREVIOUS stage to pin.
    await user.click(row(CURRENT_ID.slice(0, 8)));
    expect(screen.queryByTestId("picker-pin")).toBeNull();
    expect(reference()).toBe(`secret://aws/db?version=${CURRENT_ID}`);
  });

  it("says when a value is not a JSON object, and lets the whole secret be picked", async () => {
    fakeBackend({
      list_secrets: listing({ "|": page(["token"]) }),
      describe_secret: ({ name }) => ({ ...info(name as string), versions: [] }),
      secret_json_keys: () => [],
    });
    const { user, onPick } = renderPicker();
    await user.click(await findRow("token"));
    await findRow("Not a JSON object: the whole value is used");
    expect(row("Not a JSON object: the whole value is used")).not.toHaveAttribute("aria-selected");
    await user.click(screen.getByRole("button", { name: "Use this secret" }));
    expect(onPick).toHaveBeenCalledWith("secret://aws/token");
  });

  it("asks the provider for names starting with the filter once typing pauses, and restores the tree when cleared", async () => {
    const calls = fakeBackend({
      list_secrets: listing({
        "|": page(["prod/db", "top"]),
        "prod/|": page(["prod/db", "prod/api"]),
        "prod/d|": page(["prod/db", "prod/dx/y"]),
      }),
    });
    const { user } = renderPicker();
    await user.click(await findRow("prod/"));
    await findRow("api");

    await user.type(screen.getByRole("searchbox", { name: "Filter by name" }), "prod/d");
    await findRow("prod/db");
    // A flat list of full names, each still a secret that opens.
    expect(labels()).toEqual(["prod/db", "prod/dx/y"]);
    expect(row("prod/db")).toHaveAttribute("aria-level", "1");
    expect(row("prod/db")).toHaveAttribute("aria-expanded", "false");
    const prefixes = listCalls(calls).map((a) => a.prefix);
    expect(prefixes).toEqual([null, "prod/", "prod/d"]); // not one call per keystroke

    await user.clear(screen.getByRole("searchbox", { name: "Filter by name" }));
    await findRow("prod/");
    expect(labels()).toEqual(["prod/", "api", "db", "top"]);
    expect(row("prod/")).toHaveAttribute("aria-expanded", "true");
    expect(listCalls(calls)).toHaveLength(3);
  });

  it("shows No secret matches when the provider finds none", async () => {
    fakeBackend({ list_secrets: listing({ "|": page(["a"]), "nope|": page([]) }) });
    const { user } = renderPicker();
    await findRow("a");
    await user.type(screen.getByRole("searchbox", { name: "Filter by name" }), "nope");
    expect(await screen.findByText("No secret matches.")).toBeInTheDocument();
    expect(items()).toHaveLength(0);
  });

  it("follows the ARIA tree keys: arrows move, open, close and go to the parent; Enter picks", async () => {
    fakeBackend({
      list_secrets: listing({
        "|": page(["prod/db", "top"]),
        "prod/|": page(["prod/db", "prod/api"]),
      }),
      describe_secret: ({ name }) => info(name as string),
      secret_json_keys: jsonKeys,
    });
    const { user } = renderPicker();
    await findRow("prod/");
    act(() => tree().focus());
    expect(activeLabel()).toBe("prod/");
    await user.keyboard("{ArrowDown}");
    expect(activeLabel()).toBe("top");
    await user.keyboard("{ArrowUp}");
    expect(activeLabel()).toBe("prod/");

    await user.keyboard("{ArrowRight}"); // opens
    await findRow("api");
    expect(row("prod/")).toHaveAttribute("aria-expanded", "true");
    expect(activeLabel()).toBe("prod/");
    await user.keyboard("{ArrowRight}"); // to the first child
    expect(activeLabel()).toBe("api");
    await user.keyboard("{ArrowDown}{ArrowRight}");
    await findRow("username");
    await user.keyboard("{ArrowRight}");
    expect(activeLabel()).toBe("password");
    await user.keyboard("{Enter}");
    expect(reference()).toBe("secret://aws/prod/db#password");

    await user.keyboard("{ArrowLeft}"); // a key: to its secret
    expect(activeLabel()).toBe("db");
    await user.keyboard("{ArrowLeft}"); // closes the secret
    expect(row("db")).toHaveAttribute("aria-expanded", "false");
    expect(labels()).toEqual(["prod/", "api", "db", "top"]);
    await user.keyboard("{ArrowLeft}"); // to the folder
    expect(activeLabel()).toBe("prod/");
    await user.keyboard("{Enter}"); // Enter on a folder closes it
    expect(labels()).toEqual(["prod/", "top"]);
    await user.keyboard("{End}");
    expect(activeLabel()).toBe("top");
    await user.keyboard("{Home}");
    expect(activeLabel()).toBe("prod/");
    await user.keyboard("t"); // type-ahead
    expect(activeLabel()).toBe("top");
    // The picked key is still the reference.
    expect(reference()).toBe("secret://aws/prod/db#password");
  });

  it("keeps only the visible rows in the DOM with 5,000 secrets loaded", async () => {
    const names = Array.from({ length: 5000 }, (_, i) => `secret-${String(i).padStart(4, "0")}`);
    fakeBackend({ list_secrets: listing({ "|": page(names) }) });
    const { user } = renderPicker();
    await findRow("secret-0000");
    expect(items().length).toBeLessThan(60);
    expect(screen.getByRole("tree").firstElementChild).toHaveStyle({ height: `${5000 * 32}px` });
    expect(labels()).not.toContain("secret-4999");

    // Scrolling renders the rows that came into view, and only those.
    fireEvent.scroll(tree(), { target: { scrollTop: 32 * 2500 } });
    await findRow("secret-2500");
    expect(labels()).not.toContain("secret-0001");
    expect(labels()).not.toContain("secret-0100");
    expect(labels()[0]).toBe("secret-0000"); // the active row stays, for aria-activedescendant
    expect(items().length).toBeLessThan(60);

    // End moves to the last row, which is rendered for aria-activedescendant.
    act(() => tree().focus());
    await user.keyboard("{End}");
    expect(activeLabel()).toBe("secret-4999");
    expect(items().length).toBeLessThan(60);
    expect(row("secret-4999")).toHaveAttribute("aria-posinset", "5000");
    expect(row("secret-4999")).toHaveAttribute("aria-setsize", "5000");
  });

  it("shows a folder that fails to load as an inline error row with Retry", async () => {
    let fail = true;
    fakeBackend({
      list_secrets: ({ prefix }) => {
        if (prefix === "prod/" && fail) throw apiError("access_denied", "not allowed to list prod/");
        return prefix === "prod/" ? page(["prod/db"]) : page(["prod/db"]);
      },
    });
    const { user } = renderPicker();
    await user.click(await findRow("prod/"));
    await findRow("not allowed to list prod/");
    expect(screen.queryByRole("alert")).toBeNull(); // no banner for a folder
    fail = false;
    await user.click(screen.getByRole("button", { name: "Retry" }));
    await findRow("db", 2);
    expect(labels()).toEqual(["prod/", "db"]);
  });

  it("shows a failed first page as a banner that can try again", async () => {
    let fail = true;
    fakeBackend({
      list_secrets: () => {
        if (fail) throw apiError("unreachable", "could not reach AWS");
        return page(["db"]);
      },
    });
    const { user } = renderPicker();
    expect(await screen.findByRole("alert")).toHaveTextContent("could not reach AWS");
    fail = false;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await findRow("db");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("says so when the manager has no secrets", async () => {
    fakeBackend({ list_secrets: () => page([]) });
    renderPicker();
    expect(await screen.findByText("No secrets in this manager.")).toBeInTheDocument();
  });

  it("starts a fresh tree when another manager is chosen", async () => {
    const calls = fakeBackend({
      list_secrets: ({ providerId }) => page(providerId === "p1" ? ["one/a"] : ["two"]),
      describe_secret: ({ name }) => info(name as string),
      secret_json_keys: jsonKeys,
    });
    const { user } = renderPicker([AWS, provider("p2", "other")]);
    await user.click(await findRow("one/"));
    await user.click(await findRow("a"));
    expect(reference()).toBe("secret://aws/one/a");
    await user.selectOptions(screen.getByRole("combobox", { name: "Secrets manager" }), "p2");
    await findRow("two");
    expect(labels()).toEqual(["two"]);
    expect(reference()).toBe("");
    expect(listCalls(calls).at(-1)).toEqual({ providerId: "p2", prefix: null, page: null });
  });
});

/** Why Vault's deleted and destroyed versions cannot be used, as the engine says it. */
const DELETED = "Deleted: undelete this version in Vault (or pick another) to use it.";
const DESTROYED = "Destroyed: this version's data is gone for good, so it cannot be used.";

describe("SecretPicker with a Vault / OpenBao manager", () => {
  const BAO: ProviderView_Serialize = {
    ...provider("v1", "bao"),
    kind: "vault",
    kind_label: "HashiCorp Vault / OpenBao",
  };
  const vaultInfo = (name: string): SecretInfo_Serialize => ({
    secret: { ...item(name), id: name, tags: [] },
    versions: [
      {
        id: "4",
        stages: ["current"],
        created: "2026-03-04T00:00:00Z",
        enabled: true,
        updated: null,
        expires: null,
        not_before: null,
        current_stage: "current",
        unusable: null,
        unusable_stage: null,
        pin_stage: null,
      },
      {
        id: "3",
        stages: ["deleted"],
        created: "2026-03-03T00:00:00Z",
        enabled: false,
        updated: null,
        expires: null,
        not_before: null,
        current_stage: null,
        unusable: DELETED,
        unusable_stage: "deleted",
        pin_stage: null,
      },
      {
        id: "2",
        stages: ["destroyed"],
        created: "2026-03-02T00:00:00Z",
        enabled: false,
        updated: null,
        expires: null,
        not_before: null,
        current_stage: null,
        unusable: DESTROYED,
        unusable_stage: "destroyed",
        pin_stage: null,
      },
      {
        id: "1",
        stages: [],
        created: "2026-03-01T00:00:00Z",
        enabled: true,
        updated: null,
        expires: null,
        not_before: null,
        current_stage: null,
        unusable: null,
        unusable_stage: null,
        pin_stage: null,
      },
    ],
  });

  it("shows mounts and folders (names ending in /) as folders, down to a key", async () => {
    const calls = fakeBackend({
      list_secrets: listing({
        "|": page(["legacy/", "secret/"]),
        "secret/|": page(["secret/apps/", "secret/top"]),
        "secret/apps/|": page(["secret/apps/billing/"]),
        "secret/apps/billing/|": page(["secret/apps/billing/db"]),
      }),
      describe_secret: ({ name }) => vaultInfo(name as string),
      secret_json_keys: () => ["password", "username"],
    });
    const { user, onPick } = renderPicker([BAO]);
    await findRow("secret/");
    expect(labels()).toEqual(["legacy/", "secret/"]);
    expect(row("secret/")).toHaveAttribute("data-kind", "folder");
    await user.click(row("secret/"));
    await findRow("apps/", 2);
    expect(labels()).toEqual(["legacy/", "secret/", "apps/", "top"]);
    expect(row("apps/", 2)).toHaveAttribute("data-kind", "folder");
    await user.click(row("apps/", 2));
    await user.click(await findRow("billing/", 3));
    await user.click(await findRow("db", 4));
    await user.click(await findRow("password", 5));
    expect(reference()).toBe("secret://bao/secret/apps/billing/db#password");
    await user.click(screen.getByRole("button", { name: "Use this secret" }));
    expect(onPick).toHaveBeenCalledWith("secret://bao/secret/apps/billing/db#password");
    expect(listCalls(calls).map((a) => a.prefix)).toEqual([
      null,
      "secret/",
      "secret/apps/",
      "secret/apps/billing/",
    ]);
  });

  it("marks the current version, and shows deleted and destroyed ones muted and not pickable", async () => {
    const calls = fakeBackend({
      list_secrets: listing({ "|": page(["secret/"]), "secret/|": page(["secret/db"]) }),
      describe_secret: ({ name }) => vaultInfo(name as string),
      secret_json_keys: () => ["password"],
    });
    const { user } = renderPicker([BAO]);
    await user.click(await findRow("secret/"));
    await user.click(await findRow("db", 2));
    await findRow("4", 3);
    expect(labels()).toEqual(["secret/", "db", "password", "4", "3", "2", "1"]);
    const badge = (label: string) => row(label, 3).querySelector('[data-testid="stage-badge"]');
    expect(badge("4")).toHaveTextContent("current");
    expect(badge("4")).toHaveClass("badge-accent");
    expect(badge("3")).toHaveTextContent("deleted");
    expect(badge("3")).not.toHaveClass("badge-accent");
    expect(badge("2")).toHaveTextContent("destroyed");
    // The stage already says why: no extra "disabled" badge.
    expect(screen.queryByTestId("version-disabled")).toBeNull();

    for (const [label, why] of [
      ["3", /Deleted: undelete/],
      ["2", /Destroyed: .* gone for good/],
    ] as const) {
      const gone = row(label, 3);
      expect(gone).toHaveClass("tree-gone");
      expect(gone).toHaveAttribute("aria-disabled", "true");
      expect(gone).not.toHaveAttribute("aria-selected");
      expect(gone).not.toHaveAttribute("aria-expanded");
      expect(gone.getAttribute("title")).toMatch(why);
      await user.click(gone);
      expect(gone).not.toHaveAttribute("aria-selected");
    }
    // Clicking them picked nothing and read no keys of theirs.
    expect(reference()).toBe("secret://bao/secret/db");
    const keyCalls = calls.filter(([c]) => c === "secret_json_keys").map(([, a]) => a.version);
    expect(keyCalls).not.toContain("3");
    expect(keyCalls).not.toContain("2");

    // A readable old version is pinned by its number; Vault offers no stage pinning.
    await user.click(row("1", 3));
    expect(row("1", 3)).toHaveAttribute("aria-selected", "true");
    expect(reference()).toBe("secret://bao/secret/db?version=1");
    expect(screen.queryByTestId("picker-pin")).toBeNull();
  });

  it("goes past a folder the policy cannot list: the filter's folders open like the tree's", async () => {
    const calls = fakeBackend({
      list_secrets: ({ prefix }) => {
        if (prefix === "secret/")
          throw apiError("access_denied", 'permission denied: list on "secret/metadata/"');
        return listing({
          "|": page(["secret/"]),
          "secret/apps/|": page(["secret/apps/billing/", "secret/apps/crm/"]),
          "secret/apps/billing/|": page(["secret/apps/billing/api", "secret/apps/billing/db"]),
        })({ prefix, page: null });
      },
      describe_secret: ({ name }) => vaultInfo(name as string),
      secret_json_keys: () => ["host", "password", "username"],
    });
    const { user } = renderPicker([BAO]);
    await user.click(await findRow("secret/"));
    await waitFor(() => expect(items().some((el) => el.dataset.kind === "error")).toBe(true));

    await user.type(screen.getByRole("searchbox", { name: "Filter by name" }), "secret/apps/");
    await findRow("secret/apps/billing/", 1);
    expect(labels()).toEqual(["secret/apps/billing/", "secret/apps/crm/"]);
    expect(row("secret/apps/billing/")).toHaveAttribute("data-kind", "folder");
    await user.click(row("secret/apps/billing/"));
    await user.click(await findRow("db", 2));
    await user.click(await findRow("password", 3));
    expect(reference()).toBe("secret://bao/secret/apps/billing/db#password");
    expect(listCalls(calls).map((a) => a.prefix)).toContain("secret/apps/billing/");
  });

  it("refuses the secret itself when its current version is deleted, and offers a readable one", async () => {
    fakeBackend({
      list_secrets: listing({ "|": page(["secret/"]), "secret/|": page(["secret/db"]) }),
      describe_secret: ({ name }) => ({
        ...vaultInfo(name as string),
        versions: [
          {
            ...vaultInfo("x").versions[0],
            stages: ["current", "deleted"],
            enabled: false,
            unusable: DELETED,
            unusable_stage: "deleted",
          },
          vaultInfo("x").versions[3],
        ],
      }),
      secret_json_keys: () => ["password"],
    });
    const { user } = renderPicker([BAO]);
    await user.click(await findRow("secret/"));
    await user.click(await findRow("db", 2));
    const note = "The current version is deleted: pick an enabled version";
    await findRow(note, 3);
    expect(labels()).toEqual(["secret/", "db", note, "4", "1"]);
    expect(reference()).toBe("");
    expect(screen.getByTestId("picker-blocked")).toHaveTextContent(note);
    await user.click(row("1", 3));
    expect(reference()).toBe("secret://bao/secret/db?version=1");
  });

  it("offers no stage pin when the engine gives the version none, even when a stage reads AWSPREVIOUS", async () => {
    fakeBackend({
      list_secrets: listing({ "|": page(["db"]) }),
      describe_secret: ({ name }) => ({
        ...info(name as string),
        versions: info(name as string).versions.map((v) => ({ ...v, pin_stage: null })),
      }),
      secret_json_keys: jsonKeys,
    });
    const { user } = renderPicker([BAO]);
    await user.click(await findRow("db"));
    await user.click(await findRow(PREVIOUS_ID.slice(0, 8)));
    expect(reference()).toBe(`secret://bao/db?version=${PREVIOUS_ID}`);
    expect(screen.queryByTestId("picker-pin")).toBeNull();
    expect(screen.queryByRole("radio", { name: /By stage AWSPREVIOUS/ })).toBeNull();
  });

  it("pins by whatever stage the engine offers, whatever the manager's kind", async () => {
    fakeBackend({
      list_secrets: listing({ "|": page(["db"]) }),
      describe_secret: ({ name }) => ({
        ...vaultInfo(name as string),
        versions: [vaultInfo("x").versions[0], { ...vaultInfo("x").versions[3], pin_stage: "previous" }],
      }),
      secret_json_keys: jsonKeys,
    });
    const { user } = renderPicker([BAO]);
    await user.click(await findRow("db"));
    await user.click(await findRow("1"));
    expect(reference()).toBe("secret://bao/db?version=1");
    await user.click(screen.getByRole("radio", { name: /By stage previous/ }));
    expect(reference()).toBe("secret://bao/db?stage=previous");
  });
});

describe("SecretPicker with an Azure Key Vault manager", () => {
  const KV: ProviderView_Serialize = {
    ...provider("z1", "kv"),
    kind: "azure_key_vault",
    kind_label: "Azure Key Vault",
  };
  /** A Key Vault secret: its name has no "/", the provider's grouping gives its place in the tree. */
  const azureItem = (name: string, path: string | null): SecretItem_Serialize => ({
    ...item(name),
    path,
    id: `https://billing-kv.vault.azure.net/secrets/${name}`,
    tags: [],
  });
  const azurePage = (entries: [string, string | null][]): SecretPage_Serialize => ({
    items: entries.map(([name, path]) => azureItem(name, path)),
    next: null,
  });
  const version = (
    id: string,
    stages: string[],
    enabled: boolean,
    times: Partial<SecretVersionItem_Serialize> = {},
  ): SecretVersionItem_Serialize => {
    // As the engine derives them from Key Vault's attributes.
    const unusable_stage =
      stages.find((s) => ["expired", "not yet valid", "disabled"].includes(s)) ??
      (enabled ? null : "disabled");
    const unusable =
      unusable_stage === null
        ? null
        : ({
            expired:
              "Expired: this version can no longer be read; extend its expiry in Key Vault, or pick another.",
            "not yet valid":
              "Not yet valid: this version can be read from its activation date (not before) on.",
          }[unusable_stage] ?? "Disabled: this version cannot be read.");
    return {
      id,
      stages,
      created: "2026-03-01T00:00:00Z",
      enabled,
      updated: null,
      expires: null,
      not_before: null,
      current_stage: stages.includes("latest") ? "latest" : null,
      unusable,
      unusable_stage,
      pin_stage: null,
      ...times,
    };
  };
  const LATEST = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  const OLDER = "aa11bb22cc33dd44ee55ff6677889900";
  const EXPIRED = "99887766554433221100ffeeddccbbaa";
  const LATER = "5555666677778888999900001111aaaa";

  it("places secrets by their path (tag or separator grouping) while references and calls use the name", async () => {
    const calls = fakeBackend({
      list_secrets: listing({
        "|": azurePage([
          ["billing-db-password", "billing/db-password"],
          ["app-db", "(no team)/app-db"],
        ]),
        "billing/|": azurePage([["billing-db-password", "billing/db-password"]]),
        "billing|": azurePage([["billing-db-password", "billing/db-password"]]),
      }),
      describe_secret: ({ name }) => ({
        secret: azureItem(name as string, "billing/db-password"),
        versions: [version(LATEST, ["latest"], true)],
      }),
      secret_json_keys: () => ["password", "username"],
    });
    const { user, onPick } = renderPicker([KV]);
    await findRow("billing/");
    expect(labels()).toEqual(["(no team)/", "billing/"]);
    expect(row("billing/")).toHaveAttribute("data-kind", "folder");

    await user.click(row("billing/"));
    await findRow("db-password", 2);
    expect(row("db-password", 2)).toHaveAttribute("data-kind", "secret");
    expect(listCalls(calls)).toContainEqual({ providerId: "z1", prefix: "billing/", page: null });
    await user.click(row("db-password", 2));
    await findRow("password", 3);
    expect(calls).toContainEqual(["describe_secret", { providerId: "z1", name: "billing-db-password" }]);
    expect(calls).toContainEqual([
      "secret_json_keys",
      { providerId: "z1", name: "billing-db-password", version: null },
    ]);
    expect(reference()).toBe("secret://kv/billing-db-password");
    expect(screen.getByTestId("picker-detail")).toHaveTextContent("billing-db-password");
    // The latest version is the current one: first and accented.
    const latest = row(LATEST.slice(0, 8), 3).querySelector('[data-testid="stage-badge"]');
    expect(latest).toHaveTextContent("latest");
    expect(latest).toHaveClass("badge-accent");

    await user.click(row("password", 3));
    expect(reference()).toBe("secret://kv/billing-db-password#password");
    await user.click(screen.getByRole("button", { name: "Use this secret" }));
    expect(onPick).toHaveBeenCalledWith("secret://kv/billing-db-password#password");

    // The filter is passed through; its flat results show the paths.
    await user.type(screen.getByRole("searchbox", { name: "Filter by name" }), "billing");
    await findRow("billing/db-password", 1);
    expect(labels()).toEqual(["billing/db-password"]);
    expect(listCalls(calls).at(-1)).toEqual({ providerId: "z1", prefix: "billing", page: null });
  });

  it("refuses the secret itself when its latest version is disabled, and disabled or expired versions", async () => {
    const calls = fakeBackend({
      list_secrets: listing({ "|": azurePage([["app-db", null]]) }),
      describe_secret: ({ name }) => ({
        secret: azureItem(name as string, null),
        versions: [
          version(EXPIRED, ["expired"], false, {
            created: "2026-01-01T00:00:00Z",
            expires: "2026-02-01T00:00:00Z",
          }),
          version(OLDER, [], true, {
            created: "2026-02-01T00:00:00Z",
            updated: "2026-02-15T08:30:00Z",
            not_before: "2026-02-01T00:00:00Z",
            expires: "2027-02-01T00:00:00Z",
          }),
          version(LATER, ["not yet valid"], false, {
            created: "2026-02-20T00:00:00Z",
            not_before: "2099-01-01T00:00:00Z",
          }),
          version(LATEST, ["latest", "disabled"], false, { created: "2026-03-01T00:00:00Z" }),
        ],
      }),
      secret_json_keys: () => ["password"],
    });
    const { user } = renderPicker([KV]);
    await user.click(await findRow("app-db"));
    const note = "The latest version is disabled: pick an enabled version";
    await findRow(note, 2);
    // No keys of the latest value: the note stands in their place.
    expect(labels()).toEqual([
      "app-db",
      note,
      LATEST.slice(0, 8),
      LATER.slice(0, 8),
      OLDER.slice(0, 8),
      EXPIRED.slice(0, 8),
    ]);
    expect(row(note, 2)).toHaveAttribute("data-kind", "blocked");
    expect(row(note, 2)).not.toHaveAttribute("aria-selected");

    // The secret itself (the latest) is refused, with the note in the details.
    expect(row("app-db")).toHaveAttribute("aria-selected", "true");
    expect(reference()).toBe("");
    expect(screen.getByRole("button", { name: "Use this secret" })).toBeDisabled();
    expect(screen.getByTestId("picker-blocked")).toHaveTextContent(note);

    // Badges: latest accented, the reasons in the warning colour, no extra "disabled".
    const badges = (id: string) =>
      Array.from(row(id.slice(0, 8), 2).querySelectorAll('[data-testid="stage-badge"]'));
    expect(badges(LATEST).map((b) => b.textContent)).toEqual(["latest", "disabled"]);
    expect(badges(LATEST)[0]).toHaveClass("badge-accent");
    expect(badges(LATEST)[1]).toHaveClass("badge-warn");
    expect(badges(EXPIRED)[0]).toHaveTextContent("expired");
    expect(badges(LATER)[0]).toHaveTextContent("not yet valid");
    expect(screen.queryByTestId("version-disabled")).toBeNull();
    expect(
      row(EXPIRED.slice(0, 8), 2).querySelector('[data-testid="version-row-expires"]'),
    ).toHaveTextContent(/^expires /);

    // Disabled, not-yet-valid and expired versions are not pickable, nor opened.
    for (const [id, why] of [
      [LATEST, /^Disabled: /],
      [LATER, /^Not yet valid: /],
      [EXPIRED, /^Expired: /],
    ] as const) {
      const gone = row(id.slice(0, 8), 2);
      expect(gone).toHaveAttribute("aria-disabled", "true");
      expect(gone).not.toHaveAttribute("aria-expanded");
      expect(gone.getAttribute("title")).toMatch(why);
      await user.click(gone);
      expect(gone).not.toHaveAttribute("aria-selected");
    }
    expect(reference()).toBe("");
    const keyVersions = calls.filter(([c]) => c === "secret_json_keys").map(([, a]) => a.version);
    expect(keyVersions).not.toContain(LATEST);
    expect(keyVersions).not.toContain(EXPIRED);

    // An enabled older version is pinned by its ID, with its times in the details.
    await user.click(row(OLDER.slice(0, 8), 2));
    expect(row(OLDER.slice(0, 8), 2)).toHaveAttribute("aria-selected", "true");
    expect(reference()).toBe(`secret://kv/app-db?version=${OLDER}`);
    expect(screen.getByRole("button", { name: "Use this secret" })).toBeEnabled();
    expect(screen.queryByTestId("picker-blocked")).toBeNull();
    expect(screen.getByTestId("version-updated")).not.toBeEmptyDOMElement();
    expect(screen.getByTestId("version-not-before")).not.toBeEmptyDOMElement();
    expect(screen.getByTestId("version-expires")).not.toBeEmptyDOMElement();
    const detail = screen.getByTestId("picker-detail");
    for (const term of ["Updated", "Not before", "Expires"]) expect(detail).toHaveTextContent(term);
    expect(screen.queryByTestId("picker-pin")).toBeNull();
  });

  it("lets the secret itself be picked when its latest version is enabled", async () => {
    fakeBackend({
      list_secrets: listing({ "|": azurePage([["app-db", null]]) }),
      describe_secret: ({ name }) => ({
        secret: azureItem(name as string, null),
        versions: [version(LATEST, ["latest"], true), version(OLDER, ["disabled"], false)],
      }),
      secret_json_keys: () => [],
    });
    const { user, onPick } = renderPicker([KV]);
    await user.click(await findRow("app-db"));
    await findRow("Not a JSON object: the whole value is used");
    expect(screen.queryByTestId("picker-blocked")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Use this secret" }));
    expect(onPick).toHaveBeenCalledWith("secret://kv/app-db");
  });
});

describe("SecretPicker and the secrets mode", () => {
  const billingAws = { ...provider("b1", "billing-aws"), project_id: "p-billing" };
  const billingBao = {
    ...provider("b2", "billing-bao"),
    kind: "vault" as const,
    kind_label: "HashiCorp Vault / OpenBao",
    project_id: "p-billing",
  };
  const opsAws = { ...provider("o1", "ops-aws"), project_id: "p-ops" };

  function renderScoped(props: Partial<Parameters<typeof SecretPicker>[0]>) {
    const calls = fakeBackend({ list_secrets: listing({ "|": page(["db"]) }) });
    render(
      <SecretPicker
        providers={[billingAws, billingBao, opsAws]}
        onPick={() => {}}
        onClose={() => {}}
        {...props}
      />,
    );
    return calls;
  }
  const offered = () =>
    Array.from(screen.getByRole("combobox", { name: "Secrets manager" }).querySelectorAll("option")).map(
      (o) => o.textContent,
    );

  it("offers only the connection's project's managers in project mode, and says so", async () => {
    const calls = renderScoped({ mode: "project", projectId: "p-ops" });
    expect(offered()).toEqual(["ops-aws (AWS Secrets Manager)"]);
    expect(screen.getByTestId("picker-mode")).toHaveTextContent("Project mode");
    await findRow("db");
    expect(listCalls(calls)).toEqual([{ providerId: "o1", prefix: null, page: null }]);
  });

  it("offers both of a project's managers to its connections, and none of another project's", () => {
    renderScoped({ mode: "project", projectId: "p-billing" });
    expect(offered()).toEqual([
      "billing-aws (AWS Secrets Manager)",
      "billing-bao (HashiCorp Vault / OpenBao)",
    ]);
  });

  it("says so when the connection's project has no manager of its own", () => {
    renderScoped({ mode: "project", projectId: "p-new" });
    expect(screen.queryByRole("combobox", { name: "Secrets manager" })).toBeNull();
    expect(screen.getByTestId("picker-empty")).toHaveTextContent(
      "This project has no secrets manager yet (project mode): add one under Secrets managers.",
    );
    expect(screen.getByTestId("picker-mode")).toHaveTextContent("Project mode");
  });

  it("offers every manager in workspace mode", () => {
    fakeBackend({ list_secrets: listing({ "|": page(["db"]) }) });
    render(
      <SecretPicker
        providers={[AWS, provider("p2", "other")]}
        mode="workspace"
        projectId="p-ops"
        onPick={() => {}}
        onClose={() => {}}
      />,
    );
    expect(offered()).toEqual(["aws (AWS Secrets Manager)", "other (AWS Secrets Manager)"]);
    expect(screen.getByTestId("picker-mode")).toHaveTextContent("Workspace mode");
  });

  it("shows that the managers are loading, then why they failed to", () => {
    const { rerender } = render(<SecretPicker providers={[]} loading onPick={() => {}} onClose={() => {}} />);
    expect(screen.getByRole("status")).toHaveTextContent("Loading secrets managers…");
    rerender(
      <SecretPicker
        providers={[]}
        error={new CommandError(apiError("database", "The database is locked."))}
        onPick={() => {}}
        onClose={() => {}}
      />,
    );
    expect(screen.getByRole("alert")).toHaveTextContent("The database is locked.");
  });
});

describe("SecretPicker details: used by, and reveal", () => {
  const CANARY = "canary-picker-value-91c2";

  function renderDetails(handlers: Record<string, Handler> = {}, revealEnabled = false) {
    const calls = fakeBackend({
      list_secrets: listing({ "|": page(["db", "unused"]) }),
      describe_secret: ({ name }) => info(name as string),
      secret_json_keys: jsonKeys,
      secret_used_by: ({ secret }) =>
        secret === "db"
          ? [
              {
                connection_id: "c1",
                connection: "Billing DB",
                project: "Default",
                field: "password",
                json_key: "password",
              },
              { connection_id: "c2", connection: "Orders DB", project: "Ops", field: "user", json_key: null },
            ]
          : [],
      ...handlers,
    });
    render(
      <ToastProvider>
        <SecretPicker providers={[AWS]} revealEnabled={revealEnabled} onPick={() => {}} onClose={() => {}} />
      </ToastProvider>,
    );
    return { calls, user: userEvent.setup() };
  }

  it("lists the connection fields that use the chosen secret, or says none does", async () => {
    const { calls, user } = renderDetails();
    await user.click(await findRow("db"));
    const usedBy = await screen.findByTestId("picker-used-by");
    await waitFor(() => expect(within(usedBy).getAllByTestId("picker-use")).toHaveLength(2));
    expect(usedBy).toHaveTextContent("Billing DB password › password · Default");
    expect(usedBy).toHaveTextContent("Orders DB user · Ops");
    expect(calls).toContainEqual(["secret_used_by", { providerId: "p1", secret: "db" }]);

    await user.click(row("unused"));
    await waitFor(() =>
      expect(screen.getByTestId("picker-used-by")).toHaveTextContent("Not used by any connection"),
    );
    // No reveal while the workspace has it off.
    expect(screen.queryByTestId("picker-reveal")).toBeNull();
  });

  it("shows why the uses could not be loaded, with a retry", async () => {
    let fail = true;
    const { user } = renderDetails({
      secret_used_by: () => {
        if (fail) throw apiError("database", "The database is locked.");
        return [];
      },
    });
    await user.click(await findRow("db"));
    const usedBy = screen.getByTestId("picker-used-by");
    await waitFor(() => expect(usedBy).toHaveTextContent("The database is locked."));
    fail = false;
    await user.click(within(usedBy).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(usedBy).toHaveTextContent("Not used by any connection"));
  });

  it("reveals the chosen version's JSON key after asking, and drops it when another is chosen", async () => {
    const { calls, user } = renderDetails(
      { reveal_secret: () => ({ value: CANARY, version_id: PREVIOUS_ID, hide_after_secs: 30 }) },
      true,
    );
    await user.click(await findRow("db"));
    await user.click(await findRow(PREVIOUS_ID.slice(0, 8)));
    await user.click(await findRow("password", 3));
    await user.click(screen.getByTestId("picker-reveal"));
    const confirm = screen.getByRole("dialog", { name: "Reveal this value?" });
    expect(confirm).toHaveTextContent(
      `Reveal the value of secret://aws/db?version=${PREVIOUS_ID}#password? The reveal is recorded in the audit log.`,
    );
    await user.click(within(confirm).getByRole("button", { name: "Reveal" }));
    const box = await screen.findByTestId("revealed-value");
    expect(box).toHaveTextContent(CANARY);
    expect(within(screen.getByTestId("picker-detail")).getByTestId("revealed")).toContainElement(box);
    expect(argsOf(calls, "reveal_secret")).toEqual([
      {
        request: {
          provider_id: "p1",
          secret: "db",
          version: PREVIOUS_ID,
          json_key: "password",
          purpose: "reveal",
        },
      },
    ]);
    // The picker dialog is still open, with its own buttons.
    expect(screen.getByRole("button", { name: "Use this secret" })).toBeEnabled();

    await user.click(row("db", 1));
    expect(screen.queryByTestId("revealed-value")).toBeNull();
    expect(document.body.innerHTML).not.toContain(CANARY);
  });

  it("hides the value with Hide and gives the focus back to Reveal", async () => {
    const { user } = renderDetails(
      { reveal_secret: () => ({ value: CANARY, version_id: CURRENT_ID, hide_after_secs: 30 }) },
      true,
    );
    await user.click(await findRow("db"));
    await user.click(screen.getByTestId("picker-reveal"));
    await user.click(
      within(screen.getByRole("dialog", { name: "Reveal this value?" })).getByRole("button", {
        name: "Reveal",
      }),
    );
    await screen.findByTestId("revealed-value");
    expect(screen.getByRole("button", { name: "Copy" })).toHaveFocus();
    await user.click(screen.getByRole("button", { name: "Hide" }));
    expect(screen.queryByTestId("revealed-value")).toBeNull();
    expect(screen.getByTestId("picker-reveal")).toHaveFocus();
  });
});
