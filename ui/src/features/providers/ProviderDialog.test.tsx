// The setup dialog is drawn from a kind's declaration and nothing else: these tests read
// each kind's form off its declaration (test/managers.ts, as `provider_types` gives it),
// and a made-up kind declared only here gets a working form, chooser card and row.
import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ManagerSpec_Serialize, ProviderKind, ProviderView_Serialize } from "../../ipc/api";
import { apiError, type Calls, fakeBackend, inputsOf } from "../../test/ipc";
import { awsSpec, managerField, managerTypes, managerView, note, vaultSpec, when } from "../../test/managers";
import { renderProviderDialog, renderProvidersPage } from "../../test/providers";

const plain = (value: string) => ({ source: "plain", value });
const fieldsOf = (calls: Calls, cmd: string) => inputsOf(calls, cmd)[0].fields as Record<string, unknown>;
/** Whether the field's label carries the required star. */
const starred = (input: HTMLElement) => document.querySelector(`label[for="${input.id}"] .required`) !== null;
const advancedSection = () => screen.getByText("Advanced").closest("details") as HTMLElement;

/**
 * The main part of the form in DOM order (Advanced left out): each field by its label,
 * each note as `note:<test id>` (the AWS external ID box as `note:external-id`).
 */
function layout(): string[] {
  const grid = screen.getByRole("form").querySelector(":scope > .form-grid") as HTMLElement;
  return Array.from(grid.children).map((el) => {
    const id = el.getAttribute("data-testid");
    if (id) return `note:${id}`;
    if (el.querySelector('[data-testid="external-id"]')) return "note:external-id";
    return el.querySelector("label")?.firstChild?.textContent ?? "?";
  });
}

/** A kind no engine has: declared only here, to show that nothing in the UI is per kind. */
const acmeSpec: ManagerSpec_Serialize = {
  kind: "acme_lockbox" as ProviderKind,
  label: "Acme Lockbox",
  description: "A lockbox declared only in this test.",
  intro: "Latchkey opens the lockbox with this key.",
  available: true,
  auth_field: "mode",
  fields: [
    managerField("endpoint", "Endpoint", "url", true, { placeholder: "https://lockbox.example" }),
    managerField("mode", "Open with", "choice", true, {
      default: "key",
      choices: [
        { value: "key", label: "A key", help: "A key kept in the OS keychain." },
        { value: "badge", label: "A badge", help: "A badge number and an optional PIN." },
      ],
    }),
    managerField("key", "Lockbox key", "secret", true, {
      show_when: when("mode", "key"),
      help: "From the lockbox's back panel.",
    }),
    managerField("owner", "Owner", "text", false, {
      show_when: when("mode", "key", "badge"),
      required_when: when("mode", "badge"),
    }),
    managerField("pin", "PIN", "secret", false, { show_when: when("mode", "badge") }),
    managerField("shelf", "Shelf", "text", false, { default: "A1" }),
    managerField("timeout", "Timeout (s)", "text", false, { advanced: true, default: "30" }),
    managerField("proxy", "Proxy", "url", false, { advanced: true, show_when: when("mode", "badge") }),
  ],
  notes: [
    note("acme-where", "Where", "Lockbox at **{endpoint}**, shelf {shelf}; {nothing} stays.", {
      after: "mode",
    }),
    note("acme-badge", "", "Badges open only during office hours.", {
      after: "pin",
      show_when: when("mode", "badge"),
    }),
    note("acme-end", "", "Nothing else to set."),
    note("acme-advanced", "", "Timeouts over {timeout} s are cut.", { after: "timeout" }),
    note("acme-stray", "", "Its field is not declared: it goes at the end.", { after: "nonexistent" }),
  ],
};

const acmeView = (overrides: Partial<ProviderView_Serialize> = {}) =>
  managerView(
    acmeSpec,
    {
      plain: { endpoint: "https://lb.example", mode: "key", owner: "ops", shelf: "B2" },
      stored: ["key"],
      target: "lb.example",
    },
    { id: "x1", alias: "acme", ...overrides },
  );

