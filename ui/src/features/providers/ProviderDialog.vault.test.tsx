import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ProviderView_Serialize } from "../../ipc/api";
import { apiError, argsOf, type Calls, fakeBackend, inputsOf, providerView } from "../../test/ipc";
import { awsSpec, managerView, vaultSpec } from "../../test/managers";
import { renderProvidersPage as renderPage, renderProviderDialog } from "../../test/providers";

const SECRET_ID = "canary-secret-id-7f3a";
const ADDRESS = "http://127.0.0.1:8200";

/** A Vault manager as the engine lists it: AppRole, its secret ID stored. */
function bao(
  plain: Record<string, string> = {},
  stored: string[] = ["secret_id"],
  overrides: Partial<ProviderView_Serialize> = {},
) {
  const settings = { address: ADDRESS, auth: "app_role", role_id: "role-123", ...plain };
  return managerView(
    vaultSpec,
    { plain: settings, stored, target: settings.address },
    {
      id: "v1",
      alias: "bao",
      ...overrides,
    },
  );
}

const renderDialog = (provider?: ProviderView_Serialize) =>
  renderProviderDialog({ spec: vaultSpec, provider });
const signIn = () => screen.getByLabelText(/^Sign in with/);
const fieldsOf = (calls: Calls, cmd: string) => inputsOf(calls, cmd)[0].fields as Record<string, unknown>;
const plain = (value: string) => ({ source: "plain", value });

