import { useId, useState } from "react";
import { Field } from "../../components/Field";
import type { CachePolicy, ProviderView_Serialize } from "../../ipc/api";

/** A week: the longest TTL the form accepts. */
export const MAX_TTL_MINUTES = 10080;
const DEFAULT: CachePolicy = { ttl_secs: 3600, stale_if_error: true };

/** Field keys the server may name for the cache policy's TTL. */
export const CACHE_FIELDS = ["cache", "cache.ttl_secs", "ttl_secs", "cache_ttl"];

/** Why a TTL in minutes is refused, or undefined when it is fine. */
export function ttlError(minutes: string): string | undefined {
  const t = minutes.trim();
  if (t === "") return "Enter a number of minutes (0 turns caching off).";
  if (!/^\d+$/.test(t)) return "Enter a whole number of minutes, such as 60.";
  if (Number(t) > MAX_TTL_MINUTES) return `At most ${MAX_TTL_MINUTES} minutes (one week).`;
  return undefined;
}

/**
 * The cache part of a provider form: its state, the policy to send, and its fields.
 * An untouched policy is sent back exactly as stored, even a TTL that is not a whole
 * number of minutes (set from the CLI, say).
 */
export function useCacheFields(provider?: ProviderView_Serialize) {
  const initial = provider?.cache ?? DEFAULT;
  const initialMinutes = String(Math.round(initial.ttl_secs / 60));
  const [minutes, setMinutes] = useState(initialMinutes);
  const [staleIfError, setStaleIfError] = useState(initial.stale_if_error);
  const error = ttlError(minutes);
  const policy = (): CachePolicy | null => {
    if (error) return null;
    if (minutes === initialMinutes && staleIfError === initial.stale_if_error) return { ...initial };
    return { ttl_secs: Number(minutes.trim()) * 60, stale_if_error: staleIfError };
  };
  const customized =
    initial.ttl_secs !== DEFAULT.ttl_secs || initial.stale_if_error !== DEFAULT.stale_if_error;
  return { minutes, setMinutes, staleIfError, setStaleIfError, error, policy, customized };
}

export function CacheFields({
  cache,
  error,
}: {
  cache: ReturnType<typeof useCacheFields>;
  /** The error to show under the TTL (the client's check, or the server's). */
  error?: string;
}) {
  const staleId = useId();
  const off = cache.minutes.trim() === "0";
  return (
    <fieldset className="form-section cache-fields">
      <legend>Cache</legend>
      <Field
        label="Cache values for (minutes)"
        error={error}
        help={
          off
            ? "0: caching off, every use fetches the secret again."
            : "Values are kept in memory only, never on disk. 0 turns caching off; at most 10080 (a week)."
        }
      >
        {(p) => (
          <input
            {...p}
            name="cache_ttl_minutes"
            type="number"
            inputMode="numeric"
            min={0}
            max={MAX_TTL_MINUTES}
            step={1}
            className="input-narrow"
            value={cache.minutes}
            onChange={(e) => cache.setMinutes(e.target.value)}
          />
        )}
      </Field>
      <div className="check-field">
        <input
          id={staleId}
          type="checkbox"
          name="stale_if_error"
          checked={cache.staleIfError}
          onChange={(e) => cache.setStaleIfError(e.target.checked)}
        />
        <label htmlFor={staleId}>
          Keep serving the last good value when a refresh fails (stale-if-error)
        </label>
      </div>
    </fieldset>
  );
}
