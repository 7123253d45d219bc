import { useState } from "react";
import { Modal } from "../../components/Modal";
import { ErrorBanner } from "../../components/States";
import type { ManagerSpec_Serialize, ProviderView_Serialize } from "../../ipc/api";
import type { Load } from "../../lib/useLoad";
import { ProviderDialog } from "./ProviderDialog";

/** The kind of a new manager, chosen before its form opens; the kinds are the engine's declarations. */
export function KindChooser({
  types,
  projectName,
  onChoose,
  onClose,
}: {
  /** The engine's kinds (`provider_types`), in its order. */
  types: Load<ManagerSpec_Serialize[]>;
  /** The project the manager is for (project mode); undefined for the workspace. */
  projectName?: string;
  onChoose: (spec: ManagerSpec_Serialize) => void;
  onClose: () => void;
}) {
  const first = types.data?.find((k) => k.available)?.kind;
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
      {types.error !== undefined && !types.data ? (
        <ErrorBanner error={types.error} onRetry={types.reload} />
      ) : !types.data ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : (
        <ul className="kind-list" aria-label="Kinds of secrets manager">
          {types.data.map((k) => (
            <li key={k.kind}>
              <button
                type="button"
                className="kind-card"
                disabled={!k.available}
                onClick={() => k.available && onChoose(k)}
                data-autofocus={k.kind === first ? true : undefined}
              >
                <span className="kind-card-title">{k.label}</span>
                <span className="kind-card-help muted">{k.description}</span>
                {!k.available && <span className="badge">not yet</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}

interface Props {
  /** The engine's kinds (`provider_types`). */
  types: Load<ManagerSpec_Serialize[]>;
  /** The project the new manager is for (project mode); null for the workspace. */
  projectId: string | null;
  projectName?: string;
  /** The external ID of this scope (an AWS AssumeRole manager sends it). */
  externalId: string;
  onSaved: (p: ProviderView_Serialize) => void;
  onClose: () => void;
}

/** "Add secrets manager": the kind first, then that kind's setup form, for one scope. */
export function NewProvider({ types, projectId, projectName, externalId, onSaved, onClose }: Props) {
  const [spec, setSpec] = useState<ManagerSpec_Serialize>();
  if (!spec)
    return <KindChooser types={types} projectName={projectName} onChoose={setSpec} onClose={onClose} />;
  return (
    <ProviderDialog
      spec={spec}
      projectId={projectId}
      projectName={projectName}
      externalId={externalId}
      onClose={onClose}
      onSaved={onSaved}
    />
  );
}
