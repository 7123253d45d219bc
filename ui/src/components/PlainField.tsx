import type { FieldSpec } from "../ipc/api";
import { Field } from "./Field";

interface Props {
  /** The field as its declaration (a connection type's, a secrets-manager kind's) gives it. */
  spec: FieldSpec;
  value: string;
  /** Required now (the declaration's required, or its required_when holding); the star shows it. */
  required: boolean;
  error?: string;
  onChange: (v: string) => void;
}

/**
 * A declared plain field: a select for a choice (its chosen option's help under it), else
 * a text input (monospaced for URLs and paths). The same for connections and managers.
 */
export function PlainField({ spec, value, required, error, onChange }: Props) {
  const chosen = spec.kind === "choice" ? spec.choices.find((c) => c.value === value) : undefined;
  const help = [spec.help, chosen?.help].filter(Boolean).join(" ");
  return (
    <Field label={spec.label} required={required} error={error} help={help || undefined}>
      {(p) =>
        spec.kind === "choice" ? (
          <select {...p} name={spec.key} value={value} onChange={(e) => onChange(e.target.value)}>
            {spec.choices.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        ) : (
          <input
            {...p}
            name={spec.key}
            type={spec.kind === "url" ? "url" : "text"}
            className={spec.kind === "url" || spec.kind === "path" ? "mono" : undefined}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            placeholder={spec.placeholder || spec.default || undefined}
            inputMode={spec.kind === "port" ? "numeric" : spec.kind === "url" ? "url" : undefined}
            autoComplete="off"
            spellCheck={false}
          />
        )
      }
    </Field>
  );
}
