import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { StepReport } from "../../ipc/api";
import { apiError, argsOf, connection, fakeBackend, step, streamSteps } from "../../test/ipc";
import { TestDialog } from "./TestDialog";

const FINGERPRINT = "SHA256:q2xV0bB9m1hVv4L1oG3b4m9j5Yw7c0tX8eQx1kHnF0E";

const unknownKey = step(3, {
  outcome: "failed",
  code: "host_key_unknown",
  cause: "the server's host key is not trusted yet",
  fix: "check the fingerprint with the server's admin, then trust it",
  offer: {
    prompt: `The server bastion.internal:22 presented an ED25519 key with fingerprint ${FINGERPRINT}. Trust it?`,
    fields: { host_key_fingerprint: FINGERPRINT },
  },
});
const skipped = step(4, { outcome: "skipped" });
const allOk = [step(1), step(2), step(3), step(4, { detail: "uid=1000(deploy)" })];

const bastion = connection({ id: "c9", name: "Bastion", kind: "ssh" });

function renderDialog(runs: StepReport[][]) {
  let run = 0;
  const calls = fakeBackend({
    test_connection: (args) => streamSteps(args, runs[Math.min(run++, runs.length - 1)]),
    accept_offer: () => bastion,
  });
  const onChanged = vi.fn();
  render(<TestDialog connection={bastion} onClose={() => {}} onChanged={onChanged} />);
  return { calls, onChanged, user: userEvent.setup() };
}

describe("TestDialog: a host key to trust", () => {
  it("shows the offer's prompt with the fingerprint; Trust saves the offered fields and tests again", async () => {
    const { calls, onChanged, user } = renderDialog([[step(1), step(2), unknownKey, skipped], allOk]);
    const offer = await screen.findByTestId("step-offer");
    expect(offer).toHaveTextContent(`fingerprint ${FINGERPRINT}. Trust it?`);
    expect(within(offer).getByText(FINGERPRINT).tagName).toBe("CODE");
    expect(screen.getByTestId("step-3")).toHaveAttribute("data-outcome", "failed");

    await user.click(within(offer).getByRole("button", { name: "Trust and test again" }));
    await waitFor(() => expect(argsOf(calls, "test_connection")).toHaveLength(2));
    expect(argsOf(calls, "accept_offer")).toEqual([
      { id: "c9", fields: { host_key_fingerprint: FINGERPRINT } },
    ]);
    // accept_offer came before the second test.
    expect(calls.map(([c]) => c)).toEqual(["test_connection", "accept_offer", "test_connection"]);
    expect(onChanged).toHaveBeenCalledWith(bastion);
    await waitFor(() => expect(screen.getByTestId("step-4")).toHaveAttribute("data-outcome", "ok"));
    expect(screen.getByRole("status")).toHaveTextContent("All four steps passed.");
    expect(screen.queryByTestId("step-offer")).toBeNull();
  });

  it("Cancel leaves the connection as it is", async () => {
    const { calls, user } = renderDialog([[step(1), step(2), unknownKey, skipped]]);
    const offer = await screen.findByTestId("step-offer");
    await user.click(within(offer).getByRole("button", { name: "Cancel" }));
    expect(within(offer).queryByRole("button", { name: "Trust and test again" })).toBeNull();
    expect(offer).toHaveTextContent("Not trusted.");
    expect(argsOf(calls, "accept_offer")).toEqual([]);
  });

  it("shows why trusting failed and keeps the offer", async () => {
    let run = 0;
    fakeBackend({
      test_connection: (args) => {
        run++;
        return streamSteps(args, [step(1), step(2), unknownKey, skipped]);
      },
      accept_offer: () => {
        throw apiError("not_found", "the connection was deleted");
      },
    });
    render(<TestDialog connection={bastion} onClose={() => {}} />);
    const user = userEvent.setup();
    const offer = await screen.findByTestId("step-offer");
    await user.click(within(offer).getByRole("button", { name: "Trust and test again" }));
    expect(await within(offer).findByRole("alert")).toHaveTextContent("the connection was deleted");
    expect(within(offer).getByRole("button", { name: "Trust and test again" })).toBeEnabled();
    expect(run).toBe(1);
  });

  it("shows a changed host key as a danger, with nothing to trust", async () => {
    renderDialog([
      [
        step(1),
        step(2),
        step(3, {
          outcome: "failed",
          code: "host_key_mismatch",
          cause: `the server's host key (${FINGERPRINT}) is not the pinned one`,
          fix: "ask the server's admin whether the key was changed",
        }),
        skipped,
      ],
    ]);
    await waitFor(() => expect(screen.getByTestId("step-3")).toHaveAttribute("data-outcome", "failed"));
    const failure = screen.getByTestId("step-3").querySelector(".step-failure");
    expect(failure).toHaveClass("step-failure-danger");
    expect(failure).toHaveTextContent("host_key_mismatch");
    expect(failure).toHaveTextContent("Fix: ask the server's admin whether the key was changed.");
    expect(screen.queryByTestId("step-offer")).toBeNull();
    expect(screen.queryByRole("button", { name: "Trust and test again" })).toBeNull();
  });
});

