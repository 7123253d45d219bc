import { render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { AzureView, ProviderView_Serialize } from "../../ipc/api";
import { apiError, argsOf, type Calls, fakeBackend, inputsOf, providerView } from "../../test/ipc";
import { renderProvidersPage as renderPage, renderProviderDialog } from "../../test/providers";
import { AzureProviderDialog } from "./AzureProviderDialog";

const CLIENT_SECRET = "canary-client-secret-9c1e";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "11111111-2222-3333-4444-555555555555";
const URL = "https://billing-kv.vault.azure.net/";

function azureView(overrides: Partial<AzureView> = {}): AzureView {
  return {
    vault_url: URL,
    auth: "client_secret",
    tenant_id: TENANT,
    client_id: CLIENT,
    client_secret_stored: true,
    certificate_path: "",
    certificate_password_stored: false,
    authority_host: "",
    ca_cert: "",
    grouping: "separator",
    group_by: "-",
    ...overrides,
  };
}

const kv = (overrides: Partial<ProviderView_Serialize> = {}) =>
  providerView({
    id: "z1",
    alias: "kv",
    kind: "azure_key_vault",
    kind_label: "Azure Key Vault",
    azure: azureView(),
    ...overrides,
  });

const renderDialog = (provider?: ProviderView_Serialize) =>
  renderProviderDialog(AzureProviderDialog, { provider });

const azureOf = (calls: Calls, cmd: string) => inputsOf(calls, cmd)[0].azure as Record<string, unknown>;
const signIn = () => screen.getByLabelText(/^Sign in with/);
/** Whether the field's label carries the required star. */
const starred = (input: HTMLElement) => document.querySelector(`label[for="${input.id}"] .required`) !== null;

describe("AzureProviderDialog", () => {
  it("sends a client-secret manager with the secret as a literal for the keychain, and no other kind", async () => {
    const calls = fakeBackend({ create_provider: () => kv() });
    const { user, onSaved } = renderDialog();
    expect(screen.getByRole("heading", { name: "Add Azure Key Vault" })).toBeInTheDocument();
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
    expect(secret).toHaveAccessibleDescription("Kept in the OS keychain only.");
    await user.type(secret, CLIENT_SECRET);
    expect(screen.queryByLabelText(/^Certificate path/)).toBeNull();
    await user.click(screen.getByRole("button", { name: "Add" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(inputsOf(calls, "create_provider")[0]).toEqual({
      alias: "kv",
      project_id: null,
      aws: null,
      vault: null,
      azure: {
        vault_url: URL,
        auth: "client_secret",
        tenant_id: TENANT,
        client_id: CLIENT,
        client_secret: { source: "literal", value: CLIENT_SECRET },
        certificate_path: "",
        certificate_password: null,
        authority_host: "",
        ca_cert: "",
        grouping: "none",
        group_by: "",
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
    expect(screen.getByLabelText(/^Group the tree/)).toHaveValue("separator");
    expect(screen.getByLabelText(/^Separator/)).toHaveValue("-");
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const [args] = calls.filter(([c]) => c === "update_provider").map(([, a]) => a);
    expect(args.id).toBe("z1");
    expect(azureOf(calls, "update_provider")).toMatchObject({
      client_secret: { source: "keep_literal" },
      certificate_password: null,
      grouping: "separator",
      group_by: "-",
    });
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
    expect(azureOf(calls, "create_provider")).toMatchObject({
      auth: "client_certificate",
      tenant_id: TENANT,
      client_id: CLIENT,
      client_secret: null,
      certificate_path: "/etc/latchkey/app.pfx",
      certificate_password: { source: "literal", value: "pfx-pass" },
    });
  });

  const withPassword = () =>
    kv({
      azure: azureView({
        auth: "client_certificate",
        client_secret_stored: false,
        certificate_path: "/etc/latchkey/app.pfx",
        certificate_password_stored: true,
      }),
    });

  it("keeps a stored certificate password when it is left empty", async () => {
    const calls = fakeBackend({ update_provider: () => kv() });
    const { user, onSaved } = renderDialog(withPassword());
    expect(screen.getByLabelText(/^Certificate path/)).toHaveValue("/etc/latchkey/app.pfx");
    const password = screen.getByLabelText(/^Certificate password/);
    expect(password).toHaveValue("");
    expect(password).toHaveAccessibleDescription(/leave empty to keep/);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(azureOf(calls, "update_provider")).toMatchObject({
      certificate_path: "/etc/latchkey/app.pfx",
      certificate_password: { source: "keep_literal" },
      client_secret: null,
    });
  });

  it("forgets a stored certificate password when asked", async () => {
    const calls = fakeBackend({ update_provider: () => kv() });
    const { user, onSaved } = renderDialog(withPassword());
    await user.click(screen.getByLabelText(/forget the stored one/));
    expect(screen.getByLabelText(/^Certificate password/)).toHaveAccessibleDescription(
      "Kept in the OS keychain only.",
    );
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(azureOf(calls, "update_provider").certificate_password).toBeNull();
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
    const tenant = screen.getByLabelText(/^Tenant ID \(optional\)/);
    expect(starred(tenant)).toBe(false);
    await user.type(tenant, TENANT);
    await user.click(screen.getByRole("button", { name: "Add" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(azureOf(calls, "create_provider")).toMatchObject({
      auth: "azure_cli",
      tenant_id: TENANT,
      client_id: "",
      client_secret: null,
      certificate_path: "",
      certificate_password: null,
    });
  });

  it("signs in with a managed identity: an optional user-assigned client ID, no tenant", async () => {
    const calls = fakeBackend({ create_provider: () => kv() });
    const { user, onSaved } = renderDialog();
    await user.type(screen.getByLabelText(/^Vault URL/), URL);
    await user.type(screen.getByLabelText(/^Tenant ID/), TENANT);
    await user.selectOptions(signIn(), "managed_identity");
    expect(screen.queryByLabelText(/^Tenant ID/)).toBeNull();
    const client = screen.getByLabelText(/^Client ID of a user-assigned identity \(optional\)/);
    expect(starred(client)).toBe(false);
    await user.type(client, CLIENT);
    await user.click(screen.getByRole("button", { name: "Add" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(azureOf(calls, "create_provider")).toMatchObject({
      auth: "managed_identity",
      tenant_id: "",
      client_id: CLIENT,
      client_secret: null,
      certificate_password: null,
    });
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
    const note = screen.getByTestId("azure-permissions");
    expect(note).toHaveTextContent(
      "Latchkey needs to read and list secrets: assign the Key Vault Secrets User role on the vault (RBAC vaults), or grant the Get and List secret permissions in an access policy (access-policy vaults).",
    );
    expect(within(note).getByText("Key Vault Secrets User").tagName).toBe("STRONG");
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
    expect(screen.getByTestId("grouping-example")).toHaveTextContent("one flat list");

    await user.selectOptions(group, "separator");
    expect(screen.getByLabelText(/^Separator/)).toHaveValue("-");
    expect(screen.getByTestId("grouping-example")).toHaveTextContent(
      "billing-db-password shows as billing / db / password.",
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
    expect(azureOf(calls, "create_provider")).toMatchObject({ grouping: "tag", group_by: "team" });
  });

  it("shows the engine's field errors under the fields they name, and opens Advanced for its own", async () => {
    fakeBackend({
      create_provider: () => {
        throw apiError("validation", "5 fields need attention", {
          vault_url: "Enter the vault's URL, such as https://my-vault.vault.azure.net/.",
          tenant_id: "Enter the directory (tenant) ID.",
          client_secret: "Enter the client secret's value: it is kept in the OS keychain only.",
          authority_host: "The authority host starts with https://.",
          group_by: "Enter the name of the tag whose value is the folder (e.g. team).",
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
    expect(azureOf(calls, "test_provider").client_secret).toEqual({ source: "keep_literal" });
  });

  it("says which project a new manager is for", () => {
    fakeBackend({});
    render(
      <AzureProviderDialog
        projectId="p-billing"
        projectName="Billing"
        onSaved={() => {}}
        onClose={() => {}}
      />,
    );
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
    expect(card).not.toHaveTextContent("not yet");
    await user.click(card);
    expect(screen.getByRole("dialog", { name: "Add Azure Key Vault" })).toBeInTheDocument();
    expect(screen.getByLabelText(/^Vault URL/)).toBeInTheDocument();
    expect(screen.queryByRole("list", { name: "Planned secrets managers" })).not.toHaveTextContent(
      "Azure Key Vault",
    );
  });

  it("lists the vault's URL and sign-in method, and edits it in its own form with the secret stored", async () => {
    const user = renderPage([
      kv({ azure: azureView({ auth: "managed_identity", client_secret_stored: false }) }),
    ]);
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
