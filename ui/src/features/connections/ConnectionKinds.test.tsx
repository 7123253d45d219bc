import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ConnectionView } from "../../ipc/api";
import {
  allTypes,
  apiError,
  argsOf,
  connection,
  defaultProject,
  fakeBackend,
  type Handler,
} from "../../test/ipc";
import { ConnectionForm } from "./ConnectionForm";

function renderForm(handlers: Record<string, Handler> = {}, conn?: ConnectionView) {
  const calls = fakeBackend({
    create_connection: () => connection(),
    update_connection: () => connection(),
    list_providers: () => [],
    workspace_info: () => ({ settings: { secrets_mode: "workspace", aws_external_id: "x" } }),
    ...handlers,
  });
  const onSaved = vi.fn();
  render(
    <ConnectionForm
      types={allTypes}
      projects={[defaultProject]}
      connection={conn}
      onSaved={onSaved}
      onCancel={() => {}}
    />,
  );
  return { calls, onSaved, user: userEvent.setup() };
}

const chooser = () => screen.getByTestId("type-chooser");
const card = (kind: string) => chooser().querySelector<HTMLButtonElement>(`button[data-kind="${kind}"]`);
function sentFields(calls: ReturnType<typeof fakeBackend>, cmd = "create_connection") {
  const [input] = argsOf(calls, cmd)
    .slice(-1)
    .map((a) => a.input as { fields: Record<string, unknown> });
  return input.fields;
}

describe("New connection: the type chooser", () => {
  it("lists all eight types under their groups, each with its description", () => {
    renderForm();
    const groups = within(chooser()).getAllByRole("heading", { level: 3 });
    expect(groups.map((h) => h.textContent)).toEqual(["Databases", "Web and APIs", "Storage", "Servers"]);
    const listed = within(chooser())
      .getAllByTestId("type-option")
      .map((b) => b.getAttribute("data-kind"));
    expect(listed).toEqual(["postgres", "mysql", "redis", "http", "jira", "s3", "ssh", "smtp"]);
    const servers = screen.getByRole("list", { name: "Servers" });
    expect(
      within(servers)
        .getAllByRole("button")
        .map((b) => b.querySelector(".kind-card-title")?.textContent),
    ).toEqual(["SSH / SFTP", "SMTP"]);
    expect(card("s3")).toHaveTextContent("An S3 bucket on AWS or on S3-compatible storage.");
    // No form before a type is chosen.
    expect(screen.queryByRole("form", { name: "Connection" })).toBeNull();
  });

  it("moves between the cards with the arrow keys, Home and End, and opens the chosen type's form", async () => {
    const { user } = renderForm();
    card("postgres")?.focus();
    await user.keyboard("{ArrowDown}");
    expect(card("mysql")).toHaveFocus();
    await user.keyboard("{End}");
    expect(card("smtp")).toHaveFocus();
    await user.keyboard("{ArrowUp}");
    expect(card("ssh")).toHaveFocus();
    await user.keyboard("{Home}");
    expect(card("postgres")).toHaveFocus();
    card("http")?.focus();
    await user.keyboard("{Enter}");

    expect(screen.getByTestId("connection-type")).toHaveTextContent("HTTP API");
    expect(screen.getByLabelText(/^Name/)).toHaveFocus();
    expect(screen.getByLabelText(/^Base URL/)).toBeInTheDocument();
  });

  it("goes back to the chooser with Change, keeping the name", async () => {
    const { user } = renderForm();
    await user.click(card("redis") as HTMLButtonElement);
    await user.type(screen.getByLabelText(/^Name/), "Cache");
    await user.click(screen.getByRole("button", { name: /Change the type/ }));
    expect(card("redis")).toHaveAttribute("aria-current", "true");
    expect(card("redis")).toHaveFocus();
    await user.click(card("smtp") as HTMLButtonElement);
    expect(screen.getByLabelText(/^Name/)).toHaveValue("Cache");
    expect(screen.getByLabelText(/^Port/)).toHaveValue("587");
  });

  it("shows no chooser and no Change when editing", () => {
    renderForm({}, connection());
    expect(screen.queryByTestId("type-chooser")).toBeNull();
    expect(screen.getByTestId("connection-type")).toHaveTextContent("PostgreSQL");
    expect(screen.queryByRole("button", { name: /Change the type/ })).toBeNull();
  });
});

