#!/usr/bin/env bash
# The secret-picker benchmark: starts a fresh moto on 127.0.0.1:5002, seeds 10,000
# secrets, and prints the time to the first tree level, to open a folder, to filter,
# and to list everything, with the number of AWS requests each took.
#   LATCHKEY_BENCH_SECRETS=N  (default 10000)   LATCHKEY_BENCH_RUNS=N (default 5)
# Built with the dev profile (dependencies optimised) so it reuses the test build;
# pass --release to build optimised.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
source scripts/env.sh
RUN_DIR="${TMPDIR:-/tmp}/latchkey-services"
mkdir -p "$RUN_DIR"
pkill -f "moto.server -H 127.0.0.1 -p 5002" 2>/dev/null || true
sleep 0.5
python3 -m moto.server -H 127.0.0.1 -p 5002 >"$RUN_DIR/moto-bench.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null http://127.0.0.1:5002/moto-api/ 2>/dev/null && break
  sleep 0.2
done
profile=(--profile dev)
[[ "${1:-}" == "--release" ]] && profile=()
LATCHKEY_BENCH_MOTO=http://127.0.0.1:5002 cargo bench "${profile[@]}" -p latchkey-providers --bench aws_tree
