import { useMemo, useState } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Icon } from "../../components/icons";
import { ErrorBanner, SkeletonRows } from "../../components/States";
import { useToast } from "../../components/Toasts";
import { api } from "../../ipc/api";
import { duration } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";

/** A long version ID (an AWS UUID) cut to its first characters; the whole one is in the title. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Settings › Secret cache: what is cached (metadata only, never a value) and a way to empty it. */
export function CacheSection() {
  const entries = useLoad(() => api.cacheEntries(), []);
  const [confirm, setConfirm] = useState<{ id: string | null; name: string }>();
  const toast = useToast();
  const list = entries.data ?? [];
  const managers = useMemo(() => {
    const out = new Map<string, { name: string; count: number }>();
    for (const e of entries.data ?? []) {
      const m = out.get(e.provider_id) ?? { name: e.provider, count: 0 };
      m.count += 1;
      out.set(e.provider_id, m);
    }
    return [...out.entries()].map(([id, m]) => ({ id, ...m }));
  }, [entries.data]);
  const loading = entries.loading && !entries.data;

  return (
    <section className="card" aria-labelledby="cache-title">
      <div className="card-header">
        <div>
          <h2 id="cache-title">Secret cache</h2>
          <p className="muted">
            Fetched secrets are kept in memory for each manager's TTL. Only names and versions are listed
            here, never a value.
          </p>
        </div>
        <div className="page-actions">
          <button type="button" className="button" onClick={entries.reload} disabled={entries.loading}>
            <Icon.refresh /> Reload
          </button>
          <button
            type="button"
            className="button button-danger-outline"
            onClick={() => setConfirm({ id: null, name: "" })}
            disabled={list.length === 0}
          >
            Clear cache
          </button>
        </div>
      </div>
      {entries.error !== undefined && <ErrorBanner error={entries.error} onRetry={entries.reload} />}
      {!loading && entries.error === undefined && list.length === 0 ? (
        <p className="cache-empty muted" data-testid="cache-empty">
          Nothing cached yet: values are cached when a connection is tested or refreshed.
        </p>
      ) : (
        entries.error === undefined && (
          <div className="table-wrap">
            <table className="table table-compact" aria-label="Cached secrets">
              <thead>
                <tr>
                  <th>Manager</th>
                  <th>Secret</th>
                  <th>Version</th>
                  <th>Version ID</th>
                  <th className="num">Age</th>
                  <th className="num">TTL</th>
                  <th className="num">Hits</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {loading ? (
                  <SkeletonRows cols={8} rows={2} />
                ) : (
                  list.map((e) => (
                    <tr key={`${e.provider_id}|${e.secret}|${e.version ?? ""}`} data-testid="cache-row">
                      <td className="mono">{e.provider}</td>
                      <td className="mono truncate" title={e.secret}>
                        {e.secret}
                      </td>
                      <td className="mono">{e.version ?? "latest"}</td>
                      <td className="mono" title={e.version_id ?? undefined}>
                        {e.version_id ? shortId(e.version_id) : "—"}
                      </td>
                      <td className="num">{duration(e.age_secs)}</td>
                      <td className="num">{e.ttl_secs === 0 ? "off" : duration(e.ttl_secs)}</td>
                      <td className="num">{e.hits}</td>
                      <td>
                        {e.stale ? (
                          <span className="badge badge-warn" title={e.stale} data-testid="cache-stale">
                            <Icon.alert /> stale<span className="sr-only">: {e.stale}</span>
                          </span>
                        ) : e.ttl_secs > 0 && e.age_secs >= e.ttl_secs ? (
                          <span className="badge">expired</span>
                        ) : (
                          <span className="badge badge-ok">fresh</span>
                        )}
                      </td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
        )
      )}
      {managers.length > 1 && (
        <div className="cache-managers">
          <span className="muted">Clear one manager:</span>
          {managers.map((m) => (
            <button
              key={m.id}
              type="button"
              className="button button-small"
              onClick={() => setConfirm({ id: m.id, name: m.name })}
              aria-label={`Clear the cache of ${m.name}`}
            >
              <span className="mono">{m.name}</span> ({m.count})
            </button>
          ))}
        </div>
      )}
      {confirm && (
        <ConfirmDialog
          title={confirm.id ? `Clear the cache of “${confirm.name}”?` : "Clear the secret cache?"}
          danger
          confirmLabel="Clear cache"
          body={
            <p>
              {confirm.id
                ? "Its cached values are dropped from memory."
                : "Every cached value is dropped from memory."}{" "}
              Connections fetch their secrets again the next time they are used; nothing is deleted from the
              secrets managers.
            </p>
          }
          onConfirm={async () => {
            const n = await api.clearCache(confirm.id);
            toast(`Cleared ${plural(n, "cached value")}`);
            entries.reload();
          }}
          onClose={() => setConfirm(undefined)}
        />
      )}
    </section>
  );
}
