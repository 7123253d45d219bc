import { useState } from "react";
import { Modal } from "../../components/Modal";
import type { ProviderKind, ProviderView_Serialize } from "../../ipc/api";
import { AwsProviderDialog } from "./AwsProviderDialog";
import { AzureProviderDialog } from "./AzureProviderDialog";
import { VaultProviderDialog } from "./VaultProviderDialog";

/** The kinds a manager can be added as. */
export type Addable = "aws_secrets_manager" | "vault" | "azure_key_vault";

export const KINDS: { kind: ProviderKind; label: string; help: string; available: boolean }[] = [
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
    help: "Entra ID app (client secret or certificate), Azure CLI or managed identity.",
    available: true,
  },
  {
    kind: "gcp_secret_manager",
    label: "Google Secret Manager",
    help: "Service-account key or application default credentials.",
    available: false,
  },
  { kind: "conjur", label: "CyberArk Conjur", help: "Host ID and API key.", available: false },
];

/** The kind of a new manager, chosen before its form opens. */
export function KindChooser({
  projectName,
  onChoose,
  onClose,
}: {
  /** The project the manager is for (project mode); undefined for the workspace. */
  projectName?: string;
  onChoose: (kind: Addable) => void;
  onClose: () => void;
}) {
  return (
    <Modal
      title="Add a secrets manager"
      description={
        projectName !== undefined
          ? `Which kind of store holds the secrets? For project ${projectName}.`
          : "Which kind of store holds the secrets?"
      }
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

interface Props {
  /** The project the new manager is for (project mode); null for the workspace. */
  projectId: string | null;
  projectName?: string;
  /** The external ID an AssumeRole manager of this scope sends. */
  externalId: string;
  onSaved: (p: ProviderView_Serialize) => void;
  onClose: () => void;
}

/** "Add secrets manager": the kind first, then that kind's setup form, for one scope. */
export function NewProvider({ projectId, projectName, externalId, onSaved, onClose }: Props) {
  const [kind, setKind] = useState<Addable>();
  if (!kind) return <KindChooser projectName={projectName} onChoose={setKind} onClose={onClose} />;
  if (kind === "vault")
    return (
      <VaultProviderDialog
        projectId={projectId}
        projectName={projectName}
        onClose={onClose}
        onSaved={onSaved}
      />
    );
  if (kind === "azure_key_vault")
    return (
      <AzureProviderDialog
        projectId={projectId}
        projectName={projectName}
        onClose={onClose}
        onSaved={onSaved}
      />
    );
  return (
    <AwsProviderDialog
      projectId={projectId}
      projectName={projectName}
      externalId={externalId}
      onClose={onClose}
      onSaved={onSaved}
    />
  );
}
