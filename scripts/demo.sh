#!/usr/bin/env bash
# Try Latchkey without an AWS account: sets everything up, starts moto (AWS Secrets
# Manager) and PostgreSQL, seeds demo secrets, and opens the app on a separate demo
# workspace with a project "Demo", a secrets manager "demo" and a PostgreSQL
# connection whose password comes from it. Open the connection and click Test, or add
# your own and pick a secret with "Use a secret".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh
bash scripts/services.sh
source scripts/env.sh
python3 tests/fixtures/moto_demo_seed.py http://127.0.0.1:5000
DEMO_DIR="${LATCHKEY_DEMO_DIR:-${TMPDIR:-/tmp}/latchkey-demo}"
BIN="$CARGO_TARGET_DIR/debug"
wrap=()
if [[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  echo "[demo] no display: opening the window inside Xvfb (xvfb-run)"
  wrap+=(xvfb-run -a -s "-screen 0 1280x800x24")
fi
if [[ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
  wrap+=(dbus-run-session -- bash scripts/with-keyring.sh)
fi
echo "[demo] workspace: $DEMO_DIR"
exec "${wrap[@]}" bash -c '"$1/latchkey" --data-dir "$2" demo setup --moto-url http://127.0.0.1:5000 &&
  exec "$1/latchkey-desktop" --data-dir "$2"' demo "$BIN" "$DEMO_DIR"
