import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ToastProvider } from "../../components/Toasts";
import { apiError, defaultProject, fakeBackend } from "../../test/ipc";
import { ProjectsPage } from "./ProjectsPage";

function renderPage() {
  render(
    <ToastProvider>
      <ProjectsPage onOpenProject={() => {}} />
    </ToastProvider>,
  );
}

describe("ProjectsPage", () => {
  it("shows an empty state when there are no projects", async () => {
    fakeBackend({ list_projects: () => [] });
    renderPage();
    expect(await screen.findByText("No projects yet")).toBeInTheDocument();
  });

  it("lists projects with their connection counts", async () => {
    fakeBackend({ list_projects: () => [{ ...defaultProject, connection_count: 3 }] });
    renderPage();
    const row = await screen.findByTestId("project-row");
    expect(within(row).getByText("Default")).toBeInTheDocument();
    expect(within(row).getByText("3")).toBeInTheDocument();
  });

  it("creates a project, showing a duplicate name inline first", async () => {
    let attempts = 0;
    const calls = fakeBackend({
      list_projects: () => [defaultProject],
      create_project: (args) => {
        attempts += 1;
        if (args.name === "Default")
          throw apiError("validation", "dup", {
            name: 'A project named "Default" already exists: choose another name.',
          });
        return { ...defaultProject, id: "p2", name: String(args.name) };
      },
    });
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: /New project/ }));
    const dialog = screen.getByRole("dialog");
    const name = within(dialog).getByLabelText(/^Name/);
    expect(name).toHaveFocus();
    await user.type(name, "Default{Enter}");
    expect(await within(dialog).findByText(/already exists/)).toBeInTheDocument();
    await user.clear(name);
    await user.type(name, "Finance{Enter}");
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(attempts).toBe(2);
    expect(calls.filter(([c]) => c === "create_project").map(([, a]) => a.name)).toEqual([
      "Default",
      "Finance",
    ]);
    expect(await screen.findByText("Project “Finance” created")).toBeInTheDocument();
  });

  it("closes the dialog with Escape", async () => {
    fakeBackend({ list_projects: () => [defaultProject] });
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: /New project/ }));
    expect(screen.getByRole("dialog")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});
