import { useToast } from "../../components/Toasts";

/** The trust-policy statement a role needs so Latchkey may assume it with `externalId`. */
export function trustPolicy(externalId: string): string {
  return JSON.stringify(
    {
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::<LATCHKEY-ACCOUNT-ID>:root" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "sts:ExternalId": externalId } },
    },
    null,
    2,
  );
}

interface Props {
  externalId: string;
  /** The project the ID belongs to (project mode); undefined for the workspace's. */
  projectName?: string;
  /** Puts the trust-policy snippet in a closed disclosure (for lists of projects). */
  collapsed?: boolean;
}

/**
 * The external ID an AWS AssumeRole manager sends (the workspace's, or in project mode
 * its project's), with Copy and the trust-policy snippet to paste into the role.
 */
export function ExternalIdField({ externalId, projectName, collapsed }: Props) {
  const toast = useToast();
  const copy = () =>
    navigator.clipboard?.writeText(externalId).then(
      () => toast("External ID copied"),
      () => toast("Could not copy the external ID", "error"),
    );
  const snippet = <pre className="snippet">{trustPolicy(externalId)}</pre>;
  return (
    <div className="field external-id">
      <span className="field-label">
        {projectName !== undefined ? "This project's external ID" : "External ID"}
      </span>
      <div className="copy-row">
        <code data-testid="external-id">{externalId}</code>
        <button
          type="button"
          className="button button-small"
          onClick={copy}
          aria-label={
            projectName !== undefined ? `Copy the external ID of ${projectName}` : "Copy the external ID"
          }
        >
          Copy
        </button>
      </div>
      {collapsed ? (
        <details className="advanced">
          <summary>Trust policy for an AssumeRole manager</summary>
          {snippet}
        </details>
      ) : (
        <>
          <p className="field-help">
            {projectName !== undefined
              ? `Generated once for ${projectName}: only this project's AssumeRole managers send it. Add it to the role's trust policy:`
              : "Generated once for this workspace. Add it to the role's trust policy:"}
          </p>
          {snippet}
        </>
      )}
    </div>
  );
}
