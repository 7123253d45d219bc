#!/usr/bin/env bash
# Regenerates ui/src/ipc/bindings.ts from the Rust commands and types.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
LATCHKEY_UPDATE_BINDINGS=1 cargo test -p latchkey-desktop --features latchkey-desktop/custom-protocol --test bindings
echo "wrote ui/src/ipc/bindings.ts"
