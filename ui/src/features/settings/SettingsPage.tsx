import { useState } from "react";
import { ErrorBanner, PageHeader } from "../../components/States";
import { api } from "../../ipc/api";
import { applyTheme, storedTheme, type ThemeChoice } from "../../lib/theme";
import { useLoad } from "../../lib/useLoad";
import { CacheSection } from "./CacheSection";
import { ControlApiSection } from "./ControlApiSection";
import { RetentionSection } from "./RetentionSection";
import { SecretLifeSection } from "./SecretLifeSection";
import { SecretsModeSection } from "./SecretsModeSection";

const THEMES: { value: ThemeChoice; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

export function SettingsPage() {
  const info = useLoad(() => api.workspaceInfo(), []);
  const [theme, setTheme] = useState<ThemeChoice>(storedTheme());
  // Bumped by a mode switch: the sections that list managers' data start afresh.
  const [epoch, setEpoch] = useState(0);
  const mode = info.data?.settings.secrets_mode;

  return (
    <section className="page" aria-labelledby="page-title">
      <PageHeader
        title="Settings"
        subtitle="Appearance, secrets management, automation, the audit log and where Latchkey keeps its data."
      />
      {info.error !== undefined && <ErrorBanner error={info.error} onRetry={info.reload} />}

      <div className="card">
        <h2>Appearance</h2>
        <div className="segmented" role="radiogroup" aria-label="Theme">
          {THEMES.map((t) => (
            <button
              key={t.value}
              type="button"
              role="radio"
              aria-checked={theme === t.value}
              className={theme === t.value ? "active" : ""}
              onClick={() => {
                setTheme(t.value);
                applyTheme(t.value);
              }}
            >
              {t.label}
            </button>
          ))}
        </div>
      </div>

      <SecretsModeSection
        mode={mode}
        onSwitched={() => {
          // Managers were added and removed: what the page shows about them is loaded again.
          info.reload();
          setEpoch((n) => n + 1);
        }}
      />

      <SecretLifeSection settings={info.data?.settings} />

      <CacheSection key={epoch} />

      <ControlApiSection />

      <RetentionSection days={info.data?.settings.audit_retention_days} />

      <div className="card">
        <h2>Workspace</h2>
        <dl className="facts">
          <dt>Data directory</dt>
          <dd className="mono">{info.data?.data_dir ?? "…"}</dd>
          <dt>Database</dt>
          <dd className="mono">{info.data?.database ?? "…"}</dd>
          <dt>Logs</dt>
          <dd className="mono">{info.data?.log_dir ?? "…"}</dd>
          <dt>Keychain</dt>
          <dd>{info.data?.keychain ?? "…"}</dd>
          <dt>Version</dt>
          <dd>{info.data ? `${info.data.version} (${info.data.build} build)` : "…"}</dd>
        </dl>
      </div>
    </section>
  );
}
