import { useId, useState } from "react";
import { TextField } from "../../components/Field";
import { ErrorBanner } from "../../components/States";
import { useToast } from "../../components/Toasts";
import { api, CommandError, type ControlApiStatus_Serialize } from "../../ipc/api";
import { useLoad } from "../../lib/useLoad";

export const MIN_PORT = 1024;
export const MAX_PORT = 65535;
/** The field key the server names for a refused port. */
const PORT_FIELD = "control_api_port";

/** Why a port typed in is refused, or undefined when it is fine. */
export function portError(text: string): string | undefined {
  const t = text.trim();
  if (t === "") return `Enter a port from ${MIN_PORT} to ${MAX_PORT}.`;
  if (!/^\d+$/.test(t)) return "Enter a whole number, such as 47821.";
  const n = Number(t);
  if (n < MIN_PORT || n > MAX_PORT) return `Choose a port from ${MIN_PORT} to ${MAX_PORT}.`;
  return undefined;
}

/** The ready-to-copy calls a rotation script makes once the API is on. */
export function examples(port: number): { label: string; command: string }[] {
  const base = `http://127.0.0.1:${port}`;
  return [
    {
      label: "Clear the cache (the call rotation scripts written for other platforms already make):",
      command: `curl -X POST -H "Authorization: Bearer $TOKEN" ${base}/api/secrets_management/clear_cache`,
    },
    {
      label: "Refresh every connection and test it, with the results per connection:",
      command: `curl -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{"scope":"all","test":true}' ${base}/api/v1/refresh`,
    },
    {
      label: "Or from a terminal (it goes through the running app while the API is on):",
      command: "latchkey refresh --all --test",
    },
  ];
}

function StatusLine({ s }: { s?: ControlApiStatus_Serialize }) {
  let text = "…";
  let cls = "badge";
  if (s?.listening) {
    text = `Listening on ${s.listening}`;
    cls = "badge badge-ok";
  } else if (s?.enabled) {
    text = s.error
      ? `Not listening: ${s.error}`
      : `Not listening on port ${s.port}. Turn it off and on again to retry.`;
    cls = "badge badge-error";
  } else if (s) {
    text = "Off";
  }
  return (
    <p className="control-api-status">
      Status:{" "}
      <span className={cls} data-testid="control-api-status">
        {text}
      </span>
    </p>
  );
}

/**
 * Settings › Automation: the local control API, its port, its token (shown only on
 * request, and only while shown) and the calls a rotation script makes.
 */
