import { type ReactNode, useEffect, useState } from "react";
import { Icon } from "./components/icons";
import { ToastProvider } from "./components/Toasts";
import { AuditPage } from "./features/audit/AuditPage";
import { ConnectionsPage } from "./features/connections/ConnectionsPage";
import { ProjectsPage } from "./features/projects/ProjectsPage";
import { ProvidersPage } from "./features/providers/ProvidersPage";
import { SecretsPage } from "./features/secrets/SecretsPage";
import { SettingsPage } from "./features/settings/SettingsPage";

export type PageId = "connections" | "secrets" | "providers" | "projects" | "audit" | "settings";

const NAV: { id: PageId; label: string; icon: () => ReactNode }[] = [
  { id: "connections", label: "Connections", icon: Icon.connections },
  { id: "secrets", label: "Secrets", icon: Icon.secrets },
  { id: "providers", label: "Secrets managers", icon: Icon.vault },
  { id: "projects", label: "Projects", icon: Icon.projects },
  { id: "audit", label: "Audit", icon: Icon.audit },
  { id: "settings", label: "Settings", icon: Icon.settings },
];

function pageFromHash(): PageId {
  const id = globalThis.location?.hash.replace(/^#\/?/, "") as PageId;
  return NAV.some((n) => n.id === id) ? id : "connections";
}

export function App() {
  const [page, setPage] = useState<PageId>(pageFromHash);
  const [projectFilter, setProjectFilter] = useState("");
  // A connection another page sent the user to (the Secrets page's "used by"): shown highlighted.
  const [focusConnection, setFocusConnection] = useState<string>();
  /** Goes to a section from the sidebar or a shortcut: nothing stays highlighted. */
  const go = (id: PageId) => {
    setFocusConnection(undefined);
    setPage(id);
  };

  useEffect(() => {
    globalThis.history?.replaceState(null, "", `#/${page}`);
    const title = NAV.find((n) => n.id === page)?.label;
    document.title = `${title} — Latchkey`;
  }, [page]);

  // Alt+1…6 jump between sections.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const n = Number(e.key);
      if (e.altKey && n >= 1 && n <= NAV.length) {
        e.preventDefault();
        setFocusConnection(undefined);
        setPage(NAV[n - 1].id);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  return (
    <ToastProvider>
      <div className="shell">
        <nav className="sidebar" aria-label="Sections">
          <div className="brand">
            <img src="/logo.svg" alt="" width={28} height={28} />
            <span>Latchkey</span>
          </div>
          <ul>
            {NAV.map((n, i) => (
              <li key={n.id}>
                <button
                  type="button"
                  className={page === n.id ? "nav-item active" : "nav-item"}
                  aria-current={page === n.id ? "page" : undefined}
                  onClick={() => go(n.id)}
                  title={`${n.label} (Alt+${i + 1})`}
                >
                  {n.icon()}
                  <span>{n.label}</span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <main className="content">
          {page === "connections" && (
            <ConnectionsPage
              projectFilter={projectFilter}
              onProjectFilter={setProjectFilter}
              highlightId={focusConnection}
            />
          )}
          {page === "secrets" && (
            <SecretsPage
              onOpenConnection={(id) => {
                // Every project's connections, so the one asked for is listed.
                setProjectFilter("");
                setFocusConnection(id);
                setPage("connections");
              }}
              onOpenSettings={() => go("settings")}
            />
          )}
          {page === "providers" && <ProvidersPage />}
          {page === "projects" && (
            <ProjectsPage
              onOpenProject={(id) => {
                setProjectFilter(id);
                go("connections");
              }}
            />
          )}
          {page === "audit" && <AuditPage />}
          {page === "settings" && <SettingsPage />}
        </main>
      </div>
    </ToastProvider>
  );
}
