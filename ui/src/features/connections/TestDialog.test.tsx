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
