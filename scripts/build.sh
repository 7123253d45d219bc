#!/usr/bin/env bash
# Builds the web UI and the desktop binary (debug, with the UI embedded).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
(cd ui && npm run -s build)
cargo build -p latchkey-desktop -p latchkey-cli --features latchkey-desktop/custom-protocol
echo "built: $CARGO_TARGET_DIR/debug/latchkey-desktop and $CARGO_TARGET_DIR/debug/latchkey"
