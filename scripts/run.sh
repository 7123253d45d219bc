#!/usr/bin/env bash
# Sets everything up, builds, and opens the Latchkey window.
# Without a display (a headless server) the window opens inside Xvfb; without a
# D-Bus session a private one with GNOME Keyring is started for the OS keychain.
# Extra arguments go to the app (e.g. --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh
source scripts/env.sh
wrap=()
if [[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  echo "[run] no display: opening the window inside Xvfb (screen :99 via xvfb-run)"
  wrap+=(xvfb-run -a -s "-screen 0 1280x800x24")
fi
if [[ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
  wrap+=(dbus-run-session -- bash scripts/with-keyring.sh)
fi
exec "${wrap[@]}" "$CARGO_TARGET_DIR/debug/latchkey-desktop" "$@"
