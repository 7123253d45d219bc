// What a form derives from a declaration, a connection type's or a secrets-manager
// kind's (both have fields in form order, in one field model): which fields apply to the
// values chosen so far (show_when), which are required now (required / required_when),
// and a field's effective value. The engine applies the same rules
// (Declaration::applies, is_required, value_or_default) to what is saved.
import type { FieldSpec, ShowWhen } from "../ipc/api";

/** What both catalogues' declarations have: fields in form order. */
export interface Declaration {
  fields: FieldSpec[];
}

/** A plain field's value in the form, by key (undefined when the form has none). */
export type ValueOf = (key: string) => string | undefined;

/** A plain field's effective value: as given (trimmed), else its default, else "". */
export function valueOrDefault(spec: Declaration, key: string, value: ValueOf): string {
  const raw = (value(key) ?? "").trim();
  if (raw !== "") return raw;
  return (spec.fields.find((f) => f.key === key)?.default ?? "").trim();
}

/** Whether `cond`'s field has one of its values (its effective value; not whether it applies). */
function matches(spec: Declaration, cond: ShowWhen, value: ValueOf): boolean {
  return cond.values.includes(valueOrDefault(spec, cond.field, value));
}

/**
 * Whether a condition on another field holds (no condition always does): that field
 * applies itself, and its value (or, when empty, its default) is one of `values`. A
 * condition on a field the declaration does not have never holds.
 */
export function holds(
  spec: Declaration,
  cond: ShowWhen | null | undefined,
  value: ValueOf,
  seen: Set<string> = new Set(),
): boolean {
  if (!cond) return true;
  const controller = spec.fields.find((f) => f.key === cond.field);
  if (!controller) return false;
  if (!applies(spec, controller, value, seen)) return false;
  return matches(spec, cond, value);
}

/**
 * Whether `field` applies, given the plain values in the form: its show_when holds (its
 * controller applies, and the controller's value or default is one of the values).
 */
export function applies(
  spec: Declaration,
  field: FieldSpec,
  value: ValueOf,
  seen: Set<string> = new Set(),
): boolean {
  if (!field.show_when) return true;
  if (seen.has(field.key)) return false; // a cycle in the declaration: hide rather than loop
  return holds(spec, field.show_when, value, new Set(seen).add(field.key));
}

/** Whether `field` must be given now: it applies, and it is required or its required_when holds. */
export function isRequired(spec: Declaration, field: FieldSpec, value: ValueOf): boolean {
  if (!applies(spec, field, value)) return false;
  return field.required || (field.required_when ? matches(spec, field.required_when, value) : false);
}

/** The fields that apply to `plain` (the form's plain values), in form order. */
export function applicableFields<S extends Declaration>(spec: S, plain: Record<string, string>): FieldSpec[] {
  return spec.fields.filter((f) => applies(spec, f, (k) => plain[k]));
}

/**
 * A field's label in running text ("Forget the stored certificate password"): without a
 * trailing "(optional)", its first letter in lower case unless it starts an acronym (API key).
 */
export function labelInText(label: string): string {
  const name = label.replace(/\s*\(optional\)\s*$/i, "");
  return /^[A-Z][A-Z]/.test(name) ? name : name.charAt(0).toLowerCase() + name.slice(1);
}
