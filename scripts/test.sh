#!/usr/bin/env bash
# Sets everything up and runs Latchkey's whole test suite:
#   lints (rustfmt, clippy, Biome, tsc) → build → Rust tests (real SQLite, real Secret
#   Service, AWS Secrets Manager on moto, Vault API on OpenBao, and the connection targets:
#   PostgreSQL, MariaDB, Redis, sshd, SMTP, moto S3) → the fuzz target builds → UI component tests (Vitest) → end-to-end tests
#   in the real window (tauri-driver + WebKitWebDriver under Xvfb).
# Each runner prints its own summary; the script stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
source scripts/env.sh
started=$(date +%s)
step() { printf '\n\033[1;34m==> %s\033[0m (%ss)\n' "$*" "$(($(date +%s) - started))"; }

step "bootstrap"
bash scripts/bootstrap.sh

step "lint: rustfmt, Biome, tsc"
cargo fmt --all --check
(cd ui && npm run -s lint && npm run -s typecheck)

step "build: UI and desktop app"
bash scripts/build.sh

step "lint: clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --features latchkey-desktop/custom-protocol -- -D warnings

step "fuzz target builds"
cargo build --manifest-path fuzz/Cargo.toml --bins

step "services: moto, OpenBao, PostgreSQL, MariaDB, Redis, sshd, SMTP"
bash scripts/services.sh

step "Rust tests (real SQLite, real Secret Service, moto, OpenBao, PostgreSQL, MariaDB, Redis, sshd, SMTP)"
export LATCHKEY_ISOLATED_KEYRING=1
dbus-run-session -- bash scripts/with-keyring.sh \
  cargo test --workspace --features latchkey-desktop/custom-protocol

step "UI component tests (Vitest)"
(cd ui && npx vitest run)

step "end-to-end: the real window (tauri-driver + WebKitWebDriver under Xvfb)"
rm -rf tests/e2e/screenshots
# The local Azure Key Vault the window's Azure test talks to (built by the tests above;
# this is a no-op then).
cargo build -p latchkey-testkit --bin latchkey-keyvault
LATCHKEY_APP="$CARGO_TARGET_DIR/debug/latchkey-desktop" \
LATCHKEY_CLI="$CARGO_TARGET_DIR/debug/latchkey" \
LATCHKEY_KEYVAULT="$CARGO_TARGET_DIR/debug/latchkey-keyvault" \
  xvfb-run -a -s "-screen 0 1280x800x24" \
  dbus-run-session -- bash scripts/with-keyring.sh \
  bash -c "cd '$ROOT/tests/e2e' && npm test"

step "all tests passed"
