// How the connection types group in the chooser. Which fields apply (show_when) and are
// required (required_when) is the shared declaration logic in lib/declaration.ts.
import type { TypeSpec } from "../../ipc/api";

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
