/** A form's failure message (when it has one) and its Cancel / submit buttons. */
export function FormFooter({
  error,
  busy,
  submitLabel,
  onCancel,
}: {
  error?: string;
  busy: boolean;
  submitLabel: string;
  onCancel: () => void;
}) {
  return (
    <>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Saving…" : submitLabel}
        </button>
      </div>
    </>
  );
}
