// What the connection form derives from a type's declaration: which fields apply to the
// values chosen so far (show_when), and how the types group in the chooser. The engine
// applies the same rule (TypeSpec::applies) to what is saved.
import type { ConnectionView, FieldSpec, FieldView, TypeSpec } from "../../ipc/api";

/**
 * Whether `field` applies, given the plain values in the form: its controller's value
 * (or, when empty, that field's default) is one of `show_when.values`, and the
 * controller applies itself. A field whose controller is missing never applies.
 */
export function applies(
  spec: TypeSpec,
  field: FieldSpec,
  value: (key: string) => string | undefined,
  seen: Set<string> = new Set(),
): boolean {
  const cond = field.show_when;
  if (!cond) return true;
  if (seen.has(field.key)) return false; // a cycle in the declaration: hide rather than loop
  const controller = spec.fields.find((f) => f.key === cond.field);
  if (!controller) return false;
  if (!applies(spec, controller, value, new Set(seen).add(field.key))) return false;
  const raw = (value(controller.key) ?? "").trim();
  const current = raw !== "" ? raw : (controller.default ?? "").trim();
  return cond.values.includes(current);
}

/** The fields that apply to `plain` (the form's plain values), in form order. */
export function applicableFields(spec: TypeSpec, plain: Record<string, string>): FieldSpec[] {
  return spec.fields.filter((f) => applies(spec, f, (k) => plain[k]));
}

/** The chooser's groups in the order their first type appears, each with its types. */
export function groupTypes(types: TypeSpec[]): { group: string; types: TypeSpec[] }[] {
  const groups: { group: string; types: TypeSpec[] }[] = [];
  for (const t of types) {
    const name = t.group || "Other";
    const g = groups.find((x) => x.group === name);
    if (g) g.types.push(t);
    else groups.push({ group: name, types: [t] });
  }
  return groups;
}

function plainValue(f: FieldView | undefined): string {
  return f?.source === "plain" ? f.value.trim() : "";
}

/** `host:port`, from a URL's authority. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * One line naming what a connection points at, by the fields its type has:
 * `user@host:port/db` for servers, the base URL for web APIs, `s3://bucket` for S3.
 */
export function target(c: ConnectionView): string {
  const v = (key: string) => plainValue(c.fields[key]);
  if (c.kind === "s3") {
    const bucket = v("bucket");
    if (!bucket) return "—";
    const endpoint = v("endpoint");
    return `s3://${bucket}${endpoint ? ` @ ${hostOf(endpoint)}` : ""}`;
  }
  const url = v("base_url");
  if (url) return url;
  const host = v("host");
  if (!host) return "—";
  // An SMTP user is usually an e-mail address: user@ would read as a second address.
  const user = c.kind === "smtp" ? "" : v("user") || v("username");
  const port = v("port");
  const db = c.kind === "postgres" || c.kind === "mysql" ? v("database") : "";
  return `${user ? `${user}@` : ""}${host}${port ? `:${port}` : ""}${db ? `/${db}` : ""}`;
}
