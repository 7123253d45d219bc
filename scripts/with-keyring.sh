#!/usr/bin/env bash
# Runs a command with an unlocked GNOME Keyring (Secret Service) on the current
# D-Bus session bus. Use inside `dbus-run-session -- ...`.
# LATCHKEY_ISOLATED_KEYRING=1 keeps the keyring files in a throw-away folder (tests).
set -euo pipefail
if [[ "${LATCHKEY_ISOLATED_KEYRING:-}" == 1 ]]; then
  XDG_DATA_HOME=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-keyring.XXXXXX")
  export XDG_DATA_HOME
fi
# The unlock password only protects the keyring file on this machine.
eval "$(printf 'latchkey\n' | gnome-keyring-daemon --unlock --components=secrets | sed 's/^/export /')"
exec "$@"
