import { type KeyboardEvent, useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { Icon } from "../../components/icons";
import { Modal } from "../../components/Modal";
import { ErrorBanner } from "../../components/States";
import {
  api,
  errorMessage,
  type ProviderView_Serialize,
  type SecretInfo_Serialize,
  type SecretItem_Serialize,
  type SecretsMode,
  type SecretUse_Serialize,
  type SecretVersionItem_Serialize,
} from "../../ipc/api";
import { dateTime } from "../../lib/format";
import { formatSecretRef } from "../../lib/secretRef";
import { ModeBadge } from "../providers/scope";
import { RevealConfirm, RevealedValue, type RevealTarget, type Shown } from "../secrets/Reveal";

/** Row height in pixels; `.picker-row` in styles.css has the same. */
const ROW = 32;
/** The tree's height (`.picker-list`), used until the element has been measured. */
const VIEW = 360;
/** Rows rendered above and below the visible ones. */
const OVERSCAN = 6;
const INDENT = 16;
const DEBOUNCE_MS = 250;
/** Why a version cannot be picked (the engine says: deleted, destroyed, disabled, expired…). */
function unreadable(v: SecretVersionItem_Serialize): string | undefined {
  return v.unusable ?? undefined;
}

/** Where the tree shows a secret: its grouped path (Azure) or its name. */
const placeOf = (item: SecretItem_Serialize) => item.path ?? item.name;

/**
 * Why the secret itself (no version: the current one) cannot be picked: its current
 * version (the one marked with its manager's current stage) cannot be read.
 */
function currentBlocked(info: SecretInfo_Serialize): string | undefined {
  const current = info.versions.find((v) => v.current_stage);
  if (!current?.unusable) return undefined;
  // Azure's "latest" reads as such; every other manager's current stage is "current".
  const stage = current.current_stage === "latest" ? "latest" : "current";
  return `The ${stage} version is ${current.unusable_stage ?? "disabled"}: pick an enabled version`;
}

/** A version's stages: its current stage accented, the one that makes it unusable in the warning colour. */
function StageBadges({ version }: { version: SecretVersionItem_Serialize }) {
  return (
    <>
      {version.stages.map((stage) => (
        <span
          key={stage}
          className={`badge${stage === version.current_stage ? " badge-accent" : stage === version.unusable_stage ? " badge-warn" : ""}`}
          data-testid="stage-badge"
        >
          {stage}
        </span>
      ))}
    </>
  );
}

/** A short date for a version row. */
const day = (iso: string) => new Date(iso).toLocaleDateString();

interface Props {
  providers: ProviderView_Serialize[];
  /** The workspace's secrets mode; when not known, inferred from the managers' scopes. */
  mode?: SecretsMode;
  /** The project of the connection being edited: in project mode only its managers are offered. */
  projectId?: string;
  /** The managers are still loading, or failed to. */
  loading?: boolean;
  error?: unknown;
  /** The workspace allows the audited reveal of a value (Settings › Secrets). */
  revealEnabled?: boolean;
  onPick: (reference: string) => void;
  onClose: () => void;
}

/**
 * Browse a secrets manager as a tree and pick a value: folders come from `/` in secret
 * names, then the secret, its versions (with their stages) and the JSON keys of a
 * value. Each folder loads its own pages on demand (100 at a time), the filter asks the
 * provider, rows are virtualized, and values never reach this screen: only names,
 * metadata and key names do.
 */
export function SecretPicker({
  providers,
  mode,
  projectId,
  loading,
  error,
  revealEnabled = false,
  onPick,
  onClose,
}: Props) {
  // Workspace and project managers never coexist, so the scopes tell the mode when it is not given.
  const effectiveMode: SecretsMode = mode ?? (providers.some((p) => p.project_id) ? "project" : "workspace");
  // Project mode: a connection may only use its own project's managers.
  const offered =
    effectiveMode === "project" ? providers.filter((p) => p.project_id === projectId) : providers;
  const [providerId, setProviderId] = useState(offered[0]?.id ?? "");
  const provider = offered.find((p) => p.id === providerId) ?? offered[0];
  const [filter, setFilter] = useState("");
  const [query, setQuery] = useState("");
  const treeId = useId();

  // The filter asks the provider, so wait until typing pauses; clearing is immediate.
  useEffect(() => {
    const q = filter.trim();
    if (!q) {
      setQuery("");
      return;
    }
    const t = setTimeout(() => setQuery(q), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [filter]);

  const onFilterKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      document.getElementById(treeId)?.focus();
    } else if (e.key === "Enter") {
      e.preventDefault();
      setQuery(filter.trim());
    }
  };

  return (
    <Modal
      title="Use a secret"
      description={
        revealEnabled
          ? "Values are shown only when you reveal one; every reveal is recorded in the audit log."
          : "Values are never shown here."
      }
      onClose={onClose}
      width="wide"
    >
      {error !== undefined && !loading ? (
        <ErrorBanner error={error} />
      ) : loading && providers.length === 0 ? (
        <p className="muted" role="status">
          Loading secrets managers…
        </p>
      ) : !provider ? (
        <div className="picker-empty" data-testid="picker-empty">
          <ModeBadge mode={effectiveMode} testId="picker-mode" />
          <p className="muted">
            {effectiveMode === "project"
              ? "This project has no secrets manager yet (project mode): add one under Secrets managers."
              : "Add a secrets manager first (Secrets managers in the sidebar)."}
          </p>
        </div>
      ) : (
        <>
          <div className="toolbar">
            <label className="inline-select">
              <span>Manager</span>
              <select
                value={provider.id}
                onChange={(e) => setProviderId(e.target.value)}
                aria-label="Secrets manager"
              >
                {offered.map((p) => (
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
                placeholder="Name starts with…"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
                onKeyDown={onFilterKey}
                data-autofocus
              />
            </label>
            <span
              className="picker-scope"
              title={
                effectiveMode === "project"
                  ? "Project mode: only this project's secrets managers can be used."
                  : "Workspace mode: the workspace's secrets managers serve every project."
              }
            >
              <ModeBadge mode={effectiveMode} testId="picker-mode" />
            </span>
          </div>
          {/* Keyed by manager: switching starts from a fresh tree. */}
          <Browser
            key={provider.id}
            provider={provider}
            query={query}
            treeId={treeId}
            revealEnabled={revealEnabled}
            onPick={onPick}
            onClose={onClose}
          />
        </>
      )}
    </Modal>
  );
}

type Async<T> = { state: "loading" } | { state: "ok"; value: T } | { state: "error"; error: unknown };

/** One listing (a folder's, or the filter's results): its pages so far. */
interface Listing {
  items: SecretItem_Serialize[];
  next: string | null;
  /** The first page has arrived. */
  loaded: boolean;
  loading: boolean;
  error?: unknown;
}

const NO_LISTING: Listing = { items: [], next: null, loaded: false, loading: false };

/** What an error row's Retry does again. */
type Retry =
  | { kind: "listing"; listing: string; prefix: string | null }
  | { kind: "info"; name: string }
  | { kind: "keys"; name: string; version: string | null };

type RowBody = { id: string; label: string } & (
  | { kind: "folder"; path: string; expanded: boolean }
  | { kind: "secret"; name: string; expanded: boolean }
  | {
      kind: "version";
      name: string;
      version: SecretVersionItem_Serialize;
      expanded: boolean;
      /** Why it cannot be picked nor opened, when it cannot. */
      gone?: string;
    }
  | { kind: "key"; name: string; version: SecretVersionItem_Serialize | null; key: string }
  | { kind: "more"; listing: string; prefix: string | null; loading: boolean }
  | { kind: "loading" }
  | { kind: "empty" }
  | { kind: "notjson" }
  | { kind: "blocked" }
  | { kind: "error"; error: unknown; retry: Retry }
);

/** A visible row of the flattened tree. */
type Row = RowBody & { depth: number; pos: number; size: number };

type Expandable = Extract<Row, { expanded: boolean }>;
type Pickable = Extract<Row, { kind: "secret" | "version" | "key" }>;

function isExpandable(row: Row): row is Expandable {
  return row.kind === "folder" || row.kind === "secret" || (row.kind === "version" && !row.gone);
}

function isPickable(row: Row): row is Pickable {
  return row.kind === "secret" || (row.kind === "version" && !row.gone) || row.kind === "key";
}

/** The secret, version and key a reference points at. */
interface Choice {
  row: string;
  name: string;
  version: SecretVersionItem_Serialize | null;
  key: string | null;
}

const nodeId = (...parts: string[]) => parts.join("\u0000");
const keysId = (name: string, version: string | null) => nodeId(name, version ?? "");
/** Listings: `t` + folder path for the tree (root is ""), `q` + text for the filter. */
const treeListing = (path: string) => nodeId("t", path);
const filterListing = (query: string) => nodeId("q", query);

/** Loads a value once per key; a failed load can be asked for again. */
function useLoader<T>(): [Record<string, Async<T>>, (key: string, load: () => Promise<T>) => void] {
  const [map, setMap] = useState<Record<string, Async<T>>>({});
  const current = useRef(map);
  current.current = map;
  const busy = useRef(new Set<string>());
  const ensure = useCallback((key: string, load: () => Promise<T>) => {
    if (busy.current.has(key) || current.current[key]?.state === "ok") return;
    busy.current.add(key);
    setMap((m) => ({ ...m, [key]: { state: "loading" } }));
    load()
      .then(
        (value): Async<T> => ({ state: "ok", value }),
        (error): Async<T> => ({ state: "error", error }),
      )
      .then((result) => {
        busy.current.delete(key);
        setMap((m) => ({ ...m, [key]: result }));
      });
  }, []);
  return [map, ensure];
}

interface TreeState {
  listings: Record<string, Listing>;
  infos: Record<string, Async<SecretInfo_Serialize>>;
  keys: Record<string, Async<string[]>>;
  expanded: ReadonlySet<string>;
}

/** Newest first, with the current version on top. */
function sortVersions(versions: SecretVersionItem_Serialize[]): SecretVersionItem_Serialize[] {
  const rank = (v: SecretVersionItem_Serialize) => (v.current_stage ? 0 : 1);
  return [...versions].sort((a, b) => rank(a) - rank(b) || (b.created ?? "").localeCompare(a.created ?? ""));
}

/** The tree (or the filter's flat results) as the list of rows currently visible. */
function flatten(s: TreeState, query: string): Row[] {
  const out: Row[] = [];

  const emit = (bodies: RowBody[], depth: number) => {
    bodies.forEach((body, i) => {
      out.push({ ...body, depth, pos: i + 1, size: bodies.length });
      if (!("expanded" in body) || !body.expanded) return;
      if (body.kind === "folder")
        emit(listing(treeListing(body.path), body.path, body.path, false), depth + 1);
      else if (body.kind === "secret") emit(secretChildren(body.id, body.name), depth + 1);
      else if (body.kind === "version") emit(keyRows(body.id, body.name, body.version), depth + 1);
    });
  };

  const status = (
    parent: string,
    kind: "loading" | "empty" | "notjson" | "blocked",
    label: string,
  ): RowBody => ({
    id: nodeId(parent, kind),
    kind,
    label,
  });
  const failed = (parent: string, error: unknown, retry: Retry): RowBody => ({
    id: nodeId(parent, "error"),
    kind: "error",
    label: errorMessage(error),
    error,
    retry,
  });

  // A listing's rows: under `folder`, its immediate subfolders and its own secrets;
  // `folder` null lists every secret by its full name (the filter's results).
  function listing(key: string, prefix: string | null, folder: string | null, top: boolean): RowBody[] {
    const l = s.listings[key] ?? NO_LISTING;
    if (!l.loaded) {
      // The top level shows these outside the tree (a message, or the error banner).
      if (top) return [];
      if (l.error !== undefined && !l.loading)
        return [failed(key, l.error, { kind: "listing", listing: key, prefix })];
      return [status(key, "loading", "Loading…")];
    }
    const mode = folder === null ? "q" : "t";
    const folders = new Set<string>();
    const secrets: SecretItem_Serialize[] = [];
    for (const item of l.items) {
      // Placed by its path when it has one (Azure's grouping), else by its name.
      const place = placeOf(item);
      // A name ending in "/" is a folder itself (Vault lists its mounts and folders so).
      const isFolder = place.endsWith("/") && place !== folder;
      if (folder === null) {
        if (isFolder) folders.add(place);
        else secrets.push(item);
        continue;
      }
      if (!place.startsWith(folder)) continue;
      const slash = place.indexOf("/", folder.length);
      if (slash >= 0 && (slash < place.length - 1 || isFolder)) folders.add(place.slice(0, slash + 1));
      else secrets.push(item);
    }
    const rows: RowBody[] = [];
    for (const path of [...folders].sort()) {
      const id = nodeId(mode, "folder", path);
      rows.push({
        id,
        kind: "folder",
        path,
        label: path.slice(folder?.length ?? 0),
        expanded: s.expanded.has(id),
      });
    }
    const order = (a: SecretItem_Serialize, b: SecretItem_Serialize) => {
      const [x, y] = [placeOf(a), placeOf(b)];
      return x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    };
    secrets.sort(order);
    const seen = new Set<string>();
    for (const item of secrets) {
      if (seen.has(item.name)) continue;
      seen.add(item.name);
      const place = placeOf(item);
      const id = nodeId(mode, "secret", item.name);
      const label = folder === null ? place : place.slice(folder.length) || place;
      rows.push({ id, kind: "secret", name: item.name, label, expanded: s.expanded.has(id) });
    }
    if (l.error !== undefined && !l.loading) {
      rows.push(failed(key, l.error, { kind: "listing", listing: key, prefix }));
    } else if (l.next) {
      rows.push({
        id: nodeId(key, "more"),
        kind: "more",
        listing: key,
        prefix,
        loading: l.loading,
        label: l.loading ? "Loading…" : "Load more…",
      });
    } else if (rows.length === 0 && !top) {
      rows.push(status(key, "empty", "Nothing here"));
    }
    return rows;
  }

  // Under a secret: the JSON keys of its current value (which follows rotations),
  // then its versions.
  function secretChildren(parent: string, name: string): RowBody[] {
    const info = s.infos[name];
    if (!info || info.state === "loading") return [status(parent, "loading", "Loading…")];
    if (info.state === "error") return [failed(parent, info.error, { kind: "info", name })];
    // The keys of the current value, unless that value cannot be read.
    const blocked = currentBlocked(info.value);
    const rows = blocked ? [status(parent, "blocked", blocked)] : keyRows(parent, name, null);
    for (const version of sortVersions(info.value.versions)) {
      const id = nodeId(parent, "version", version.id);
      const gone = unreadable(version);
      rows.push({
        id,
        kind: "version",
        name,
        version,
        label: version.id.slice(0, 8),
        expanded: !gone && s.expanded.has(id),
        gone,
      });
    }
    return rows;
  }

  function keyRows(parent: string, name: string, version: SecretVersionItem_Serialize | null): RowBody[] {
    const keys = s.keys[keysId(name, version?.id ?? null)];
    if (!keys || keys.state === "loading") return [status(parent, "loading", "Reading key names…")];
    if (keys.state === "error")
      return [failed(parent, keys.error, { kind: "keys", name, version: version?.id ?? null })];
    if (keys.value.length === 0)
      return [status(parent, "notjson", "Not a JSON object: the whole value is used")];
    return keys.value.map((key) => ({
      id: nodeId(parent, "key", key),
      kind: "key",
      name,
      version,
      key,
      label: key,
    }));
  }

  if (query) emit(listing(filterListing(query), query, null, true), 1);
  else emit(listing(treeListing(""), null, "", true), 1);
  return out;
}

interface BrowserProps {
  provider: ProviderView_Serialize;
  query: string;
  treeId: string;
  revealEnabled: boolean;
  onPick: (reference: string) => void;
  onClose: () => void;
}

/** The connection fields that use the secret in the details pane. */
function UsedBy({ uses, onRetry }: { uses: Async<SecretUse_Serialize[]> | undefined; onRetry: () => void }) {
  return (
    <div className="picker-used-by" data-testid="picker-used-by">
      <h4>Used by</h4>
      {!uses || uses.state === "loading" ? (
        <p className="muted small">Loading…</p>
      ) : uses.state === "error" ? (
        <p className="picker-detail-error small">
          <span>{errorMessage(uses.error)}</span>{" "}
          <button type="button" className="button button-small" onClick={onRetry}>
            Try again
          </button>
        </p>
      ) : uses.value.length === 0 ? (
        <p className="muted small">Not used by any connection</p>
      ) : (
        <ul className="used-by-list" aria-label="Connections using this secret">
          {uses.value.map((u) => (
            <li key={`${u.connection_id}|${u.field}|${u.json_key ?? ""}`} data-testid="picker-use">
              <strong>{u.connection}</strong>{" "}
              <span className="muted small">
                <span className="mono">{u.field}</span>
                {u.json_key && (
                  <>
                    {" "}
                    › <span className="mono">{u.json_key}</span>
                  </>
                )}
                {u.project && <> · {u.project}</>}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Reveal in the details pane: ask, then the value inline for a short while. */
function PickerReveal({ target }: { target: RevealTarget }) {
  const [asking, setAsking] = useState(false);
  const [shown, setShown] = useState<Shown>();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const hide = () => {
    const inside = document.activeElement?.closest('[data-testid="revealed"]');
    setShown(undefined);
    // Focus goes back to the button rather than to nowhere.
    if (inside) buttonRef.current?.focus();
  };
  return (
    <div className="picker-reveal">
      <button
        ref={buttonRef}
        type="button"
        className="button button-small"
        onClick={() => setAsking(true)}
        data-testid="picker-reveal"
      >
        {shown ? "Reveal again…" : "Reveal value…"}
      </button>
      {asking && <RevealConfirm target={target} onRevealed={setShown} onClose={() => setAsking(false)} />}
      {shown && <RevealedValue shown={shown} onHide={hide} />}
    </div>
  );
}

/** The tree, the details of the chosen secret and the reference, for one manager. */
function Browser({ provider, query, treeId, revealEnabled, onPick, onClose }: BrowserProps) {
  const [listings, setListings] = useState<Record<string, Listing>>({});
  const [infos, ensureInfo] = useLoader<SecretInfo_Serialize>();
  const [keys, ensureKeys] = useLoader<string[]>();
  const [uses, ensureUses] = useLoader<SecretUse_Serialize[]>();
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  // The active row (the keyboard cursor), remembered separately for the tree and
  // for each filter, so clearing the filter returns to where the tree was.
  const [activeIds, setActiveIds] = useState<Record<string, string>>({});
  const [choice, setChoice] = useState<Choice>();
  const [byStage, setByStage] = useState(false);
  const [scrollTop, setScrollTop] = useState(0);
  const inFlight = useRef(new Set<string>()); // listings with a page on the way
  const listRef = useRef<HTMLDivElement>(null);
  const lastActive = useRef(0);
  const typed = useRef({ text: "", at: 0 });

  const topKey = query ? filterListing(query) : treeListing("");
  const topPrefix = query || null;

  const loadPage = useCallback(
    (key: string, prefix: string | null, page: string | null) => {
      if (inFlight.current.has(key)) return;
      inFlight.current.add(key);
      const patch = (f: (l: Listing) => Listing) =>
        setListings((all) => ({ ...all, [key]: f(all[key] ?? NO_LISTING) }));
      patch((l) => ({ ...l, loading: true, error: undefined }));
      api.listSecrets(provider.id, prefix, page).then(
        (got) => {
          inFlight.current.delete(key);
          patch((l) => ({
            items: page ? [...l.items, ...got.items] : got.items,
            next: got.next,
            loaded: true,
            loading: false,
          }));
        },
        (error) => {
          inFlight.current.delete(key);
          patch((l) => ({ ...l, loading: false, error }));
        },
      );
    },
    [provider.id],
  );

  /** The first page, once; after a failure, the page that failed. */
  const openListing = (key: string, prefix: string | null) => {
    const l = listings[key];
    if (!l) loadPage(key, prefix, null);
    else if (l.error !== undefined) loadPage(key, prefix, l.loaded ? l.next : null);
  };

  const topListing = listings[topKey];
  useEffect(() => {
    if (!topListing) loadPage(topKey, topPrefix, null);
  }, [topListing, topKey, topPrefix, loadPage]);

  const loadInfo = (name: string) => ensureInfo(name, () => api.describeSecret(provider.id, name));
  const loadUses = (name: string) => ensureUses(name, () => api.secretUsedBy(provider.id, name));
  const loadKeys = (name: string, version: string | null) =>
    ensureKeys(keysId(name, version), () => api.secretJsonKeys(provider.id, name, version));

  const rows = useMemo(
    () => flatten({ listings, infos, keys, expanded }, query),
    [listings, infos, keys, expanded, query],
  );

  const found = rows.findIndex((r) => r.id === activeIds[topKey]);
  const active = rows.length === 0 ? -1 : found >= 0 ? found : Math.min(lastActive.current, rows.length - 1);
  lastActive.current = Math.max(0, active);

  const expand = (row: Expandable) => {
    if (row.kind === "folder") openListing(treeListing(row.path), row.path);
    else if (row.kind === "secret") {
      loadInfo(row.name);
      loadKeys(row.name, null);
    } else loadKeys(row.name, row.version.id);
    setExpanded((s) => new Set(s).add(row.id));
  };
  const collapse = (row: Expandable) =>
    setExpanded((s) => {
      const next = new Set(s);
      next.delete(row.id);
      return next;
    });
  const toggle = (row: Expandable) => (row.expanded ? collapse(row) : expand(row));

  const retry = (r: Retry) => {
    if (r.kind === "listing") openListing(r.listing, r.prefix);
    else if (r.kind === "info") loadInfo(r.name);
    else loadKeys(r.name, r.version);
  };

  const choose = (row: Pickable) => {
    const version = row.kind === "secret" ? null : row.version;
    if (version?.id !== choice?.version?.id) setByStage(false);
    setChoice({ row: row.id, name: row.name, version, key: row.kind === "key" ? row.key : null });
    loadInfo(row.name);
    loadUses(row.name);
  };

  /** Enter, Space or a click on a row. A click also opens and closes a secret or a version. */
  const activate = (row: Row, click: boolean) => {
    if (row.kind === "folder") toggle(row);
    else if (isPickable(row)) {
      choose(row);
      if (click && isExpandable(row)) toggle(row);
    } else if (row.kind === "more") loadPage(row.listing, row.prefix, listings[row.listing]?.next ?? null);
    else if (row.kind === "error") retry(row.retry);
  };

  const setActive = (index: number) => {
    const row = rows[index];
    if (row) setActiveIds((m) => ({ ...m, [topKey]: row.id }));
  };

  /** Scrolls just enough to show row `index`. */
  const reveal = (index: number) => {
    const el = listRef.current;
    if (!el) return;
    const view = el.clientHeight || VIEW;
    const top = index * ROW;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW > el.scrollTop + view) el.scrollTop = top + ROW - view;
    setScrollTop(el.scrollTop);
  };

  const moveTo = (index: number) => {
    if (rows.length === 0) return;
    const i = Math.max(0, Math.min(rows.length - 1, index));
    setActive(i);
    reveal(i);
  };

  // The WAI-ARIA tree view keys, plus type-ahead on the rows' names.
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.target !== e.currentTarget) return;
    const row = rows[active];
    const page = Math.max(1, Math.floor((listRef.current?.clientHeight || VIEW) / ROW) - 1);
    switch (e.key) {
      case "ArrowDown":
        moveTo(active + 1);
        break;
      case "ArrowUp":
        moveTo(active - 1);
        break;
      case "Home":
        moveTo(0);
        break;
      case "End":
        moveTo(rows.length - 1);
        break;
      case "PageDown":
        moveTo(active + page);
        break;
      case "PageUp":
        moveTo(active - page);
        break;
      case "ArrowRight":
        if (row && isExpandable(row)) {
          if (!row.expanded) expand(row);
          else if ((rows[active + 1]?.depth ?? 0) > row.depth) moveTo(active + 1);
        }
        break;
      case "ArrowLeft":
        if (row && isExpandable(row) && row.expanded) collapse(row);
        else if (row) {
          for (let i = active - 1; i >= 0; i--) {
            if (rows[i].depth < row.depth) {
              moveTo(i);
              break;
            }
          }
        }
        break;
      case "Enter":
      case " ":
        if (row) activate(row, false);
        break;
      default: {
        if (e.key.length !== 1) return;
        const now = Date.now();
        const text = (now - typed.current.at < 700 ? typed.current.text : "") + e.key.toLowerCase();
        typed.current = { text, at: now };
        const start = text.length === 1 ? active + 1 : active;
        for (let n = 0; n < rows.length; n++) {
          const i = (start + n + rows.length) % rows.length;
          if (
            (isExpandable(rows[i]) || isPickable(rows[i])) &&
            rows[i].label.toLowerCase().startsWith(text)
          ) {
            moveTo(i);
            break;
          }
        }
      }
    }
    e.preventDefault();
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + VIEW) / ROW) + OVERSCAN);
  const shown: number[] = [];
  // The active row stays in the DOM even when scrolled away: aria-activedescendant points at it.
  if (active >= 0 && active < first) shown.push(active);
  for (let i = first; i < last; i++) shown.push(i);
  if (active >= last) shown.push(active);

  const top = topListing ?? NO_LISTING;
  const topFailed = !top.loaded && top.error !== undefined && !top.loading;
  const message = topFailed
    ? undefined
    : !top.loaded
      ? "Loading…"
      : rows.length === 0
        ? query
          ? "No secret matches."
          : "No secrets in this manager."
        : undefined;

  // A version the engine says a stage may follow (AWS: AWSPREVIOUS) can be pinned by that
  // stage; the others (every Vault or Azure version) only by their ID.
  const pinStage = choice?.version?.pin_stage ?? undefined;
  const canPinStage = pinStage !== undefined;
  const stage = byStage && canPinStage;
  const info = choice ? infos[choice.name] : undefined;
  // No version reads the current one: refused when that one cannot be read.
  const blocked = choice && !choice.version && info?.state === "ok" ? currentBlocked(info.value) : undefined;
  const reference =
    choice && !blocked
      ? formatSecretRef({
          provider: provider.alias,
          path: choice.name,
          version: choice.version
            ? stage
              ? { kind: "stage", value: pinStage }
              : { kind: "id", value: choice.version.id }
            : undefined,
          key: choice.key ?? undefined,
        })
      : undefined;

  return (
    <>
      {topFailed && <ErrorBanner error={top.error} onRetry={() => loadPage(topKey, topPrefix, null)} />}
      <div className="picker">
        <div className="picker-tree">
          <div
            id={treeId}
            className="picker-list"
            role="tree"
            tabIndex={0}
            aria-label={query ? `Secrets whose name starts with ${query}` : "Secrets"}
            aria-busy={!top.loaded && !topFailed}
            aria-activedescendant={active >= 0 ? `${treeId}-${active}` : undefined}
            ref={listRef}
            onKeyDown={onKeyDown}
            onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
          >
            <div style={{ height: rows.length * ROW }}>
              {shown.map((index) => (
                <TreeRow
                  key={rows[index].id}
                  row={rows[index]}
                  domId={`${treeId}-${index}`}
                  index={index}
                  active={index === active}
                  selected={choice?.row === rows[index].id}
                  onClick={() => {
                    setActive(index);
                    activate(rows[index], true);
                  }}
                  onRetry={(r) => retry(r)}
                />
              ))}
            </div>
          </div>
          {message && (
            <p className="picker-tree-message muted" role="status">
              {message}
            </p>
          )}
        </div>
        <div className="picker-detail" data-testid="picker-detail">
          {!choice ? (
            <p className="muted">
              Choose a secret, a version or a JSON key to use. Open a secret to see its versions and keys.
            </p>
          ) : (
            <>
              <h3 className="mono">{choice.name}</h3>
              <dl>
                {info?.state === "ok" && (
                  <>
                    <dt>Description</dt>
                    <dd>{info.value.secret.description || "—"}</dd>
                    <dt>Last changed</dt>
                    <dd>{info.value.secret.last_changed ? dateTime(info.value.secret.last_changed) : "—"}</dd>
                    <dt>Last rotated</dt>
                    <dd>{info.value.secret.last_rotated ? dateTime(info.value.secret.last_rotated) : "—"}</dd>
                    <dt>Rotation</dt>
                    <dd>{info.value.secret.rotation_enabled ? "on" : "off"}</dd>
                    <dt>Tags</dt>
                    <dd>
                      {info.value.secret.tags.length === 0
                        ? "—"
                        : info.value.secret.tags.map(([k, v]) => (
                            <span key={k} className="badge">
                              {k}={v}
                            </span>
                          ))}
                    </dd>
                  </>
                )}
                <dt>Version</dt>
                {choice.version ? (
                  <dd>
                    <span className="mono">{choice.version.id}</span>
                  </dd>
                ) : (
                  <dd>Current value (follows rotations)</dd>
                )}
                {choice.version && (
                  <>
                    <dt>Stages</dt>
                    <dd>
                      {choice.version.stages.length === 0 ? "—" : <StageBadges version={choice.version} />}
                    </dd>
                    <dt>Created</dt>
                    <dd>{choice.version.created ? dateTime(choice.version.created) : "—"}</dd>
                    {choice.version.updated && (
                      <>
                        <dt>Updated</dt>
                        <dd data-testid="version-updated">{dateTime(choice.version.updated)}</dd>
                      </>
                    )}
                    {choice.version.not_before && (
                      <>
                        <dt>Not before</dt>
                        <dd data-testid="version-not-before">{dateTime(choice.version.not_before)}</dd>
                      </>
                    )}
                    {choice.version.expires && (
                      <>
                        <dt>Expires</dt>
                        <dd data-testid="version-expires">{dateTime(choice.version.expires)}</dd>
                      </>
                    )}
                  </>
                )}
                <dt>JSON key</dt>
                <dd>{choice.key !== null ? <span className="mono">{choice.key}</span> : "Whole value"}</dd>
              </dl>
              {blocked && (
                <p className="banner banner-error" role="note" data-testid="picker-blocked">
                  <span>{blocked}</span>
                </p>
              )}
              {info?.state === "loading" && <p className="muted">Loading details…</p>}
              {info?.state === "error" && (
                <p className="picker-detail-error">
                  <span>{errorMessage(info.error)}</span>{" "}
                  <button type="button" className="button button-small" onClick={() => loadInfo(choice.name)}>
                    Try again
                  </button>
                </p>
              )}
              {canPinStage && choice.version && (
                <fieldset className="choice-list" data-testid="picker-pin">
                  <legend className="field-label">Pin this version</legend>
                  <label>
                    <input
                      type="radio"
                      name={`${treeId}-pin`}
                      checked={!byStage}
                      onChange={() => setByStage(false)}
                    />
                    By ID (stays on {choice.version.id.slice(0, 8)})
                  </label>
                  <label>
                    <input
                      type="radio"
                      name={`${treeId}-pin`}
                      checked={byStage}
                      onChange={() => setByStage(true)}
                    />
                    By stage {pinStage} (follows the stage as it moves)
                  </label>
                </fieldset>
              )}
              <UsedBy uses={uses[choice.name]} onRetry={() => loadUses(choice.name)} />
              {revealEnabled && reference && (
                // Keyed by what it reads: another choice drops a value on screen.
                <PickerReveal
                  key={`${choice.name}|${choice.version?.id ?? ""}|${choice.key ?? ""}`}
                  target={{
                    providerId: provider.id,
                    secret: choice.name,
                    version: choice.version?.id ?? null,
                    reference,
                    keys: [],
                    key: choice.key,
                  }}
                />
              )}
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
  );
}

interface TreeRowProps {
  row: Row;
  domId: string;
  index: number;
  active: boolean;
  selected: boolean;
  onClick: () => void;
  onRetry: (r: Retry) => void;
}

function TreeRow({ row, domId, index, active, selected, onClick, onRetry }: TreeRowProps) {
  const expandable = isExpandable(row);
  const gone = row.kind === "version" ? row.gone : undefined;
  const className = [
    "picker-row",
    "tree-row",
    `tree-${row.kind}`,
    gone && "tree-gone",
    active && "active",
    selected && "selected",
  ]
    .filter(Boolean)
    .join(" ");
  return (
    // Rows are not focusable on purpose: the tree keeps focus and points at the active
    // row with aria-activedescendant, and handles the keys.
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/useFocusableInteractive: see above
    <div
      id={domId}
      role="treeitem"
      aria-level={row.depth}
      aria-posinset={row.pos}
      aria-setsize={row.size}
      aria-expanded={expandable ? row.expanded : undefined}
      aria-selected={isPickable(row) ? selected : undefined}
      aria-disabled={gone ? true : undefined}
      className={className}
      style={{ top: index * ROW, paddingLeft: 8 + (row.depth - 1) * INDENT }}
      data-kind={row.kind}
      title={row.kind === "error" || row.kind === "blocked" ? row.label : gone}
      onClick={onClick}
    >
      <span className="tree-chevron">{expandable && <Icon.chevron />}</span>
      {row.kind === "folder" ? (
        <span className="tree-icon">
          <Icon.folder />
        </span>
      ) : row.kind === "secret" ? (
        <span className="tree-icon">
          <Icon.secret />
        </span>
      ) : row.kind === "version" ? (
        <span className="tree-icon">
          <Icon.version />
        </span>
      ) : row.kind === "key" ? (
        <span className="tree-icon">
          <Icon.key />
        </span>
      ) : row.kind === "error" ? (
        <span className="tree-icon tree-icon-error">
          <Icon.alert />
        </span>
      ) : null}
      <span className="tree-label">
        {row.kind === "version" ? <span className="mono">{row.label}</span> : row.label}
      </span>
      {row.kind === "version" && (
        <>
          <StageBadges version={row.version} />
          {/* Not enabled, and no stage says why. */}
          {!row.version.enabled &&
            !(row.version.unusable_stage && row.version.stages.includes(row.version.unusable_stage)) && (
              <span className="badge" data-testid="version-disabled">
                disabled
              </span>
            )}
          {row.version.created && (
            <span className="tree-meta muted" data-testid="version-created">
              {day(row.version.created)}
            </span>
          )}
          {row.version.expires && (
            <span className="tree-meta muted" data-testid="version-row-expires">
              expires {day(row.version.expires)}
            </span>
          )}
        </>
      )}
      {row.kind === "error" && (
        <button
          type="button"
          className="button button-small tree-retry"
          tabIndex={-1}
          onClick={(e) => {
            e.stopPropagation();
            onRetry(row.retry);
          }}
        >
          Retry
        </button>
      )}
    </div>
  );
}
