import { useState } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Icon } from "../../components/icons";
import { RowActions } from "../../components/RowActions";
import { EmptyState, ErrorBanner, PageHeader, SkeletonRows } from "../../components/States";
import { useToast } from "../../components/Toasts";
import { api, type ProviderView_Serialize } from "../../ipc/api";
import { relativeTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import { AwsProviderDialog } from "./AwsProviderDialog";

const AUTH_LABEL: Record<string, string> = {
  default_chain: "Default chain",
  profile: "Profile",
  access_key: "Access key",
  assume_role: "Assume role",
};

const PLANNED = ["Azure Key Vault", "HashiCorp Vault / OpenBao", "Google Secret Manager", "CyberArk Conjur"];

type Dialog =
  | { kind: "create" }
  | { kind: "edit"; provider: ProviderView_Serialize }
  | { kind: "delete"; provider: ProviderView_Serialize };

export function ProvidersPage() {
  const providers = useLoad(() => api.listProviders(), []);
  const info = useLoad(() => api.workspaceInfo(), []);
  const [dialog, setDialog] = useState<Dialog>();
  const toast = useToast();
  const close = () => setDialog(undefined);
  const addButton = (
    <button type="button" className="button button-primary" onClick={() => setDialog({ kind: "create" })}>
      <Icon.plus /> Add AWS Secrets Manager
    </button>
  );

  return (
    <section className="page" aria-labelledby="page-title">
      <PageHeader
        title="Secrets managers"
        subtitle="External stores that connection credentials come from. Mode: workspace — every project can use these."
        actions={addButton}
      />
      {providers.error !== undefined && <ErrorBanner error={providers.error} onRetry={providers.reload} />}
      {providers.data?.length === 0 ? (
        <EmptyState icon={<Icon.vault />} title="No secrets manager yet" action={addButton}>
          Connect AWS Secrets Manager, then pick secrets into any connection's credential fields.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Secrets managers">
            <thead>
              <tr>
                <th>Alias</th>
                <th>Kind</th>
                <th>Region</th>
                <th>Sign-in</th>
                <th>Used by</th>
                <th>Changed</th>
                <th className="actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {providers.loading && !providers.data ? (
                <SkeletonRows cols={7} rows={2} />
              ) : (
                providers.data?.map((p) => (
                  <tr key={p.id} data-testid="provider-row">
                    <td>
                      <button
                        type="button"
                        className="link-button strong mono"
                        onClick={() => setDialog({ kind: "edit", provider: p })}
                      >
                        {p.alias}
                      </button>
                    </td>
                    <td>{p.kind_label}</td>
                    <td className="mono">{p.aws?.region ?? "—"}</td>
                    <td>{AUTH_LABEL[p.aws?.auth ?? ""] ?? "—"}</td>
                    <td className="muted truncate" title={p.used_by.join(", ")}>
                      {p.used_by.length === 0
                        ? "—"
                        : `${p.used_by.length} connection${p.used_by.length === 1 ? "" : "s"}`}
                    </td>
                    <td className="muted">{relativeTime(p.updated_at)}</td>
                    <RowActions
                      name={p.alias}
                      onEdit={() => setDialog({ kind: "edit", provider: p })}
                      onDelete={() => setDialog({ kind: "delete", provider: p })}
                    />
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      )}
      <ul className="planned-list" aria-label="Planned secrets managers">
        {PLANNED.map((k) => (
          <li key={k}>
            <span className="badge">Not available yet</span> {k}
          </li>
        ))}
      </ul>

      {(dialog?.kind === "create" || dialog?.kind === "edit") && (
        <AwsProviderDialog
          provider={dialog.kind === "edit" ? dialog.provider : undefined}
          externalId={info.data?.settings.aws_external_id ?? "…"}
          onClose={close}
          onSaved={(p) => {
            toast(dialog.kind === "create" ? `“${p.alias}” added` : `“${p.alias}” saved`);
            close();
            providers.reload();
          }}
        />
      )}
      {dialog?.kind === "delete" && (
        <ConfirmDialog
          title={`Remove “${dialog.provider.alias}”?`}
          danger
          confirmLabel="Remove"
          body={<p>Its settings are deleted and its stored access key is removed from the OS keychain.</p>}
          onConfirm={async () => {
            await api.deleteProvider(dialog.provider.id);
            toast(`“${dialog.provider.alias}” removed`);
            providers.reload();
          }}
          onClose={close}
        />
      )}
    </section>
  );
}