describe("The generated form", () => {
  it("shows the fields of the auth scheme chosen, keeps hidden values and sends only the shown ones", async () => {
    const { calls, user } = renderForm();
    await user.click(card("http") as HTMLButtonElement);
    await user.type(screen.getByLabelText(/^Name/), "Status API");
    const url = screen.getByLabelText(/^Base URL/);
    expect(url).toHaveAttribute("type", "url");
    expect(url).toHaveAttribute("inputmode", "url");
    expect(url).toHaveClass("mono");
    await user.type(url, "https://api.example.com");

    // Bearer by default: the token, no user name.
    expect(screen.getByLabelText(/^Authentication/)).toHaveValue("bearer");
    await user.type(screen.getByLabelText(/^Token/), "tok-1");
    expect(screen.queryByLabelText(/^User name/)).toBeNull();

    await user.selectOptions(screen.getByLabelText(/^Authentication/), "basic");
    expect(screen.queryByLabelText(/^Token/)).toBeNull();
    await user.type(screen.getByLabelText(/^User name/), "alice");
    await user.type(screen.getByLabelText(/^Password/), "pw-1");

    // Back and forth: what was typed comes back.
    await user.selectOptions(screen.getByLabelText(/^Authentication/), "bearer");
    expect(screen.queryByLabelText(/^User name/)).toBeNull();
    expect(screen.getByLabelText(/^Token/)).toHaveValue("tok-1");
    await user.selectOptions(screen.getByLabelText(/^Authentication/), "basic");
    expect(screen.getByLabelText(/^User name/)).toHaveValue("alice");

    await user.click(screen.getByRole("button", { name: "Create connection" }));
    await waitFor(() => expect(argsOf(calls, "create_connection")).toHaveLength(1));
    const fields = sentFields(calls);
    expect(fields.auth).toEqual({ source: "plain", value: "basic" });
    expect(fields.username).toEqual({ source: "plain", value: "alice" });
    expect(fields.password).toEqual({ source: "literal", value: "pw-1" });
    expect(fields.base_url).toEqual({ source: "plain", value: "https://api.example.com" });
    // Advanced fields that apply are sent with their values, though collapsed.
    expect(fields.follow_redirects).toEqual({ source: "plain", value: "follow" });
    for (const hidden of [
      "token",
      "api_key_in",
      "api_key_name",
      "api_key",
      "token_url",
      "client_id",
      "client_auth",
    ])
      expect(fields).not.toHaveProperty(hidden);
  });

  it("puts advanced fields under a closed Advanced and opens it for an error there", async () => {
    const { user } = renderForm({
      create_connection: () => {
        throw apiError("validation", "1 field needs attention", {
          ca_file: "cannot read the CA certificate file /nope.pem",
        });
      },
    });
    await user.click(card("http") as HTMLButtonElement);
    const advanced = screen.getByTestId("advanced") as HTMLDetailsElement;
    expect(advanced.open).toBe(false);
    expect(within(advanced).getByText("Advanced")).toBeInTheDocument();
    expect(advanced).toHaveTextContent("Redirects, CA certificate");
    // The OAuth2-only advanced field is not there for bearer.
    expect(within(advanced).queryByLabelText(/^Send the client credentials/)).toBeNull();

    await user.click(screen.getByRole("button", { name: "Create connection" }));
    await waitFor(() => expect(advanced.open).toBe(true));
    const ca = within(advanced).getByLabelText(/^CA certificate/);
    expect(ca).toHaveAttribute("aria-invalid", "true");
    expect(ca).toHaveClass("mono");
    expect(ca).toHaveAttribute("placeholder", "/etc/ssl/certs/internal-ca.pem");
    expect(screen.getByText("cannot read the CA certificate file /nope.pem")).toBeInTheDocument();
    await waitFor(() => expect(ca).toHaveFocus());
  });

  it("opens Advanced when editing a connection with a non-default advanced setting", () => {
    const plain = (value: string) => ({ source: "plain" as const, value });
    renderForm(
      {},
      connection({
        kind: "http",
        fields: {
          base_url: plain("https://api.example.com"),
          auth: plain("none"),
          health_path: plain("/"),
          follow_redirects: plain("refuse"),
          ca_file: plain(""),
        },
      }),
    );
    expect((screen.getByTestId("advanced") as HTMLDetailsElement).open).toBe(true);
    expect(screen.getByLabelText(/^Redirects/)).toHaveValue("refuse");
  });

  it("keeps Advanced closed when its settings are the defaults", () => {
    const plain = (value: string) => ({ source: "plain" as const, value });
    renderForm(
      {},
      connection({
        kind: "http",
        fields: {
          base_url: plain("https://a.example"),
          auth: plain("none"),
          follow_redirects: plain("follow"),
        },
      }),
    );
    expect((screen.getByTestId("advanced") as HTMLDetailsElement).open).toBe(false);
  });

  it("lands an error for a field not on screen above the buttons", async () => {
    const { user } = renderForm({
      create_connection: () => {
        throw apiError("validation", "1 field needs attention", { token: "Token is required." });
      },
    });
    await user.click(card("http") as HTMLButtonElement);
    await user.selectOptions(screen.getByLabelText(/^Authentication/), "none");
    await user.click(screen.getByRole("button", { name: "Create connection" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Token: Token is required.");
  });

  it("takes an SSH private key on several lines, and a password instead when chosen", async () => {
    const { calls, user } = renderForm();
    await user.click(card("ssh") as HTMLButtonElement);
    await user.type(screen.getByLabelText(/^Name/), "Bastion");
    await user.type(screen.getByLabelText(/^Host(\s\*)?$/), "bastion.internal");
    await user.type(screen.getByLabelText(/^User(\s\*)?$/), "deploy");
    const key = screen.getByLabelText(/^Private key/);
    expect(key.tagName).toBe("TEXTAREA");
    expect(key).toHaveClass("mono");
    expect(key).toHaveAttribute("name", "private_key");
    await user.type(
      key,
      "-----BEGIN OPENSSH PRIVATE KEY-----{Enter}abc{Enter}-----END OPENSSH PRIVATE KEY-----",
    );
    // The passphrase is an ordinary one-line credential.
    expect(screen.getByLabelText(/^Key passphrase/)).toHaveAttribute("type", "password");
    expect(screen.queryByLabelText(/^Password/)).toBeNull();

    // The pinned fingerprint applies by default; known_hosts replaces it when chosen.
    expect(screen.getByLabelText(/^Host key fingerprint/)).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText(/^Host key check/), "known_hosts");
    expect(screen.queryByLabelText(/^Host key fingerprint/)).toBeNull();
    expect(screen.getByLabelText(/^known_hosts file/)).toHaveValue("~/.ssh/known_hosts");
    expect(screen.getByLabelText(/^known_hosts file/)).toHaveClass("mono");

    await user.click(screen.getByRole("button", { name: "Create connection" }));
    await waitFor(() => expect(argsOf(calls, "create_connection")).toHaveLength(1));
    const fields = sentFields(calls);
    expect(fields.private_key).toEqual({
      source: "literal",
      value: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----",
    });
    expect(fields.known_hosts).toEqual({ source: "plain", value: "~/.ssh/known_hosts" });
    expect(fields).not.toHaveProperty("host_key_fingerprint");
    expect(fields).not.toHaveProperty("password");
  });

  it("takes the SSH key from a secret on one line, or a password instead", async () => {
    const { calls, user } = renderForm();
    await user.click(card("ssh") as HTMLButtonElement);
    const source = screen.getByRole("radiogroup", { name: "Source of the private key" });
    await user.click(within(source).getByRole("radio", { name: /Use a secret/ }));
    expect(screen.getByLabelText(/^Private key/).tagName).toBe("INPUT");
    await user.type(screen.getByLabelText(/^Private key/), "secret://vault/ops/bastion#key");

    await user.selectOptions(screen.getByLabelText(/^Log in with/), "password");
    expect(screen.queryByLabelText(/^Private key/)).toBeNull();
    expect(screen.queryByLabelText(/^Key passphrase/)).toBeNull();
    expect(screen.getByLabelText(/^Password/)).toHaveAttribute("type", "password");
    await user.type(screen.getByLabelText(/^Password/), "pw");
    await user.click(screen.getByRole("button", { name: "Create connection" }));
    await waitFor(() => expect(argsOf(calls, "create_connection")).toHaveLength(1));
    const fields = sentFields(calls);
    expect(fields.password).toEqual({ source: "literal", value: "pw" });
    expect(fields.auth).toEqual({ source: "plain", value: "password" });
    expect(fields).not.toHaveProperty("private_key");
    expect(fields).not.toHaveProperty("passphrase");
  });

  it("shows a path field only while its controller selects it (PostgreSQL CA certificate)", async () => {
    const { user } = renderForm();
    await user.click(card("postgres") as HTMLButtonElement);
    expect(screen.queryByLabelText(/^CA certificate/)).toBeNull();
    await user.selectOptions(screen.getByLabelText(/^SSL mode/), "verify-full");
    expect(screen.getByLabelText(/^CA certificate/)).toHaveAttribute("name", "ca_file");
  });

  it("does not send a stored credential of a scheme no longer chosen", async () => {
    const plain = (value: string) => ({ source: "plain" as const, value });
    const { calls, user } = renderForm(
      {},
      connection({
        kind: "http",
        fields: {
          base_url: plain("https://api.example.com"),
          auth: plain("bearer"),
          token: { source: "literal" },
        },
      }),
    );
    expect(screen.getByTestId("token-stored")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText(/^Authentication/), "none");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(argsOf(calls, "update_connection")).toHaveLength(1));
    const fields = sentFields(calls, "update_connection");
    expect(fields).not.toHaveProperty("token");
    expect(fields.auth).toEqual({ source: "plain", value: "none" });
  });
});
