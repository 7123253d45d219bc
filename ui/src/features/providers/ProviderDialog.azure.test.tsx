import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ProviderView_Serialize } from "../../ipc/api";
import { apiError, argsOf, type Calls, fakeBackend, inputsOf } from "../../test/ipc";
import { azureSpec, managerView } from "../../test/managers";
import { renderProvidersPage as renderPage, renderProviderDialog } from "../../test/providers";

const CLIENT_SECRET = "canary-client-secret-9c1e";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "11111111-2222-3333-4444-555555555555";
const URL = "https://billing-kv.vault.azure.net/";

/** An Azure Key Vault as the engine lists it: a client secret (stored), grouped by "-". */
function kv(plain: Record<string, string> = {}, stored: string[] = ["client_secret"]) {
  const settings = {
    vault_url: URL,
    auth: "client_secret",
    tenant_id: TENANT,
    client_id: CLIENT,
    grouping: "separator",
    separator: "-",
    ...plain,
  };
  return managerView(
    azureSpec,
    { plain: settings, stored, target: settings.vault_url },
    { id: "z1", alias: "kv" },
  );
}

const renderDialog = (
  provider?: ProviderView_Serialize,
  projectId: string | null = null,
  projectName?: string,
) => renderProviderDialog({ spec: azureSpec, provider, projectId, projectName });

const fieldsOf = (calls: Calls, cmd: string) => inputsOf(calls, cmd)[0].fields as Record<string, unknown>;
const plain = (value: string) => ({ source: "plain", value });
const signIn = () => screen.getByLabelText(/^Sign in with/);
/** Whether the field's label carries the required star. */
const starred = (input: HTMLElement) => document.querySelector(`label[for="${input.id}"] .required`) !== null;

