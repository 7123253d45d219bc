import { useState } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Icon } from "../../components/icons";
import { Modal } from "../../components/Modal";
import { RowActions } from "../../components/RowActions";
import { EmptyState, ErrorBanner, PageHeader, SkeletonRows } from "../../components/States";
import { useToast } from "../../components/Toasts";
import { api, type ProviderKind, type ProviderView_Serialize } from "../../ipc/api";
import { relativeTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import { useRefresh } from "../connections/RefreshResults";
import { AwsProviderDialog } from "./AwsProviderDialog";
import { VaultProviderDialog } from "./VaultProviderDialog";

const AUTH_LABEL: Record<string, string> = {
  default_chain: "Default chain",
  profile: "Profile",
  access_key: "Access key",
  assume_role: "Assume role",
  token: "Token",
  app_role: "AppRole",
  userpass: "Username & password",
};

/** The kinds a manager can be added as. */
type Addable = "aws_secrets_manager" | "vault";

const KINDS: { kind: ProviderKind; label: string; help: string; available: boolean }[] = [
  {
    kind: "aws_secrets_manager",
    label: "AWS Secrets Manager",
    help: "Default chain, profile, access key or an assumed role.",
    available: true,
  },
  {
    kind: "vault",
    label: "HashiCorp Vault / OpenBao",
    help: "KV v1 and v2 with a token, AppRole or username & password.",
    available: true,
  },
  {
    kind: "azure_key_vault",
    label: "Azure Key Vault",
    help: "Entra ID app or managed identity.",
    available: false,
  },
  {
    kind: "gcp_secret_manager",
    label: "Google Secret Manager",
    help: "Service-account key or application default credentials.",
    available: false,
  },
  { kind: "conjur", label: "CyberArk Conjur", help: "Host ID and API key.", available: false },
];

type Dialog =
  | { kind: "choose" }
  | { kind: "create"; type: Addable }
  | { kind: "edit"; provider: ProviderView_Serialize }
  | { kind: "delete"; provider: ProviderView_Serialize };

/** The kind of a new manager, chosen before its form opens. */
function KindChooser({ onChoose, onClose }: { onChoose: (kind: Addable) => void; onClose: () => void }) {
  return (
    <Modal
      title="Add a secrets manager"
      description="Which kind of store holds the secrets?"
      onClose={onClose}
    >
      <ul className="kind-list" aria-label="Kinds of secrets manager">
        {KINDS.map((k) => (
          <li key={k.kind}>
            <button
              type="button"
              className="kind-card"
              disabled={!k.available}
              onClick={() => k.available && onChoose(k.kind as Addable)}
              data-autofocus={k.kind === "aws_secrets_manager" ? true : undefined}
            >
              <span className="kind-card-title">{k.label}</span>
              <span className="kind-card-help muted">{k.help}</span>
              {!k.available && <span className="badge">not yet</span>}
            </button>
          </li>
        ))}
      </ul>
    </Modal>
  );
}

/** Where the manager is: the AWS region, or the Vault address and its namespace. */
function Location({ p }: { p: ProviderView_Serialize }) {
  if (p.vault)
    return (
      <>
        <span className="mono">{p.vault.address}</span>
        {p.vault.namespace && (
          <span className="muted" data-testid="provider-namespace">
            {" "}
            · namespace <span className="mono">{p.vault.namespace}</span>
          </span>
        )}
      </>
    );
  return <span className="mono">{p.aws?.region ?? "—"}</span>;
}

export function ProvidersPage() {
  const providers = useLoad(() => api.listProviders(), []);
  const info = useLoad(() => api.workspaceInfo(), []);
  const [dialog, setDialog] = useState<Dialog>();
  const toast = useToast();
  const refresh = useRefresh();
  const close = () => setDialog(undefined);
  // The add or edit form, by the manager's kind.
  const form =
    dialog?.kind === "create"
      ? { provider: undefined, vault: dialog.type === "vault" }
      : dialog?.kind === "edit"
        ? { provider: dialog.provider, vault: dialog.provider.kind === "vault" }
        : undefined;
  const saved = (p: ProviderView_Serialize) => {
    toast(dialog?.kind === "create" ? `“${p.alias}” added` : `“${p.alias}” saved`);
    close();
    providers.reload();
  };
  const addButton = (
    <button type="button" className="button button-primary" onClick={() => setDialog({ kind: "choose" })}>
      <Icon.plus /> Add secrets manager
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
          Connect AWS Secrets Manager or HashiCorp Vault / OpenBao, then pick secrets into any connection's
          credential fields.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Secrets managers">
            <thead>
              <tr>
                <th>Alias</th>
                <th>Kind</th>
                <th>Location</th>
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
                    <td className="truncate" data-testid="provider-location">
                      <Location p={p} />
                    </td>
                    <td>{AUTH_LABEL[p.aws?.auth ?? p.vault?.auth ?? ""] ?? "—"}</td>
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
                    >
                      <button
                        type="button"
                        className="button button-small"
                        aria-label={`Refresh connections using ${p.alias}`}
                        title={
                          p.used_by.length === 0
                            ? "No connection uses it yet"
                            : "Fetch its secrets again, so the connections using it pick up rotated values"
                        }
                        disabled={refresh.running !== undefined || p.used_by.length === 0}
                        aria-busy={refresh.running === `provider:${p.id}` || undefined}
                        onClick={() =>
                          refresh.run(
                            { scope: "provider", id: p.id },
                            false,
                            `Connections using “${p.alias}”`,
                          )
                        }
                      >
                        <span className={refresh.running === `provider:${p.id}` ? "spin" : undefined}>
                          <Icon.refresh />
                        </span>
                        {refresh.running === `provider:${p.id}` ? "Refreshing…" : "Refresh connections"}
                      </button>
                    </RowActions>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      )}
      <ul className="planned-list" aria-label="Planned secrets managers">
        {KINDS.filter((k) => !k.available).map((k) => (
          <li key={k.kind}>
            <span className="badge">Not available yet</span> {k.label}
          </li>
        ))}
      </ul>

      {refresh.element}
      {dialog?.kind === "choose" && (
        <KindChooser onChoose={(type) => setDialog({ kind: "create", type })} onClose={close} />
      )}
      {form &&
        (form.vault ? (
          <VaultProviderDialog provider={form.provider} onClose={close} onSaved={saved} />
        ) : (
          <AwsProviderDialog
            provider={form.provider}
            externalId={info.data?.settings.aws_external_id ?? "…"}
            onClose={close}
            onSaved={saved}
          />
        ))}
      {dialog?.kind === "delete" && (
        <ConfirmDialog
          title={`Remove “${dialog.provider.alias}”?`}
          danger
          confirmLabel="Remove"
          body={
            <p>
              Its settings are deleted and any credential it keeps (access key, token, secret ID, password) is
              removed from the OS keychain.
            </p>
          }
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