describe("ProviderDialog for HashiCorp Vault / OpenBao", () => {
  it("sends an AppRole manager with the secret ID as a literal for the keychain, and only Vault's fields", async () => {
    const calls = fakeBackend({ create_provider: () => bao() });
    const { user, onSaved } = renderDialog();
    expect(screen.getByRole("heading", { name: "Add HashiCorp Vault / OpenBao" })).toBeInTheDocument();
    await user.clear(screen.getByLabelText(/^Alias/));
    await user.type(screen.getByLabelText(/^Alias/), "bao");
    await user.type(screen.getByLabelText(/^Server URL/), ADDRESS);
    await user.type(screen.getByLabelText(/^Namespace/), "team-a");
    expect(signIn().tagName).toBe("SELECT");
    await user.selectOptions(signIn(), "app_role");
    expect(signIn()).toHaveValue("app_role");
    expect(signIn()).toHaveAccessibleDescription(/exchanged for a short-lived token/);
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
      kind: "vault",
      fields: {
        address: plain(ADDRESS),
        namespace: plain("team-a"),
        auth: plain("app_role"),
        role_id: plain("role-123"),
        secret_id: { source: "literal", value: SECRET_ID },
        ca_cert: plain(""),
        auth_mount: plain(""),
        mounts: plain(""),
        expiry_metadata_key: plain(""),
      },
      cache: { ttl_secs: 3600, stale_if_error: true },
    });
  });

  it("keeps the stored secret ID when editing without retyping it, and never shows it", async () => {
    const calls = fakeBackend({ update_provider: () => bao() });
    const { user, onSaved } = renderDialog(bao());
    expect(screen.getByRole("heading", { name: "Edit “bao”" })).toBeInTheDocument();
    expect(signIn()).toHaveValue("app_role");
    expect(screen.getByLabelText(/^Role ID/)).toHaveValue("role-123");
    const secret = screen.getByLabelText(/^Secret ID/);
    expect(secret).toHaveValue("");
    expect(secret).toHaveAttribute("placeholder", "•••••••• (stored)");
    expect(secret).toHaveAccessibleDescription(/stored in the OS keychain — leave empty to keep/i);
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const [args] = argsOf(calls, "update_provider");
    expect(args.id).toBe("v1");
    expect((args.input as { kind: string }).kind).toBe("vault");
    const fields = fieldsOf(calls, "update_provider");
    expect(fields.secret_id).toEqual({ source: "keep_literal" });
    expect(fields).not.toHaveProperty("token");
    expect(fields).not.toHaveProperty("password");
  });

  it("sends a kept token only for the token method, and a typed password for userpass", async () => {
    const calls = fakeBackend({ update_provider: () => bao() });
    const { user, onSaved } = renderDialog(bao({ auth: "token", role_id: "" }, ["token"]));
    expect(screen.getByLabelText(/^Token/)).toHaveAccessibleDescription(/leave empty to keep/);
    await user.selectOptions(signIn(), "userpass");
    await user.type(screen.getByLabelText(/^Username/), "reader");
    await user.type(screen.getByLabelText(/^Password/), "pw-typed");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const fields = fieldsOf(calls, "update_provider");
    expect(fields).toMatchObject({
      auth: plain("userpass"),
      username: plain("reader"),
      password: { source: "literal", value: "pw-typed" },
    });
    expect(fields).not.toHaveProperty("token");
    expect(fields).not.toHaveProperty("secret_id");
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
    await user.selectOptions(signIn(), "app_role");
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
    expect(fieldsOf(calls, "test_provider").secret_id).toEqual({ source: "keep_literal" });
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
  const aws = managerView(
    awsSpec,
    {
      plain: { region: "eu-west-1", auth: "access_key", access_key_id: "AKIA" },
      stored: ["secret_access_key"],
      target: "eu-west-1",
    },
    { id: "a1", alias: "moto" },
  );

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

  it("lists a Vault's address, sign-in method and namespace, and edits each manager in the same dialog", async () => {
    const user = renderPage([aws, bao({ namespace: "team-a" })]);
    const rows = await screen.findAllByTestId("provider-row");
    expect(rows).toHaveLength(2);
    const vaultRow = rows[1];
    expect(vaultRow).toHaveTextContent("HashiCorp Vault / OpenBao");
    expect(within(vaultRow).getByTestId("provider-location")).toHaveTextContent(ADDRESS);
    expect(within(vaultRow).getByTestId("provider-namespace")).toHaveTextContent("namespace team-a");
    expect(within(vaultRow).getByTestId("provider-location")).toHaveTextContent(
      `${ADDRESS} · namespace team-a`,
    );
    expect(vaultRow).toHaveTextContent("AppRole");
    expect(within(rows[0]).getByTestId("provider-location")).toHaveTextContent("eu-west-1");
    expect(within(rows[0]).queryByTestId("provider-namespace")).toBeNull();
    expect(rows[0]).toHaveTextContent("Access key");

    await user.click(within(vaultRow).getByRole("button", { name: "Edit bao" }));
    expect(screen.getByRole("dialog", { name: "Edit “bao”" })).toBeInTheDocument();
    expect(screen.getByLabelText(/^Server URL/)).toHaveValue(ADDRESS);
    expect(screen.getByLabelText(/^Namespace/)).toHaveValue("team-a");
    await user.keyboard("{Escape}");
    await user.click(within(rows[0]).getByRole("button", { name: "Edit moto" }));
    expect(screen.getByLabelText(/^Region/)).toHaveValue("eu-west-1");
    expect(screen.getByLabelText(/^Secret access key/)).toHaveAttribute("placeholder", "•••••••• (stored)");
    expect(screen.queryByLabelText(/^Server URL/)).toBeNull();
  });

  it("names the secrets a manager's kind keeps when asking to remove it", async () => {
    const user = renderPage([aws, bao()]);
    const rows = await screen.findAllByTestId("provider-row");
    await user.click(within(rows[1]).getByRole("button", { name: "Delete bao" }));
    expect(screen.getByRole("dialog", { name: "Remove “bao”?" })).toHaveTextContent(
      "Its settings are deleted and any secret it keeps (token, secret ID, password) is removed from the OS keychain.",
    );
  });

  it("shows a dash for a manager with no target or sign-in label", async () => {
    renderPage([providerView({ target: "", auth_label: "" })]);
    const [row] = await screen.findAllByTestId("provider-row");
    expect(within(row).getByTestId("provider-location")).toHaveTextContent("—");
  });
});
