import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ProviderView_Serialize, VaultView } from "../../ipc/api";
import { apiError, argsOf, fakeBackend, providerView } from "../../test/ipc";
import { renderProvidersPage as renderPage, renderProviderDialog } from "../../test/providers";
import { VaultProviderDialog } from "./VaultProviderDialog";

const SECRET_ID = "canary-secret-id-7f3a";

function vaultView(overrides: Partial<VaultView> = {}): VaultView {
  return {
    address: "http://127.0.0.1:8200",
    namespace: "",
    ca_cert: "",
    auth: "app_role",
    auth_mount: "",
    role_id: "role-123",
    username: "",
    mounts: "",
    token_stored: false,
    secret_id_stored: true,
    password_stored: false,
    ...overrides,
  };
}

const bao = (overrides: Partial<ProviderView_Serialize> = {}) =>
  providerView({
    id: "v1",
    alias: "bao",
    kind: "vault",
    kind_label: "HashiCorp Vault / OpenBao",
    vault: vaultView(),
    ...overrides,
  });

const renderDialog = (provider?: ProviderView_Serialize) =>
  renderProviderDialog(VaultProviderDialog, { provider });

describe("VaultProviderDialog", () => {
  it("sends an AppRole manager with the secret ID as a literal for the keychain, and no AWS part", async () => {
    const calls = fakeBackend({ create_provider: () => bao() });
    const { user, onSaved } = renderDialog();
    await user.clear(screen.getByLabelText(/^Alias/));
    await user.type(screen.getByLabelText(/^Alias/), "bao");
    await user.type(screen.getByLabelText(/^Server URL/), "http://127.0.0.1:8200");
    await user.type(screen.getByLabelText(/^Namespace/), "team-a");
    await user.click(screen.getByRole("radio", { name: "AppRole" }));
    expect(screen.getByRole("radio", { name: "AppRole" })).toHaveAttribute("aria-checked", "true");
    expect(screen.queryByLabelText(/^Token/)).toBeNull();
    await user.type(screen.getByLabelText(/^Role ID/), "role-123");
    const secret = screen.getByLabelText(/^Secret ID/);
    expect(secret).toHaveAttribute("type", "password");
    expect(secret).toHaveAttribute("autocomplete", "off");
    await user.type(secret, SECRET_ID);
    await user.click(screen.getByRole("button", { name: "Add" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const [args] = argsOf(calls, "create_provider");
    expect(args.input).toEqual({
      alias: "bao",
      project_id: null,
      aws: null,
      azure: null,
      vault: {
        address: "http://127.0.0.1:8200",
        namespace: "team-a",
        ca_cert: "",
        auth: "app_role",
        auth_mount: "",
        role_id: "role-123",
        username: "",
        token: null,
        secret_id: { source: "literal", value: SECRET_ID },
        password: null,
        mounts: "",
      },
      cache: { ttl_secs: 3600, stale_if_error: true },
    });
  });

  it("keeps the stored secret ID when editing without retyping it, and never shows it", async () => {
    const calls = fakeBackend({ update_provider: () => bao() });
    const { user, onSaved } = renderDialog(bao());
    expect(screen.getByRole("heading", { name: "Edit “bao”" })).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "AppRole" })).toHaveAttribute("aria-checked", "true");
    expect(screen.getByLabelText(/^Role ID/)).toHaveValue("role-123");
    const secret = screen.getByLabelText(/^Secret ID/);
    expect(secret).toHaveValue("");
    expect(secret).toHaveAccessibleDescription(/stored in the OS keychain — leave empty to keep/i);
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const [args] = argsOf(calls, "update_provider");
    expect(args.id).toBe("v1");
    const input = args.input as { aws: unknown; azure: unknown; vault: Record<string, unknown> };
    expect(input.aws).toBeNull();
    expect(input.azure).toBeNull();
    expect(input.vault.secret_id).toEqual({ source: "keep_literal" });
    expect(input.vault.token).toBeNull();
    expect(input.vault.password).toBeNull();
  });

  it("sends a kept token only for the token method, and a typed password for userpass", async () => {
    const calls = fakeBackend({ update_provider: () => bao() });
    const { user, onSaved } = renderDialog(bao({ vault: vaultView({ auth: "token", token_stored: true }) }));
    expect(screen.getByLabelText(/^Token/)).toHaveAccessibleDescription(/leave empty to keep/);
    await user.click(screen.getByRole("radio", { name: "Username & password" }));
    await user.type(screen.getByLabelText(/^Username/), "reader");
    await user.type(screen.getByLabelText(/^Password/), "pw-typed");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const input = argsOf(calls, "update_provider")[0].input as { vault: Record<string, unknown> };
    expect(input.vault).toMatchObject({
      auth: "userpass",
      username: "reader",
      token: null,
      secret_id: null,
      password: { source: "literal", value: "pw-typed" },
    });
  });

  it("shows the server's field errors under the fields they name, and opens Advanced for its own", async () => {
    fakeBackend({
      create_provider: () => {
        throw apiError("validation", "3 fields need attention", {
          address: "Enter the server's URL, such as https://vault.example.com:8200.",
          role_id: "Enter the AppRole's role ID.",
          mounts: 'Write mounts as "path:version", e.g. secret:2.',
        });
      },
    });
    const { user, onSaved } = renderDialog();
    await user.click(screen.getByRole("radio", { name: "AppRole" }));
    expect(screen.getByText("Advanced").closest("details")).not.toHaveAttribute("open");
    await user.click(screen.getByRole("button", { name: "Add" }));

    const address = screen.getByLabelText(/^Server URL/);
    await waitFor(() => expect(address).toHaveAttribute("aria-invalid", "true"));
    expect(address).toHaveAccessibleDescription(
      "Enter the server's URL, such as https://vault.example.com:8200.",
    );
    expect(screen.getByLabelText(/^Role ID/)).toHaveAccessibleDescription("Enter the AppRole's role ID.");
    expect(screen.getByLabelText(/^Alias/)).toHaveAttribute("aria-invalid", "false");
    expect(screen.getByText("Advanced").closest("details")).toHaveAttribute("open");
    expect(screen.getByLabelText(/^KV mounts/)).toHaveAccessibleDescription(/path:version/);
    await waitFor(() => expect(address).toHaveFocus());
    expect(onSaved).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Add" })).toBeEnabled();
  });

  it("puts an error for a field not on screen above the buttons", async () => {
    fakeBackend({
      create_provider: () => {
        throw apiError("validation", "1 field needs attention", { kind: "Choose exactly one kind." });
      },
    });
    const { user } = renderDialog();
    await user.click(screen.getByRole("button", { name: "Add" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Choose exactly one kind.");
  });

  it("tests the settings as typed and shows the identity Vault reports", async () => {
    const identity = "approle (policies: billing-read, default; TTL 3600 s, renewable)";
    const calls = fakeBackend({
      test_provider: () => ({ identity, can_list: true, list_error: null }),
    });
    const { user } = renderDialog(bao());
    await user.click(screen.getByRole("button", { name: "Test" }));
    const check = await screen.findByTestId("provider-check");
    expect(check).toHaveTextContent(`Signed in as ${identity}`);
    expect(check).toHaveTextContent("Listing secrets works.");
    expect(check).toHaveClass("banner-ok");
    const [args] = argsOf(calls, "test_provider");
    expect(args.id).toBe("v1");
    expect((args.input as { vault: Record<string, unknown> }).vault.secret_id).toEqual({
      source: "keep_literal",
    });
  });

  it("shows why listing failed after a sign-in that worked", async () => {
    fakeBackend({
      test_provider: () => ({
        identity: "token (policies: default)",
        can_list: false,
        list_error: "permission denied: list on sys/mounts",
      }),
    });
    const { user } = renderDialog();
    await user.click(screen.getByRole("button", { name: "Test" }));
    const check = await screen.findByTestId("provider-check");
    expect(check).toHaveTextContent("Listing secrets failed: permission denied: list on sys/mounts");
    expect(check).toHaveClass("banner-error");
  });
});

describe("ProvidersPage with two kinds", () => {
  const aws = providerView({
    id: "a1",
    alias: "moto",
    aws: {
      region: "eu-west-1",
      endpoint_url: "",
      auth: "access_key",
      profile: "",
      access_key_id: "AKIA",
      secret_access_key_stored: true,
      role_arn: "",
    },
  });

  it("asks for the kind first, with the ones not built yet disabled, and opens the Vault form", async () => {
    const user = renderPage([]);
    await screen.findByText("No secrets manager yet");
    await user.click(screen.getAllByRole("button", { name: /Add secrets manager/ })[0]);
    const chooser = screen.getByRole("dialog", { name: "Add a secrets manager" });
    for (const name of [/Google Secret Manager/, /CyberArk Conjur/]) {
      const kind = within(chooser).getByRole("button", { name });
      expect(kind).toBeDisabled();
      expect(kind).toHaveTextContent("not yet");
    }
    await user.click(within(chooser).getByRole("button", { name: /HashiCorp Vault \/ OpenBao/ }));
    expect(screen.queryByRole("dialog", { name: "Add a secrets manager" })).toBeNull();
    expect(screen.getByRole("dialog", { name: "Add HashiCorp Vault / OpenBao" })).toBeInTheDocument();
    expect(screen.getByLabelText(/^Server URL/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/^Region/)).toBeNull();
  });

  it("can be driven from the keyboard: the first kind has focus, Tab and Enter choose another", async () => {
    const user = renderPage([]);
    await screen.findByText("No secrets manager yet");
    screen.getAllByRole("button", { name: /Add secrets manager/ })[0].focus();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("button", { name: /AWS Secrets Manager/ })).toHaveFocus();
    await user.tab();
    expect(screen.getByRole("button", { name: /HashiCorp Vault/ })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(await screen.findByRole("dialog", { name: "Add HashiCorp Vault / OpenBao" })).toBeInTheDocument();
  });

  it("lists a Vault's address, sign-in method and namespace, and edits each manager in its own form", async () => {
    const user = renderPage([aws, bao({ vault: vaultView({ namespace: "team-a" }) })]);
    const rows = await screen.findAllByTestId("provider-row");
    expect(rows).toHaveLength(2);
    const vaultRow = rows[1];
    expect(vaultRow).toHaveTextContent("HashiCorp Vault / OpenBao");
    expect(within(vaultRow).getByTestId("provider-location")).toHaveTextContent("http://127.0.0.1:8200");
    expect(within(vaultRow).getByTestId("provider-namespace")).toHaveTextContent("namespace team-a");
    expect(vaultRow).toHaveTextContent("AppRole");
    expect(within(rows[0]).getByTestId("provider-location")).toHaveTextContent("eu-west-1");
    expect(rows[0]).toHaveTextContent("Access key");

    await user.click(within(vaultRow).getByRole("button", { name: "Edit bao" }));
    expect(screen.getByRole("dialog", { name: "Edit “bao”" })).toBeInTheDocument();
    expect(screen.getByLabelText(/^Server URL/)).toHaveValue("http://127.0.0.1:8200");
    await user.keyboard("{Escape}");
    await user.click(within(rows[0]).getByRole("button", { name: "Edit moto" }));
    expect(screen.getByLabelText(/^Region/)).toHaveValue("eu-west-1");
    expect(screen.queryByLabelText(/^Server URL/)).toBeNull();
  });
});
