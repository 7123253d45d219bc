import type { ProviderCheck_Serialize } from "../../ipc/api";

/** What a setup dialog's Test found: the identity and whether listing works, or why it failed. */
export type ProviderCheckResult = ProviderCheck_Serialize | { error: string };

interface Props {
  check: ProviderCheckResult | undefined;
  onTest: () => void;
  /** Another action (saving, testing) is running. */
  disabled: boolean;
  testing: boolean;
}

/** The result banner and the Test button of a secrets-manager setup dialog. */
export function ProviderTest({ check, onTest, disabled, testing }: Props) {
  return (
    <>
      {check && (
        <div
          className={"error" in check || !check.can_list ? "banner banner-error" : "banner banner-ok"}
          role="status"
          data-testid="provider-check"
        >
          {"error" in check ? (
            <span>{check.error}</span>
          ) : (
            <span>
              Signed in as <code>{check.identity}</code>.{" "}
              {check.can_list ? "Listing secrets works." : `Listing secrets failed: ${check.list_error}`}
            </span>
          )}
        </div>
      )}
      <div className="form-actions-left">
        <button type="button" className="button" onClick={onTest} disabled={disabled}>
          {testing ? "Testing…" : "Test"}
        </button>
      </div>
    </>
  );
}
