import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from "react";
import { Icon } from "../../components/icons";
import { Modal } from "../../components/Modal";
import { ErrorBanner } from "../../components/States";
import {
  api,
  type ProviderView_Serialize,
  type SecretInfo_Serialize,
  type SecretItem_Serialize,
} from "../../ipc/api";
import { dateTime } from "../../lib/format";
import { formatSecretRef } from "../../lib/secretRef";

const ROW = 32;

type Row =
  | { kind: "up" }
  | { kind: "folder"; name: string }
  | { kind: "secret"; item: SecretItem_Serialize }
  | { kind: "more" };

interface Props {
  providers: ProviderView_Serialize[];
  onPick: (reference: string) => void;
  onClose: () => void;
}

/**
 * Browse a secrets manager and pick a value: folders come from `/` in secret names,
 * then the secret, its version (or stage) and a JSON key. Pages load on demand (100 at
 * a time), the filter asks the provider, rows are virtualized, and values never
 * reach this screen: only names, metadata and key names do.
 */
export function SecretPicker({ providers, onPick, onClose }: Props) {
  const [providerId, setProviderId] = useState(providers[0]?.id ?? "");
  const provider = providers.find((p) => p.id === providerId);
  const [folder, setFolder] = useState("");
  const [filter, setFilter] = useState("");
  const [items, setItems] = useState<SecretItem_Serialize[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>();
  const [active, setActive] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const [selected, setSelected] = useState<SecretInfo_Serialize>();
  const [version, setVersion] = useState("");
  const [keys, setKeys] = useState<string[]>();
  const [key, setKey] = useState<string>("");
  const listRef = useRef<HTMLDivElement>(null);
  const prefix = folder + filter;

  const load = async (page: string | null) => {
    if (!providerId) return;
    setLoading(true);
    setError(undefined);
    try {
      const got = await api.listSecrets(providerId, prefix || null, page);
      setItems((old) => (page ? [...old, ...got.items] : got.items));
      setNext(got.next);
    } catch (e) {
      setError(e);
    }
    setLoading(false);
  };
  useEffect(() => {
    setItems([]);
    setNext(null);
    setActive(0);
    const t = setTimeout(() => load(null), filter ? 250 : 0);
    return () => clearTimeout(t);
  }, [providerId, prefix]);

  const rows = useMemo<Row[]>(() => {
    const folders = new Set<string>();
    const secrets: SecretItem_Serialize[] = [];
    for (const s of items) {
      if (!s.name.startsWith(folder)) continue;
      const rest = s.name.slice(folder.length);
      const slash = rest.indexOf("/");
      if (slash > 0) folders.add(rest.slice(0, slash + 1));
      else secrets.push(s);
    }
    const out: Row[] = folder ? [{ kind: "up" }] : [];
    for (const f of [...folders].sort()) out.push({ kind: "folder", name: f });
    for (const s of secrets.sort((a, b) => a.name.localeCompare(b.name)))
      out.push({ kind: "secret", item: s });
    if (next) out.push({ kind: "more" });
    return out;
  }, [items, folder, next]);

  // The filter narrows the current folder; moving to another folder clears it.
  const goTo = (path: string) => {
    setFolder(path);
    setFilter("");
  };

  const open = async (row: Row | undefined) => {
    if (!row) return;
    if (row.kind === "up") goTo(folder.slice(0, folder.slice(0, -1).lastIndexOf("/") + 1));
    else if (row.kind === "folder") goTo(folder + row.name);
    else if (row.kind === "more") await load(next);
    else await choose(row.item.name);
  };

  const choose = async (name: string) => {
    setSelected(undefined);
    setKeys(undefined);
    setVersion("");
    setKey("");
    try {
      setSelected(await api.describeSecret(providerId, name));
      setKeys(await api.secretJsonKeys(providerId, name, null));
    } catch (e) {
      setError(e);
    }
  };

  useEffect(() => {
    if (!selected) return;
    const id = version.startsWith("id:") ? version.slice(3) : null;
    api.secretJsonKeys(providerId, selected.secret.name, id).then(setKeys, setError);
  }, [version, selected, providerId]);

  const onKey = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown") setActive((a) => Math.min(rows.length - 1, a + 1));
    else if (e.key === "ArrowUp") setActive((a) => Math.max(0, a - 1));
    else if (e.key === "Enter") open(rows[active]);
    else if (e.key === "Backspace" && folder) open({ kind: "up" });
    else return;
    e.preventDefault();
  };

  useEffect(() => {
    const el = listRef.current;
    if (!el) return;
    const top = active * ROW;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW - el.clientHeight;
  }, [active]);

  const height = 360;
  const first = Math.max(0, Math.floor(scrollTop / ROW) - 5);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW) + 5);

  const reference =
    selected && provider
      ? formatSecretRef({
          provider: provider.alias,
          path: selected.secret.name,
          version: version
            ? {
                kind: version.startsWith("id:") ? "id" : "stage",
                value: version.slice(version.indexOf(":") + 1),
              }
            : undefined,
          key: key || undefined,
        })
      : undefined;

  return (
    <Modal title="Use a secret" description="Values are never shown here." onClose={onClose} width="wide">
      {providers.length === 0 ? (
        <p className="muted">Add a secrets manager first (Secrets managers in the sidebar).</p>
      ) : (
        <>
          <div className="toolbar">
            <label className="inline-select">
              <span>Manager</span>
              <select
                value={providerId}
                onChange={(e) => setProviderId(e.target.value)}
                aria-label="Secrets manager"
              >
                {providers.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.alias} ({p.kind_label})
                  </option>
                ))}
              </select>
            </label>
            <label className="search">
              <Icon.search />
              <span className="sr-only">Filter by name</span>
              <input
                type="search"
                placeholder={`Name starts with… (in ${folder || "/"})`}
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
                data-autofocus
              />
            </label>
          </div>
          <nav className="breadcrumbs" aria-label="Folder">
            <button type="button" className="link-button" onClick={() => goTo("")}>
              {provider?.alias ?? ""}
            </button>
            {folder
              .split("/")
              .filter(Boolean)
              .map((part, i, all) => (
                <span key={all.slice(0, i + 1).join("/")}>
                  {" / "}
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => goTo(`${all.slice(0, i + 1).join("/")}/`)}
                  >
                    {part}
                  </button>
                </span>
              ))}
          </nav>
          {error !== undefined && <ErrorBanner error={error} onRetry={() => load(null)} />}
          <div className="picker">
            <div
              className="picker-list"
              role="listbox"
              tabIndex={0}
              aria-label="Secrets"
              aria-activedescendant={rows.length ? `picker-row-${active}` : undefined}
              ref={listRef}
              onKeyDown={onKey}
              onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
            >
              <div style={{ height: rows.length * ROW }}>
                {rows.slice(first, last).map((row, i) => {
                  const index = first + i;
                  const label =
                    row.kind === "up"
                      ? ".."
                      : row.kind === "folder"
                        ? row.name
                        : row.kind === "more"
                          ? loading
                            ? "Loading…"
                            : "Load more…"
                          : row.item.name.slice(folder.length);
                  return (
                    // biome-ignore lint/a11y/useKeyWithClickEvents: the list handles keys
                    <div
                      key={row.kind === "secret" ? row.item.id || row.item.name : `${row.kind}-${label}`}
                      id={`picker-row-${index}`}
                      role="option"
                      aria-selected={index === active}
                      tabIndex={-1}
                      className={index === active ? "picker-row active" : "picker-row"}
                      style={{ top: index * ROW }}
                      data-testid={`picker-${row.kind}`}
                      onClick={() => {
                        setActive(index);
                        open(row);
                      }}
                    >
                      {row.kind === "folder" || row.kind === "up" ? (
                        <Icon.projects />
                      ) : row.kind === "secret" ? (
                        <Icon.key />
                      ) : null}
                      <span>{label}</span>
                    </div>
                  );
                })}
              </div>
              {!loading && rows.length === 0 && <p className="muted center">No secret matches.</p>}
              {loading && rows.length === 0 && <p className="muted center">Loading…</p>}
            </div>
            <div className="picker-detail">
              {!selected ? (
                <p className="muted">Choose a secret to see its versions and keys.</p>
              ) : (
                <>
                  <h3 className="mono">{selected.secret.name}</h3>
                  <dl>
                    <dt>Description</dt>
                    <dd>{selected.secret.description || "—"}</dd>
                    <dt>Last changed</dt>
                    <dd>{selected.secret.last_changed ? dateTime(selected.secret.last_changed) : "—"}</dd>
                    <dt>Last rotated</dt>
                    <dd>{selected.secret.last_rotated ? dateTime(selected.secret.last_rotated) : "—"}</dd>
                    <dt>Rotation</dt>
                    <dd>{selected.secret.rotation_enabled ? "on" : "off"}</dd>
                    <dt>Tags</dt>
                    <dd>{selected.secret.tags.map(([k, v]) => `${k}=${v}`).join(", ") || "—"}</dd>
                  </dl>
                  <fieldset className="choice-list">
                    <legend className="field-label">Version</legend>
                    <label>
                      <input
                        type="radio"
                        name="version"
                        checked={version === ""}
                        onChange={() => setVersion("")}
                      />
                      Current (follows rotations)
                    </label>
                    {selected.versions.map((v) => (
                      <label key={v.id}>
                        <input
                          type="radio"
                          name="version"
                          checked={version === `id:${v.id}`}
                          onChange={() => setVersion(`id:${v.id}`)}
                        />
                        <span className="mono">{v.id.slice(0, 8)}</span>
                        {v.stages.map((s) => (
                          <span key={s} className="badge">
                            {s}
                          </span>
                        ))}
                      </label>
                    ))}
                    {selected.versions.some((v) => v.stages.includes("AWSPREVIOUS")) && (
                      <label>
                        <input
                          type="radio"
                          name="version"
                          checked={version === "stage:AWSPREVIOUS"}
                          onChange={() => setVersion("stage:AWSPREVIOUS")}
                        />
                        Stage AWSPREVIOUS
                      </label>
                    )}
                  </fieldset>
                  <fieldset className="choice-list" data-testid="picker-keys">
                    <legend className="field-label">JSON key</legend>
                    {keys === undefined ? (
                      <span className="muted">Reading key names…</span>
                    ) : keys.length === 0 ? (
                      <span className="muted">Not a JSON object: the whole value is used.</span>
                    ) : (
                      <>
                        <label>
                          <input type="radio" name="key" checked={key === ""} onChange={() => setKey("")} />
                          Whole value
                        </label>
                        {keys.map((k) => (
                          <label key={k}>
                            <input type="radio" name="key" checked={key === k} onChange={() => setKey(k)} />
                            <span className="mono">{k}</span>
                          </label>
                        ))}
                      </>
                    )}
                  </fieldset>
                </>
              )}
            </div>
          </div>
          <div className="form-actions">
            <code className="muted truncate" data-testid="picker-reference" title={reference ?? ""}>
              {reference ?? ""}
            </code>
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button
              type="button"
              className="button button-primary"
              disabled={!reference}
              onClick={() => reference && onPick(reference)}
            >
              Use this secret
            </button>
          </div>
        </>
      )}
    </Modal>
  );
}
