import { useId, useState } from "react";
import { Field } from "../../components/Field";
import type { ProviderView_Serialize, WatchPolicy } from "../../ipc/api";
import { duration } from "../../lib/format";

/** A new manager's watch (the engine's default): every 5 minutes, at most 100 calls a look. */
export const DEFAULT_WATCH: WatchPolicy = { interval_secs: 300, refresh_and_test: false, max_calls: 100 };
export const MAX_WATCH_CALLS = 1000;

/** The intervals offered; a stored one not among them is offered too, as it is. */
export const WATCH_INTERVALS: { secs: number; label: string }[] = [
  { secs: 0, label: "Off" },
  { secs: 60, label: "1 minute" },
  { secs: 300, label: "5 minutes (default)" },
  { secs: 900, label: "15 minutes" },
  { secs: 3600, label: "1 hour" },
];

/** The field keys the engine names for the watch: the interval's, and the call limit's (under Advanced). */
export const WATCH_INTERVAL_FIELD = "watch_interval";
export const WATCH_CALLS_FIELD = "watch_max_calls";

/** Why a call limit typed in is refused, or undefined when it is fine. */
export function maxCallsError(text: string): string | undefined {
  const t = text.trim();
  if (t === "") return `Enter a number of calls from 1 to ${MAX_WATCH_CALLS}.`;
  if (!/^\d+$/.test(t)) return "Enter a whole number of calls, such as 100.";
  const n = Number(t);
  if (n < 1 || n > MAX_WATCH_CALLS) return `A look may make 1 to ${MAX_WATCH_CALLS} calls.`;
  return undefined;
}

/**
 * The rotation watch part of a provider form: its state and the policy to send. An
 * untouched policy is not sent (`undefined`): the engine keeps what it has (the default
 * for a new manager), so a change made elsewhere (the CLI) is not overwritten.
 */
export function useWatchFields(provider?: ProviderView_Serialize) {
  const initial = provider?.watch ?? DEFAULT_WATCH;
  const [intervalSecs, setIntervalSecs] = useState(String(initial.interval_secs));
  const [refreshAndTest, setRefreshAndTest] = useState(initial.refresh_and_test);
  const [maxCalls, setMaxCalls] = useState(String(initial.max_calls));
  const error = maxCallsError(maxCalls);
  const touched =
    intervalSecs !== String(initial.interval_secs) ||
    refreshAndTest !== initial.refresh_and_test ||
    maxCalls.trim() !== String(initial.max_calls);
  const policy = (): WatchPolicy | undefined =>
    touched && !error
      ? {
          interval_secs: Number(intervalSecs),
          refresh_and_test: refreshAndTest,
          max_calls: Number(maxCalls.trim()),
        }
      : undefined;
  const options = WATCH_INTERVALS.some((o) => o.secs === initial.interval_secs)
    ? WATCH_INTERVALS
    : [
        ...WATCH_INTERVALS,
        { secs: initial.interval_secs, label: `${duration(initial.interval_secs)} (custom)` },
      ];
  return {
    intervalSecs,
    setIntervalSecs,
    refreshAndTest,
    setRefreshAndTest,
    maxCalls,
    setMaxCalls,
    error,
    policy,
    options,
    /** The stored call limit is not the default: Advanced starts open. */
    customized: initial.max_calls !== DEFAULT_WATCH.max_calls,
  };
}

export type WatchState = ReturnType<typeof useWatchFields>;

/** "Rotation watch": how often it looks, and whether it refreshes and re-tests what rotated. */
export function WatchFields({ watch, error }: { watch: WatchState; error?: string }) {
  const refreshId = useId();
  const off = watch.intervalSecs === "0";
  return (
    <fieldset className="form-section watch-fields" data-testid="watch-fields">
      <legend>Rotation watch</legend>
      <Field
        label="Look for rotations every"
        error={error}
        help={
          off
            ? "Off: rotations are noticed only when a connection is refreshed or tested."
            : "Asks the manager for the versions of the secrets in use (metadata only, never a value)."
        }
      >
        {(p) => (
          <select
            {...p}
            name="watch_interval"
            className="input-auto"
            value={watch.intervalSecs}
            onChange={(e) => watch.setIntervalSecs(e.target.value)}
          >
            {watch.options.map((o) => (
              <option key={o.secs} value={String(o.secs)}>
                {o.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div className="check-field">
        <input
          id={refreshId}
          type="checkbox"
          name="watch_refresh_and_test"
          checked={watch.refreshAndTest}
          disabled={off}
          onChange={(e) => watch.setRefreshAndTest(e.target.checked)}
        />
        <label htmlFor={refreshId}>Refresh and re-test connections when a rotation is found</label>
      </div>
    </fieldset>
  );
}

/** The watch's call limit, under Advanced. */
export function WatchLimitField({ watch, error }: { watch: WatchState; error?: string }) {
  return (
    <fieldset className="form-section watch-limit">
      <legend>Rotation watch limit</legend>
      <Field
        label="Calls per look, at most"
        error={error}
        help={`From 1 to ${MAX_WATCH_CALLS}. Secrets left over are looked at next time.`}
      >
        {(p) => (
          <input
            {...p}
            name="watch_max_calls"
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_WATCH_CALLS}
            step={1}
            className="input-narrow"
            value={watch.maxCalls}
            onChange={(e) => watch.setMaxCalls(e.target.value)}
          />
        )}
      </Field>
    </fieldset>
  );
}