export function ControlApiSection() {
  const loaded = useLoad(() => api.controlApiStatus(), []);
  // The status of the last switch, once there was one; before, the loaded one.
  const [changed, setChanged] = useState<ControlApiStatus_Serialize>();
  // What is typed in the port field; undefined while it shows the saved port.
  const [portText, setPortText] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const [serverPortError, setServerPortError] = useState<string>();
  // The token lives here only while it is shown: Hide and leaving the page drop it.
  const [token, setToken] = useState<string>();
  const [revealing, setRevealing] = useState(false);
  const toast = useToast();
  const titleId = useId();
  const switchLabelId = useId();

  const status = changed ?? loaded.data;
  const port = portText ?? (status ? String(status.port) : "");
  const clientPortError = portText !== undefined ? portError(portText) : undefined;

  const apply = async (enabled: boolean) => {
    if (!status) return;
    const err = portError(port);
    // Turning it off never waits on a port being fixed: the saved one is kept then.
    if (err && enabled) {
      setPortText(port);
      return;
    }
    setBusy(true);
    setFailure(undefined);
    setServerPortError(undefined);
    try {
      setChanged(await api.setControlApi(enabled, err ? status.port : Number(port.trim())));
      setPortText(undefined);
    } catch (e) {
      const fieldError = e instanceof CommandError ? e.fieldErrors()[PORT_FIELD] : undefined;
      if (fieldError) setServerPortError(fieldError);
      else setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  const reveal = async () => {
    setRevealing(true);
    setFailure(undefined);
    try {
      setToken(await api.revealControlApiToken());
    } catch (e) {
      setFailure(e);
    } finally {
      setRevealing(false);
    }
  };

  const copy = (text: string, what: string) => {
    navigator.clipboard?.writeText(text).then(
      () => toast(`${what} copied`),
      () => toast(`Could not copy the ${what.toLowerCase()}`, "error"),
    );
  };

  const enabled = status?.enabled ?? false;
  const portChanged =
    portText !== undefined && status !== undefined && portText.trim() !== String(status.port);

  return (
    <section className="card" aria-labelledby={titleId} data-testid="control-api">
      <div className="card-header">
        <div>
          <h2 id={titleId}>Automation (control API)</h2>
          <p className="muted">
            Lets rotation scripts refresh Latchkey without the GUI: clear the cache, or refresh and test
            connections.
          </p>
          <p className="muted">
            It listens on 127.0.0.1 only, asks for a bearer token, and is off by default.
          </p>
        </div>
      </div>
      {loaded.error !== undefined && <ErrorBanner error={loaded.error} onRetry={loaded.reload} />}
      {failure !== undefined && <ErrorBanner error={failure} />}

      <div className="switch-row">
        <button
          type="button"
          role="switch"
          className="switch"
          aria-checked={enabled}
          aria-labelledby={switchLabelId}
          onClick={() => apply(!enabled)}
          disabled={!status || busy}
          data-testid="control-api-switch"
        >
          <span className="switch-knob" aria-hidden="true" />
        </button>
        <span id={switchLabelId}>Serve the control API</span>
      </div>

      <div className="control-api-port">
        <TextField
          label="Port"
          name="control_api_port"
          type="text"
          inputMode="numeric"
          className="input-narrow mono"
          value={port}
          onChange={(v) => {
            setPortText(v);
            setServerPortError(undefined);
          }}
          error={clientPortError ?? serverPortError}
          help={`From ${MIN_PORT} to ${MAX_PORT}. Changing it while the API is on moves it to the new port.`}
          disabled={!status}
        />
        {portChanged && (
          <button
            type="button"
            className="button"
            onClick={() => apply(enabled)}
            disabled={busy || clientPortError !== undefined}
          >
            Save port
          </button>
        )}
      </div>

      <StatusLine s={status} />

      <div className="control-api-token">
        <h3>Token</h3>
        {token === undefined ? (
          <div className="copy-row">
            <button type="button" className="button" onClick={reveal} disabled={revealing}>
              {revealing ? "Showing…" : "Show token"}
            </button>
            <span className="muted small">Showing the token is recorded in the audit log.</span>
          </div>
        ) : (
          <>
            <div className="copy-row">
              <input
                readOnly
                className="mono token-field"
                value={token}
                aria-label="Control API token"
                data-testid="control-api-token"
                spellCheck={false}
                autoComplete="off"
                onFocus={(e) => e.currentTarget.select()}
              />
              <button type="button" className="button button-small" onClick={() => copy(token, "Token")}>
                Copy
              </button>
              <button type="button" className="button button-small" onClick={() => setToken(undefined)}>
                Hide
              </button>
            </div>
            <p className="muted small">Showing the token is recorded in the audit log.</p>
          </>
        )}
      </div>

      <div className="control-api-examples">
        <h3>Examples</h3>
        <p className="muted small">
          Put the token in <code>TOKEN</code> first, for example <code>export TOKEN=…</code>.
        </p>
        {examples(status?.port ?? 47821).map((ex) => (
          <div key={ex.command} className="example">
            <p className="small">{ex.label}</p>
            <div className="copy-row">
              <pre className="snippet" data-testid="control-api-example">
                {ex.command}
              </pre>
              <button
                type="button"
                className="button button-small"
                onClick={() => copy(ex.command, "Command")}
                aria-label={`Copy: ${ex.command}`}
              >
                Copy
              </button>
            </div>
          </div>
        ))}
      </div>
    </section>
  );
}
