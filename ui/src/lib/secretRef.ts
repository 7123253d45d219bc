// The `secret://ALIAS/PATH[?version=ID|?stage=STAGE][#KEY]` syntax, as in
// crates/latchkey-core/src/secret_ref.rs: the Rust parser is the authority (the backend
// validates every saved reference); this copy builds references in the picker and
// shows them as chips.

export interface SecretRefParts {
  provider: string;
  path: string;
  version?: { kind: "id" | "stage"; value: string };
  key?: string;
}

const RESERVED = /[%?#&\s\p{Cc}]/gu;

function encode(text: string): string {
  return text.replace(RESERVED, (c) =>
    Array.from(new TextEncoder().encode(c), (b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(
      "",
    ),
  );
}

function decode(text: string): string {
  return decodeURIComponent(text.replace(/%(?![0-9A-Fa-f]{2})/g, "%25"));
}

export function formatSecretRef(r: SecretRefParts): string {
  let out = `secret://${r.provider}/${encode(r.path)}`;
  if (r.version) out += `?${r.version.kind === "id" ? "version" : "stage"}=${encode(r.version.value)}`;
  if (r.key !== undefined) out += `#${encode(r.key)}`;
  return out;
}

/** Parses a reference for display; undefined when it is not in the syntax. */
export function parseSecretRef(text: string): SecretRefParts | undefined {
  const m =
    /^secret:\/\/([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\/([^?#]+)(?:\?(version|stage)=([^#&]+))?(?:#(.+))?$/.exec(
      text.trim(),
    );
  if (!m) return undefined;
  try {
    return {
      provider: m[1],
      path: decode(m[2]),
      version: m[3] ? { kind: m[3] === "version" ? "id" : "stage", value: decode(m[4]) } : undefined,
      key: m[5] !== undefined ? decode(m[5]) : undefined,
    };
  } catch {
    return undefined;
  }
}