describe("ProviderDialog drawn from a declaration no engine has", () => {
  it("takes its title, intro, default alias, fields and notes from the declaration", async () => {
    fakeBackend({});
    const { user } = renderProviderDialog({ spec: acmeSpec });
    const dialog = screen.getByRole("dialog", { name: "Add Acme Lockbox" });
    expect(dialog).toHaveAccessibleDescription("Latchkey opens the lockbox with this key.");
    expect(screen.getByRole("form", { name: "Acme Lockbox" })).toBeInTheDocument();
    expect(screen.getByLabelText(/^Alias/)).toHaveValue("acme");
    expect(screen.getByLabelText(/^Alias/)).toHaveFocus();
    expect(layout()).toEqual([
      "Alias",
      "Endpoint",
      "Open with",
      "note:acme-where",
      "Lockbox key",
      "Owner",
      "Shelf",
      "note:acme-end",
      "note:acme-stray",
    ]);
    expect(starred(screen.getByLabelText(/^Endpoint/))).toBe(true);
    expect(screen.getByLabelText(/^Endpoint/)).toHaveAttribute("placeholder", "https://lockbox.example");
    expect(starred(screen.getByLabelText(/^Owner/))).toBe(false);
    expect(screen.getByLabelText(/^Shelf/)).toHaveValue("A1");
    expect(screen.getByLabelText(/^Open with/)).toHaveAccessibleDescription("A key kept in the OS keychain.");

    // A secret: a password input, kept in the keychain, with its own help first.
    const key = screen.getByLabelText(/^Lockbox key/);
    expect(key).toHaveAttribute("type", "password");
    expect(starred(key)).toBe(true);
    expect(key).toHaveAccessibleDescription("From the lockbox's back panel. Kept in the OS keychain only.");

    // A note's text: **bold**, and {field} filled with that field's value (or default).
    const where = screen.getByTestId("acme-where");
    expect(where).toHaveClass("banner", "banner-info");
    expect(where).toHaveTextContent("Where");
    expect(where).toHaveTextContent("Lockbox at , shelf A1; {nothing} stays.");
    await user.type(screen.getByLabelText(/^Endpoint/), "https://lb.example");
    await user.clear(screen.getByLabelText(/^Shelf/));
    expect(where).toHaveTextContent("Lockbox at https://lb.example, shelf A1;");
    expect(within(where).getByText("https://lb.example").tagName).toBe("STRONG");
    await user.type(screen.getByLabelText(/^Shelf/), "C3");
    expect(where).toHaveTextContent("shelf C3;");

    // Advanced holds the advanced fields (and the notes after them), then the cache.
    const advanced = advancedSection();
    expect(advanced).not.toHaveAttribute("open");
    expect(within(advanced).getByLabelText(/^Timeout/)).toHaveValue("30");
    expect(within(advanced).getByTestId("acme-advanced")).toHaveTextContent("Timeouts over 30 s are cut.");
    expect(within(advanced).getByLabelText(/^Cache values for/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/^Proxy/)).toBeNull();
  });

  it("shows and requires fields as the values chosen so far say, and sends only what applies", async () => {
    const calls = fakeBackend({ create_provider: () => acmeView() });
    const { user, onSaved } = renderProviderDialog({ spec: acmeSpec });
    await user.type(screen.getByLabelText(/^Endpoint/), "https://lb.example");
    await user.type(screen.getByLabelText(/^Lockbox key/), "typed-key");
    await user.selectOptions(screen.getByLabelText(/^Open with/), "badge");
    expect(screen.getByLabelText(/^Open with/)).toHaveAccessibleDescription(
      "A badge number and an optional PIN.",
    );
    expect(screen.queryByLabelText(/^Lockbox key/)).toBeNull();
    expect(starred(screen.getByLabelText(/^Owner/))).toBe(true);
    const pin = screen.getByLabelText(/^PIN/);
    expect(pin).toHaveAttribute("type", "password");
    expect(starred(pin)).toBe(false);
    expect(layout()).toEqual([
      "Alias",
      "Endpoint",
      "Open with",
      "note:acme-where",
      "Owner",
      "PIN",
      "note:acme-badge",
      "Shelf",
      "note:acme-end",
      "note:acme-stray",
    ]);
    expect(within(advancedSection()).getByLabelText(/^Proxy/)).toBeInTheDocument();
    await user.type(screen.getByLabelText(/^Owner/), "front desk");
    await user.click(screen.getByRole("button", { name: "Add" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    // The key typed before switching is not sent: it does not apply; the empty PIN is not sent either.
    expect(inputsOf(calls, "create_provider")[0]).toEqual({
      alias: "acme",
      project_id: null,
      kind: "acme_lockbox",
      fields: {
        endpoint: plain("https://lb.example"),
        mode: plain("badge"),
        owner: plain("front desk"),
        shelf: plain("A1"),
        timeout: plain("30"),
        proxy: plain(""),
      },
      cache: { ttl_secs: 3600, stale_if_error: true },
    });
  });

  it("edits a manager of that kind: prefilled settings, its stored secret kept when left empty", async () => {
    const calls = fakeBackend({ update_provider: () => acmeView() });
    const { user, onSaved } = renderProviderDialog({ spec: acmeSpec, provider: acmeView() });
    expect(screen.getByRole("heading", { name: "Edit “acme”" })).toBeInTheDocument();
    expect(screen.getByLabelText(/^Endpoint/)).toHaveValue("https://lb.example");
    expect(screen.getByLabelText(/^Shelf/)).toHaveValue("B2");
    // Not saved (it applied nowhere then): its default.
    expect(within(advancedSection()).getByLabelText(/^Timeout/)).toHaveValue("30");
    const key = screen.getByLabelText(/^Lockbox key/);
    expect(key).toHaveValue("");
    expect(key).toHaveAttribute("placeholder", "•••••••• (stored)");
    expect(key).toHaveAccessibleDescription(
      "From the lockbox's back panel. Stored in the OS keychain — leave empty to keep.",
    );
    expect(starred(key)).toBe(false);
    expect(screen.queryByLabelText(/^Forget the stored/)).toBeNull(); // required: replace it, or keep it
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(fieldsOf(calls, "update_provider")).toEqual({
      endpoint: plain("https://lb.example"),
      mode: plain("key"),
      key: { source: "keep_literal" },
      owner: plain("ops"),
      shelf: plain("B2"),
      timeout: plain("30"),
    });
  });

  it("is offered by the chooser, listed with the engine's target and sign-in label, and edited in the same dialog", async () => {
    const user = renderProvidersPage([acmeView()], { provider_types: () => [acmeSpec, ...managerTypes] });
    const [row] = await screen.findAllByTestId("provider-row");
    expect(row).toHaveTextContent("Acme Lockbox");
    expect(within(row).getByTestId("provider-location")).toHaveTextContent("lb.example");
    expect(row).toHaveTextContent("A key");
    await user.click(within(row).getByRole("button", { name: "Edit acme" }));
    expect(screen.getByRole("dialog", { name: "Edit “acme”" })).toBeInTheDocument();
    expect(screen.getByLabelText(/^Endpoint/)).toHaveValue("https://lb.example");
    await user.keyboard("{Escape}");

    await user.click(screen.getByRole("button", { name: /Add secrets manager/ }));
    const chooser = screen.getByRole("dialog", { name: "Add a secrets manager" });
    const card = within(chooser).getByRole("button", { name: /Acme Lockbox/ });
    expect(card).toHaveTextContent("A lockbox declared only in this test.");
    expect(card).toHaveFocus(); // the first kind that is available
    await user.click(card);
    expect(screen.getByRole("dialog", { name: "Add Acme Lockbox" })).toBeInTheDocument();
  });

  it("lists only what the engine declares: no kind, no card", async () => {
    const user = renderProvidersPage([], { provider_types: () => [acmeSpec] });
    await screen.findByText("No secrets manager yet");
    expect(screen.getByText(/Connect Acme Lockbox, then pick secrets/)).toBeInTheDocument();
    await user.click(screen.getAllByRole("button", { name: /Add secrets manager/ })[0]);
    const chooser = screen.getByRole("dialog", { name: "Add a secrets manager" });
    expect(
      within(chooser).getAllByRole("button", { name: /Acme|AWS|Vault|Azure|Google|Conjur/ }),
    ).toHaveLength(1);
    expect(screen.getByRole("list", { name: "Planned secrets managers" })).toBeEmptyDOMElement();
  });
});

describe("ProviderDialog for AWS Secrets Manager, from its declaration", () => {
  const renderAws = (provider?: ProviderView_Serialize, projectId: string | null = null) =>
    renderProviderDialog({ spec: awsSpec, provider, projectId, externalId: "latchkey-ext-1" });
  const signIn = () => screen.getByLabelText(/^Sign in with/);

  it("shows each sign-in method's fields, with the external ID right after the role", async () => {
    fakeBackend({});
    const { user } = renderAws();
    expect(screen.getByRole("heading", { name: "Add AWS Secrets Manager" })).toBeInTheDocument();
    expect(screen.getByLabelText(/^Alias/)).toHaveValue("aws");
    expect(screen.getByLabelText(/^Region/)).toHaveValue("us-east-1");
    expect(starred(screen.getByLabelText(/^Region/))).toBe(true);
    expect(signIn()).toHaveValue("default_chain");
    expect(signIn()).toHaveAccessibleDescription(
      "Environment variables, ~/.aws files, SSO or an instance role.",
    );
    expect(layout()).toEqual(["Alias", "Region", "Sign in with"]);

    await user.selectOptions(signIn(), "profile");
    expect(layout()).toEqual(["Alias", "Region", "Sign in with", "Profile"]);
    expect(starred(screen.getByLabelText(/^Profile/))).toBe(true);

    await user.selectOptions(signIn(), "assume_role");
    expect(layout()).toEqual([
      "Alias",
      "Region",
      "Sign in with",
      "Role ARN",
      "note:external-id",
      "Access key ID",
      "Secret access key",
    ]);
    expect(starred(screen.getByLabelText(/^Role ARN/))).toBe(true);
    expect(screen.getByTestId("external-id")).toHaveTextContent("latchkey-ext-1");
    expect(screen.getByRole("dialog")).toHaveTextContent("Generated once for this workspace.");
    // With an assumed role the source key pair is optional (required_when is access_key only).
    expect(starred(screen.getByLabelText(/^Access key ID/))).toBe(false);
    expect(starred(screen.getByLabelText(/^Secret access key/))).toBe(false);
    expect(screen.getByLabelText(/^Secret access key/)).toHaveAttribute("type", "password");

    await user.selectOptions(signIn(), "access_key");
    expect(screen.queryByTestId("external-id")).toBeNull();
    expect(starred(screen.getByLabelText(/^Access key ID/))).toBe(true);
    expect(starred(screen.getByLabelText(/^Secret access key/))).toBe(true);
  });

  it("sends an access key with its secret as a literal, and the endpoint typed under Advanced", async () => {
    const calls = fakeBackend({ create_provider: () => managerView(awsSpec, { plain: {}, target: "" }) });
    const { user, onSaved } = renderAws();
    await user.clear(screen.getByLabelText(/^Alias/));
    await user.type(screen.getByLabelText(/^Alias/), "moto");
    await user.selectOptions(signIn(), "access_key");
    await user.type(screen.getByLabelText(/^Access key ID/), "AKIATEST");
    await user.type(screen.getByLabelText(/^Secret access key/), "secret-typed");
    await user.click(screen.getByText("Advanced"));
    await user.type(screen.getByLabelText(/^Endpoint URL/), "http://127.0.0.1:5000");
    await user.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(inputsOf(calls, "create_provider")[0]).toEqual({
      alias: "moto",
      project_id: null,
      kind: "aws_secrets_manager",
      fields: {
        region: plain("us-east-1"),
        auth: plain("access_key"),
        access_key_id: plain("AKIATEST"),
        secret_access_key: { source: "literal", value: "secret-typed" },
        endpoint_url: plain("http://127.0.0.1:5000"),
      },
      cache: { ttl_secs: 3600, stale_if_error: true },
    });
  });

  const stored = (auth: string) =>
    managerView(
      awsSpec,
      {
        plain: { region: "eu-west-1", auth, access_key_id: "AKIA", endpoint_url: "http://127.0.0.1:5000" },
        stored: ["secret_access_key"],
        target: "eu-west-1 · http://127.0.0.1:5000",
      },
      { id: "a1", alias: "moto" },
    );

  it("keeps a stored secret key left empty, and opens Advanced for a stored endpoint", async () => {
    const calls = fakeBackend({ update_provider: () => stored("access_key") });
    const { user, onSaved } = renderAws(stored("access_key"));
    expect(advancedSection()).toHaveAttribute("open");
    expect(screen.getByLabelText(/^Endpoint URL/)).toHaveValue("http://127.0.0.1:5000");
    const secret = screen.getByLabelText(/^Secret access key/);
    expect(secret).toHaveAttribute("placeholder", "•••••••• (stored)");
    expect(secret).toHaveAccessibleDescription("Stored in the OS keychain — leave empty to keep.");
    expect(screen.queryByLabelText(/^Forget the stored/)).toBeNull();
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(fieldsOf(calls, "update_provider")).toMatchObject({
      access_key_id: plain("AKIA"),
      secret_access_key: { source: "keep_literal" },
    });
  });

  it("lets an optional stored secret be forgotten (an assumed role's source key)", async () => {
    const calls = fakeBackend({ update_provider: () => stored("assume_role") });
    const { user, onSaved } = renderAws(stored("assume_role"));
    await user.type(screen.getByLabelText(/^Role ARN/), "arn:aws:iam::123456789012:role/reader");
    await user.click(screen.getByLabelText("Forget the stored secret access key"));
    expect(screen.getByLabelText(/^Secret access key/)).toHaveAccessibleDescription(
      "Kept in the OS keychain only.",
    );
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const fields = fieldsOf(calls, "update_provider");
    expect(fields).toMatchObject({ auth: plain("assume_role") });
    expect(fields).not.toHaveProperty("secret_access_key");
  });

  it("shows a server error for an advanced field under it, with Advanced opened", async () => {
    fakeBackend({
      create_provider: () => {
        throw apiError("validation", "1 field needs attention", {
          endpoint_url: "The endpoint URL must start with https:// (or http:// for a local test server).",
        });
      },
    });
    const { user } = renderAws();
    expect(advancedSection()).not.toHaveAttribute("open");
    await user.click(screen.getByRole("button", { name: "Add" }));
    const endpoint = await screen.findByLabelText(/^Endpoint URL/);
    await waitFor(() => expect(endpoint).toHaveAttribute("aria-invalid", "true"));
    expect(advancedSection()).toHaveAttribute("open");
    expect(endpoint).toHaveAccessibleDescription(/must start with https:\/\//);
    await waitFor(() => expect(endpoint).toHaveFocus());
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("names the project whose external ID an AssumeRole manager sends", async () => {
    fakeBackend({});
    const { user } = renderProviderDialog({
      spec: awsSpec,
      projectId: "p-ops",
      projectName: "Ops",
      externalId: "latchkey-ops",
    });
    await user.selectOptions(signIn(), "assume_role");
    expect(screen.getByTestId("provider-dialog-scope")).toHaveTextContent("For project Ops");
    expect(screen.getByRole("dialog")).toHaveTextContent("This project's external ID");
    expect(screen.getByRole("dialog")).toHaveTextContent("Generated once for Ops");
    expect(screen.getByTestId("external-id")).toHaveTextContent("latchkey-ops");
  });
});

describe("ProviderDialog for Vault, from its declaration", () => {
  it("shows the policy note where its field sits, for every sign-in method", async () => {
    fakeBackend({});
    const { user } = renderProviderDialog({ spec: vaultSpec });
    expect(layout()).toEqual([
      "Alias",
      "Server URL",
      "Namespace",
      "Sign in with",
      "Token",
      "note:vault-policy",
    ]);
    const policy = screen.getByTestId("vault-policy");
    expect(within(policy).getByText("list").tagName).toBe("STRONG");
    expect(within(policy).getByText("read").tagName).toBe("STRONG");
    await user.selectOptions(screen.getByLabelText(/^Sign in with/), "userpass");
    expect(layout()).toEqual([
      "Alias",
      "Server URL",
      "Namespace",
      "Sign in with",
      "Username",
      "Password",
      "note:vault-policy",
    ]);
    // Advanced: the auth mount applies to AppRole and userpass only.
    expect(within(advancedSection()).getByLabelText(/^Auth mount path/)).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText(/^Sign in with/), "token");
    expect(screen.queryByLabelText(/^Auth mount path/)).toBeNull();
  });
});
