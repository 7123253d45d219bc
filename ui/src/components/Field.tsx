import { type ReactNode, useId } from "react";

interface Props {
  label: string;
  error?: string;
  help?: ReactNode;
  required?: boolean;
  children: (props: { id: string; "aria-invalid": boolean; "aria-describedby"?: string }) => ReactNode;
}

/** A labelled form field with its help text and inline error, wired for screen readers. */
export function Field({ label, error, help, required, children }: Props) {
  const id = useId();
  const described = [help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div className={error ? "field field-invalid" : "field"}>
      <label htmlFor={id}>
        {label}
        {required && (
          <span className="required" aria-hidden="true">
            {" "}
            *
          </span>
        )}
      </label>
      {children({ id, "aria-invalid": Boolean(error), "aria-describedby": described || undefined })}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
      {help && !error && (
        <p className="field-help" id={`${id}-help`}>
          {help}
        </p>
      )}
    </div>
  );
}

interface TextFieldProps {
  label: string;
  /** The input's name: the engine's field name, and what the tests find it by. */
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  help?: ReactNode;
  required?: boolean;
  placeholder?: string;
  /** Monospaced, for identifiers, URLs and paths. */
  mono?: boolean;
  /** More classes, after `mono`. */
  className?: string;
  type?: "text" | "password";
  inputMode?: "numeric";
  autoComplete?: string;
  disabled?: boolean;
  /** The input a dialog focuses when it opens (data-autofocus, see Modal). */
  autoFocus?: boolean;
}

/** A Field holding one text input: the label, help and error wired to it as Field does. */
export function TextField({
  label,
  error,
  help,
  required,
  mono,
  className,
  autoFocus,
  onChange,
  ...input
}: TextFieldProps) {
  const classes = [mono ? "mono" : "", className ?? ""].filter(Boolean).join(" ");
  return (
    <Field label={label} error={error} help={help} required={required}>
      {(p) => (
        <input
          {...p}
          {...input}
          className={classes || undefined}
          onChange={(e) => onChange(e.target.value)}
          data-autofocus={autoFocus || undefined}
        />
      )}
    </Field>
  );
}