describe("ProviderDialog for Azure Key Vault", () => {
  it("sends a client-secret manager with the secret as a literal for the keychain, and only what applies", async () => {
    const calls = fakeBackend({ create_provider: () => kv() });
    const { user, onSaved } = renderDialog();
    expect(screen.getByRole("heading", { name: "Add Azure Key Vault" })).toBeInTheDocument();
    expect(screen.getByRole("dialog")).toHaveAccessibleDescription(
      "Latchkey reads secrets from one key vault with this identity.",
    );
    expect(screen.getByTestId("provider-dialog-scope")).toHaveTextContent("For the workspace");
    await user.clear(screen.getByLabelText(/^Alias/));
    await user.type(screen.getByLabelText(/^Alias/), "kv");
    const url = screen.getByLabelText(/^Vault URL/);
    expect(url).toHaveAttribute("placeholder", "https://my-vault.vault.azure.net/");
    expect(url).toHaveAccessibleDescription(
      "Public cloud: .vault.azure.net — China: .vault.azure.cn — US Government: .vault.usgovcloudapi.net",
    );
    await user.type(url, URL);
    expect(signIn()).toHaveValue("client_secret");
    expect(starred(screen.getByLabelText(/^Tenant ID/))).toBe(true);
    expect(starred(screen.getByLabelText(/^Client ID/))).toBe(true);
    await user.type(screen.getByLabelText(/^Tenant ID/), TENANT);
    await user.type(screen.getByLabelText(/^Client ID/), CLIENT);
    const secret = screen.getByLabelText(/^Client secret/);
    expect(secret).toHaveAttribute("type", "password");
    expect(starred(secret)).toBe(true);
    expect(secret).toHaveAccessibleDescription("Kept in the OS keychain only.");
    await user.type(secret, CLIENT_SECRET);
    expect(screen.queryByLabelText(/^Certificate path/)).toBeNull();
    await user.click(screen.getByRole("button", { name: "Add" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(inputsOf(calls, "create_provider")[0]).toEqual({
      alias: "kv",
      project_id: null,
      kind: "azure_key_vault",
      fields: {
        vault_url: plain(URL),
        auth: plain("client_secret"),
        tenant_id: plain(TENANT),
        client_id: plain(CLIENT),
        client_secret: { source: "literal", value: CLIENT_SECRET },
        grouping: plain("none"),
        authority_host: plain(""),
        ca_cert: plain(""),
      },
      cache: { ttl_secs: 3600, stale_if_error: true },
    });
  });

  it("keeps the stored client secret when editing without retyping it, and never shows it", async () => {
    const calls = fakeBackend({ update_provider: () => kv() });
    const { user, onSaved } = renderDialog(kv());
    expect(screen.getByRole("heading", { name: "Edit “kv”" })).toBeInTheDocument();
    expect(screen.getByLabelText(/^Vault URL/)).toHaveValue(URL);
    expect(signIn()).toHaveValue("client_secret");
    expect(screen.getByLabelText(/^Tenant ID/)).toHaveValue(TENANT);
    expect(screen.getByLabelText(/^Client ID/)).toHaveValue(CLIENT);
    const secret = screen.getByLabelText(/^Client secret/);
    expect(secret).toHaveValue("");
    expect(secret).toHaveAttribute("placeholder", "•••••••• (stored)");
    expect(secret).toHaveAccessibleDescription(/stored in the OS keychain — leave empty to keep/i);
    expect(starred(secret)).toBe(false);
    // A required secret cannot be forgotten, only replaced.
    expect(screen.queryByLabelText(/^Forget the stored/)).toBeNull();
    expect(screen.getByLabelText(/^Group the tree/)).toHaveValue("separator");
    expect(screen.getByLabelText(/^Separator/)).toHaveValue("-");
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(argsOf(calls, "update_provider")[0].id).toBe("z1");
    const fields = fieldsOf(calls, "update_provider");
    expect(fields).toMatchObject({
      client_secret: { source: "keep_literal" },
      grouping: plain("separator"),
      separator: plain("-"),
    });
    expect(fields).not.toHaveProperty("certificate_password");
    expect(fields).not.toHaveProperty("tag");
  });

  it("sends a certificate's path and its password, and no client secret", async () => {
    const calls = fakeBackend({ create_provider: () => kv() });
    const { user, onSaved } = renderDialog();
    await user.type(screen.getByLabelText(/^Vault URL/), URL);
    await user.selectOptions(signIn(), "client_certificate");
    expect(screen.queryByLabelText(/^Client secret/)).toBeNull();
    await user.type(screen.getByLabelText(/^Tenant ID/), TENANT);
    await user.type(screen.getByLabelText(/^Client ID/), CLIENT);
    await user.type(screen.getByLabelText(/^Certificate path/), "/etc/latchkey/app.pfx");
    expect(starred(screen.getByLabelText(/^Certificate path/))).toBe(true);
    const password = screen.getByLabelText(/^Certificate password/);
    expect(password).toHaveAttribute("type", "password");
    expect(starred(password)).toBe(false);
    await user.type(password, "pfx-pass");
    await user.click(screen.getByRole("button", { name: "Add" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const fields = fieldsOf(calls, "create_provider");
    expect(fields).toMatchObject({
      auth: plain("client_certificate"),
      tenant_id: plain(TENANT),
      client_id: plain(CLIENT),
      certificate_path: plain("/etc/latchkey/app.pfx"),
      certificate_password: { source: "literal", value: "pfx-pass" },
    });
    expect(fields).not.toHaveProperty("client_secret");
  });

  const withPassword = () =>
    kv({ auth: "client_certificate", certificate_path: "/etc/latchkey/app.pfx" }, ["certificate_password"]);

  it("keeps a stored certificate password when it is left empty", async () => {
    const calls = fakeBackend({ update_provider: () => kv() });
    const { user, onSaved } = renderDialog(withPassword());
    expect(screen.getByLabelText(/^Certificate path/)).toHaveValue("/etc/latchkey/app.pfx");
    const password = screen.getByLabelText(/^Certificate password/);
    expect(password).toHaveValue("");
    expect(password).toHaveAccessibleDescription(/leave empty to keep/);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const fields = fieldsOf(calls, "update_provider");
    expect(fields).toMatchObject({
      certificate_path: plain("/etc/latchkey/app.pfx"),
      certificate_password: { source: "keep_literal" },
    });
    expect(fields).not.toHaveProperty("client_secret");
  });

  it("forgets a stored optional secret when asked", async () => {
    const calls = fakeBackend({ update_provider: () => kv() });
    const { user, onSaved } = renderDialog(withPassword());
    await user.click(screen.getByLabelText("Forget the stored certificate password"));
    const password = screen.getByLabelText(/^Certificate password/);
    expect(password).toHaveAccessibleDescription("Kept in the OS keychain only.");
    expect(password).not.toHaveAttribute("placeholder", "•••••••• (stored)");
    expect(starred(password)).toBe(false);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(fieldsOf(calls, "update_provider")).not.toHaveProperty("certificate_password");
  });

  it("signs in with the Azure CLI: an optional tenant, and nothing typed for another method is sent", async () => {
    const calls = fakeBackend({ create_provider: () => kv() });
    const { user, onSaved } = renderDialog();
    await user.type(screen.getByLabelText(/^Vault URL/), URL);
    await user.type(screen.getByLabelText(/^Client ID/), CLIENT);
    await user.type(screen.getByLabelText(/^Client secret/), CLIENT_SECRET);
    await user.selectOptions(signIn(), "azure_cli");
    expect(screen.queryByLabelText(/^Client ID/)).toBeNull();
    expect(screen.queryByLabelText(/^Client secret/)).toBeNull();
    const tenant = screen.getByLabelText(/^Tenant ID/);
    expect(starred(tenant)).toBe(false);
    await user.type(tenant, TENANT);
    await user.click(screen.getByRole("button", { name: "Add" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const fields = fieldsOf(calls, "create_provider");
    expect(fields).toMatchObject({ auth: plain("azure_cli"), tenant_id: plain(TENANT) });
    for (const key of ["client_id", "client_secret", "certificate_path", "certificate_password"])
      expect(fields).not.toHaveProperty(key);
  });

  it("signs in with a managed identity: an optional user-assigned client ID, no tenant", async () => {
    const calls = fakeBackend({ create_provider: () => kv() });
    const { user, onSaved } = renderDialog();
    await user.type(screen.getByLabelText(/^Vault URL/), URL);
    await user.type(screen.getByLabelText(/^Tenant ID/), TENANT);
    await user.selectOptions(signIn(), "managed_identity");
    expect(screen.queryByLabelText(/^Tenant ID/)).toBeNull();
    const client = screen.getByLabelText(/^Client ID/);
    expect(starred(client)).toBe(false);
    expect(client).toHaveAccessibleDescription(/user-assigned identity's/);
    await user.type(client, CLIENT);
    await user.click(screen.getByRole("button", { name: "Add" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const fields = fieldsOf(calls, "create_provider");
    expect(fields).toMatchObject({ auth: plain("managed_identity"), client_id: plain(CLIENT) });
    for (const key of ["tenant_id", "client_secret", "certificate_password"])
      expect(fields).not.toHaveProperty(key);
  });

  it("offers the four methods as the auth values, and says what the vault's role or policy needs", () => {
    fakeBackend({});
    renderDialog();
    const options = within(signIn()).getAllByRole("option");
    expect(options.map((o) => [o.getAttribute("value"), o.textContent])).toEqual([
      ["client_secret", "Entra ID app — client secret"],
      ["client_certificate", "Entra ID app — certificate"],
      ["azure_cli", "Azure CLI (az login)"],
      ["managed_identity", "Managed identity"],
    ]);
    expect(signIn()).toHaveAccessibleDescription(
      "An app registration's client secret; the secret is kept in the OS keychain.",
    );
    const note = screen.getByTestId("azure-permissions");
    expect(note).toHaveClass("banner", "banner-info");
    expect(note).toHaveTextContent(
      "Latchkey needs to read and list secrets: assign the Key Vault Secrets User role on the vault (RBAC vaults), or grant the Get and List secret permissions in an access policy (access-policy vaults).",
    );
    expect(within(note).getByText("Key Vault Secrets User").tagName).toBe("STRONG");
    expect(within(note).getByText("Get").tagName).toBe("STRONG");
  });

  it("shows the grouping's own input per choice, with an example of the tree, and sends it", async () => {
    const calls = fakeBackend({ create_provider: () => kv() });
    const { user, onSaved } = renderDialog();
    const group = screen.getByLabelText(/^Group the tree/);
    expect(
      within(group)
        .getAllByRole("option")
        .map((o) => o.getAttribute("value")),
    ).toEqual(["none", "separator", "tag"]);
    expect(group).toHaveValue("none");
    expect(screen.queryByLabelText(/^Separator/)).toBeNull();
    expect(screen.queryByLabelText(/^Tag name/)).toBeNull();
    expect(screen.getAllByTestId("grouping-example")).toHaveLength(1);
    expect(screen.getByTestId("grouping-example")).toHaveTextContent("one flat list");

    await user.selectOptions(group, "separator");
    expect(screen.getByLabelText(/^Separator/)).toHaveValue("-");
    expect(screen.getAllByTestId("grouping-example")).toHaveLength(1);
    expect(screen.getByTestId("grouping-example")).toHaveTextContent(
      "billing-db-password shows as billing / db / password.",
    );
    await user.clear(screen.getByLabelText(/^Separator/));
    await user.type(screen.getByLabelText(/^Separator/), "_");
    expect(screen.getByTestId("grouping-example")).toHaveTextContent(
      "billing_db_password shows as billing / db / password.",
    );
    expect(screen.queryByLabelText(/^Tag name/)).toBeNull();

    await user.selectOptions(group, "tag");
    expect(screen.queryByLabelText(/^Separator/)).toBeNull();
    await user.type(screen.getByLabelText(/^Tag name/), "team");
    expect(screen.getByTestId("grouping-example")).toHaveTextContent(
      "app-db tagged team=billing shows as billing / app-db; untagged, as (no team) / app-db.",
    );
    await user.type(screen.getByLabelText(/^Vault URL/), URL);
    await user.type(screen.getByLabelText(/^Tenant ID/), TENANT);
    await user.type(screen.getByLabelText(/^Client ID/), CLIENT);
    await user.type(screen.getByLabelText(/^Client secret/), CLIENT_SECRET);
    await user.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const fields = fieldsOf(calls, "create_provider");
    expect(fields).toMatchObject({ grouping: plain("tag"), tag: plain("team") });
    expect(fields).not.toHaveProperty("separator");
  });

  it("shows the engine's field errors under the fields they name, and opens Advanced for its own", async () => {
    fakeBackend({
      create_provider: () => {
        throw apiError("validation", "5 fields need attention", {
          vault_url: "Enter the vault's URL, such as https://my-vault.vault.azure.net/.",
          tenant_id: "Enter the directory (tenant) ID.",
          client_secret: "Enter the client secret's value: it is kept in the OS keychain only.",
          authority_host: "The authority host starts with https://.",
          tag: "Enter the name of the tag whose value is the folder (e.g. team).",
        });
      },
    });
    const { user, onSaved } = renderDialog();
    await user.selectOptions(screen.getByLabelText(/^Group the tree/), "tag");
    expect(screen.getByText("Advanced").closest("details")).not.toHaveAttribute("open");
    await user.click(screen.getByRole("button", { name: "Add" }));

    const url = screen.getByLabelText(/^Vault URL/);
    await waitFor(() => expect(url).toHaveAttribute("aria-invalid", "true"));
    expect(url).toHaveAccessibleDescription(
      "Enter the vault's URL, such as https://my-vault.vault.azure.net/.",
    );
    expect(screen.getByLabelText(/^Tenant ID/)).toHaveAccessibleDescription(
      "Enter the directory (tenant) ID.",
    );
    expect(screen.getByLabelText(/^Client secret/)).toHaveAccessibleDescription(
      "Enter the client secret's value: it is kept in the OS keychain only.",
    );
    expect(screen.getByLabelText(/^Tag name/)).toHaveAccessibleDescription(/name of the tag/);
    expect(screen.getByLabelText(/^Client ID/)).toHaveAttribute("aria-invalid", "false");
    expect(screen.getByText("Advanced").closest("details")).toHaveAttribute("open");
    expect(screen.getByLabelText(/^Authority host/)).toHaveAccessibleDescription(
      "The authority host starts with https://.",
    );
    await waitFor(() => expect(url).toHaveFocus());
    expect(screen.queryByRole("alert")).toBeNull();
    expect(onSaved).not.toHaveBeenCalled();
  });

  it("puts an error for a field not on screen above the buttons", async () => {
    fakeBackend({
      create_provider: () => {
        throw apiError("validation", "1 field needs attention", {
          certificate_path: "Enter the path of the certificate file (PEM or PFX, with its private key).",
        });
      },
    });
    const { user } = renderDialog();
    await user.click(screen.getByRole("button", { name: "Add" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Enter the path of the certificate file");
  });

  it("tests the settings as typed and shows who signed in", async () => {
    const identity =
      "app 11111111-2222-3333-4444-555555555555 in tenant 72f988bf-86f1-41af-91ab-2d7cd011db47";
    const calls = fakeBackend({ test_provider: () => ({ identity, can_list: true, list_error: null }) });
    const { user } = renderDialog(kv());
    await user.click(screen.getByRole("button", { name: "Test" }));
    const check = await screen.findByTestId("provider-check");
    expect(check).toHaveTextContent(`Signed in as ${identity}`);
    expect(check).toHaveClass("banner-ok");
    const [args] = argsOf(calls, "test_provider");
    expect(args.id).toBe("z1");
    expect(fieldsOf(calls, "test_provider").client_secret).toEqual({ source: "keep_literal" });
  });

  it("says which project a new manager is for", () => {
    fakeBackend({});
    renderDialog(undefined, "p-billing", "Billing");
    expect(screen.getByTestId("provider-dialog-scope")).toHaveTextContent("For project Billing");
  });
});

describe("ProvidersPage with an Azure Key Vault", () => {
  it("offers Azure Key Vault as a kind and opens its form", async () => {
    const user = renderPage([]);
    await screen.findByText("No secrets manager yet");
    await user.click(screen.getAllByRole("button", { name: /Add secrets manager/ })[0]);
    const chooser = screen.getByRole("dialog", { name: "Add a secrets manager" });
    const card = within(chooser).getByRole("button", { name: /Azure Key Vault/ });
    expect(card).toBeEnabled();
    expect(card.querySelector(".kind-card-title")?.textContent).toBe("Azure Key Vault");
    expect(card).toHaveTextContent(
      "Entra ID app (client secret or certificate), Azure CLI or managed identity.",
    );
    expect(card).not.toHaveTextContent("not yet");
    await user.click(card);
    expect(screen.getByRole("dialog", { name: "Add Azure Key Vault" })).toBeInTheDocument();
    expect(screen.getByLabelText(/^Vault URL/)).toBeInTheDocument();
    const planned = screen.getByRole("list", { name: "Planned secrets managers" });
    expect(planned).not.toHaveTextContent("Azure Key Vault");
    expect(planned).toHaveTextContent("Google Secret Manager");
    expect(planned).toHaveTextContent("CyberArk Conjur");
  });

  it("lists the vault's URL and sign-in method, and edits it with the secret not stored", async () => {
    const user = renderPage([kv({ auth: "managed_identity", tenant_id: "" }, [])]);
    const [row] = await screen.findAllByTestId("provider-row");
    expect(row).toHaveTextContent("Azure Key Vault");
    expect(within(row).getByTestId("provider-location")).toHaveTextContent(URL);
    expect(row).toHaveTextContent("Managed identity");

    await user.click(within(row).getByRole("button", { name: "Edit kv" }));
    expect(screen.getByRole("dialog", { name: "Edit “kv”" })).toBeInTheDocument();
    expect(screen.getByLabelText(/^Vault URL/)).toHaveValue(URL);
    expect(signIn()).toHaveValue("managed_identity");
    expect(screen.queryByLabelText(/^Region/)).toBeNull();
    await user.selectOptions(signIn(), "client_secret");
    expect(screen.getByLabelText(/^Client secret/)).not.toHaveAttribute("placeholder", "•••••••• (stored)");
  });

  it("shows a stored client secret as stored when editing from the list", async () => {
    const user = renderPage([kv()]);
    const [row] = await screen.findAllByTestId("provider-row");
    expect(row).toHaveTextContent("Entra ID app — client secret");
    await user.click(within(row).getByRole("button", { name: "Edit kv" }));
    expect(screen.getByLabelText(/^Client secret/)).toHaveAttribute("placeholder", "•••••••• (stored)");
  });
});