describe("TestDialog: test with another version (before cutover)", () => {
  const secretField = (reference: string) => ({ source: "secret" as const, reference });
  const db = connection({
    id: "c1",
    name: "Billing DB",
    fields: { ...connection().fields, password: secretField("secret://aws/db/app#password") },
  });
  const twoSecrets = connection({
    id: "c2",
    name: "Jira",
    fields: {
      user: secretField("secret://aws/jira/user#name"),
      password: secretField("secret://aws/jira/token"),
      other: secretField("secret://aws/jira/user#id"),
    },
  });

  function renderTrial(c = db, handler?: (args: Record<string, unknown>) => unknown) {
    const calls = fakeBackend({
      test_connection:
        handler ??
        ((args) => {
          const trial = args.trial as {
            secret: string | null;
            stage: string | null;
            version: string | null;
          } | null;
          const report = streamSteps(args, allOk);
          if (!trial) return report;
          const what = trial.stage ? `stage ${trial.stage}` : `version ${trial.version}`;
          return { ...report, trial: `${trial.secret ?? "db/app"} at ${what}` };
        }),
    });
    render(<TestDialog connection={c} onClose={() => {}} />);
    return { calls, user: userEvent.setup() };
  }

  it("runs the usual test with no trial, then one at a stage, and says the connection is unchanged", async () => {
    const { calls, user } = renderTrial();
    await screen.findByRole("status");
    expect(argsOf(calls, "test_connection")[0].trial).toBeNull();
    expect(screen.queryByTestId("trial-banner")).toBeNull();

    const toggle = screen.getByRole("button", { name: "Test with another version…" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    const form = screen.getByRole("form", { name: "Test with another version" });
    expect(form).toHaveTextContent("Secret: db/app");
    const stage = within(form).getByRole("combobox", { name: "Stage" });
    expect(stage).toHaveFocus();
    const suggestions = Array.from(
      document.querySelectorAll(`#${CSS.escape(stage.getAttribute("list") ?? "")} option`),
    );
    expect(suggestions.map((o) => o.getAttribute("value"))).toEqual(["AWSPENDING", "AWSPREVIOUS"]);
    await user.type(stage, "AWSPENDING");
    await user.click(within(form).getByRole("button", { name: "Test with this version" }));

    await waitFor(() => expect(argsOf(calls, "test_connection")).toHaveLength(2));
    expect(argsOf(calls, "test_connection")[1].trial).toEqual({
      secret: null,
      stage: "AWSPENDING",
      version: null,
    });
    expect(await screen.findByTestId("trial-banner")).toHaveTextContent(
      "Test before cutover: with db/app at stage AWSPENDING — the connection is unchanged",
    );

    // Run again is the connection's own test.
    await user.click(screen.getByRole("button", { name: "Run again" }));
    await waitFor(() => expect(argsOf(calls, "test_connection")).toHaveLength(3));
    expect(argsOf(calls, "test_connection")[2].trial).toBeNull();
    await waitFor(() => expect(screen.queryByTestId("trial-banner")).toBeNull());
  });

  it("asks which secret when the connection uses several, and takes a version ID", async () => {
    const { calls, user } = renderTrial(twoSecrets);
    await screen.findByRole("status");
    await user.click(screen.getByRole("button", { name: "Test with another version…" }));
    const form = screen.getByRole("form", { name: "Test with another version" });
    const secret = within(form).getByRole("combobox", { name: "Secret" });
    expect(
      within(secret)
        .getAllByRole("option")
        .map((o) => o.textContent),
    ).toEqual(["jira/token", "jira/user"]);
    await user.selectOptions(secret, "jira/user");
    await user.click(within(form).getByRole("radio", { name: "A version ID" }));
    await user.type(within(form).getByRole("textbox", { name: "Version ID" }), "v-0002");
    await user.click(within(form).getByRole("button", { name: "Test with this version" }));
    await waitFor(() => expect(argsOf(calls, "test_connection")).toHaveLength(2));
    expect(argsOf(calls, "test_connection")[1].trial).toEqual({
      secret: "jira/user",
      stage: null,
      version: "v-0002",
    });
    expect(await screen.findByTestId("trial-banner")).toHaveTextContent("jira/user at version v-0002");
  });

  it("asks for a stage before running, and shows the engine's refusal under the field", async () => {
    const { calls, user } = renderTrial(db, (args) => {
      if (args.trial) throw apiError("validation", "invalid", { version: "db/app has no version v-9." });
      return streamSteps(args, allOk);
    });
    await screen.findByRole("status");
    await user.click(screen.getByRole("button", { name: "Test with another version…" }));
    const form = screen.getByRole("form", { name: "Test with another version" });
    await user.click(within(form).getByRole("button", { name: "Test with this version" }));
    expect(within(form).getByRole("combobox", { name: "Stage" })).toHaveAccessibleDescription(
      "Enter a stage, such as AWSPENDING.",
    );
    expect(argsOf(calls, "test_connection")).toHaveLength(1);

    await user.click(within(form).getByRole("radio", { name: "A version ID" }));
    const version = within(form).getByRole("textbox", { name: "Version ID" });
    await user.type(version, "v-9");
    await user.click(within(form).getByRole("button", { name: "Test with this version" }));
    await waitFor(() => expect(version).toHaveAccessibleDescription("db/app has no version v-9."));
    expect(version).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("trial-refused")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("offers no trial for a connection without secret references", async () => {
    renderDialog([allOk]);
    await screen.findByRole("status");
    expect(screen.queryByRole("button", { name: "Test with another version…" })).toBeNull();
  });
});
