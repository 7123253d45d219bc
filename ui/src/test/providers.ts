// Rendering the secrets-manager setup dialog (one for every kind, drawn from its declaration)
// and the managers page in component tests.
import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { type ComponentProps, createElement } from "react";
import { vi } from "vitest";
import { ProviderDialog } from "../features/providers/ProviderDialog";
import { ProvidersPage } from "../features/providers/ProvidersPage";
import type { ProviderView_Serialize } from "../ipc/api";
import { fakeBackend, type Handler } from "./ipc";

type DialogProps = ComponentProps<typeof ProviderDialog>;

/**
 * Renders the setup dialog with `props` (the kind's declaration, the manager to edit, an
 * external ID…), for the workspace unless `projectId` says otherwise; returns its
 * onSaved spy and a user to drive it.
 */
export function renderProviderDialog(
  props: Omit<DialogProps, "projectId" | "onSaved" | "onClose"> & { projectId?: string | null },
) {
  const onSaved = vi.fn();
  render(createElement(ProviderDialog, { projectId: null, ...props, onSaved, onClose: () => {} }));
  return { onSaved, user: userEvent.setup() };
}

/**
 * Renders the secrets managers page (workspace mode, no projects) listing `providers`;
 * `handlers` adds to the fake backend (another `provider_types`, say). Returns a user.
 */
export function renderProvidersPage(
  providers: ProviderView_Serialize[],
  handlers: Record<string, Handler> = {},
) {
  fakeBackend({
    list_providers: () => providers,
    workspace_info: () => ({ settings: { secrets_mode: "workspace", aws_external_id: "latchkey-x" } }),
    list_projects: () => [],
    ...handlers,
  });
  render(createElement(ProvidersPage));
  return userEvent.setup();
}
