// Rendering the secrets-manager setup dialogs (AWS, Vault, Azure) and their page in component tests.
import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { type ComponentType, createElement } from "react";
import { vi } from "vitest";
import { ProvidersPage } from "../features/providers/ProvidersPage";
import type { ProviderView_Serialize } from "../ipc/api";
import { fakeBackend } from "./ipc";

/** The props every setup dialog takes; the helper fills them in. */
interface DialogProps {
  projectId: string | null;
  onSaved: (p: ProviderView_Serialize) => void;
  onClose: () => void;
}

/**
 * Renders `Dialog` for the workspace with `props` (the manager to edit, an external ID…);
 * returns its onSaved spy and a user to drive it.
 */
export function renderProviderDialog<P extends DialogProps>(
  Dialog: ComponentType<P>,
  props: Omit<P, keyof DialogProps>,
) {
  const onSaved = vi.fn();
  const all = { ...props, projectId: null, onSaved, onClose: () => {} };
  render(createElement(Dialog, all as unknown as P));
  return { onSaved, user: userEvent.setup() };
}

/** Renders the secrets managers page (workspace mode, no projects) listing `providers`; returns a user. */
export function renderProvidersPage(providers: ProviderView_Serialize[]) {
  fakeBackend({
    list_providers: () => providers,
    workspace_info: () => ({ settings: { secrets_mode: "workspace", aws_external_id: "latchkey-x" } }),
    list_projects: () => [],
  });
  render(createElement(ProvidersPage));
  return userEvent.setup();
}
