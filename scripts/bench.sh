#!/usr/bin/env bash
# Latchkey's benchmarks (figures printed; nothing asserts a duration):
#   tree     the secret picker on 10,000 secrets (a fresh moto on :5002): time to the
#            first tree level, to open a folder, to filter, to list everything, and
#            the AWS requests each took   (LATCHKEY_BENCH_SECRETS, LATCHKEY_BENCH_RUNS)
#   cache    criterion: one cache hit among 1,000 entries
#   refresh  refresh-and-test of 500 connections sharing 50 secrets, with and without
#            the cache: wall time and GetSecretValue requests
#   watch    the rotation watch on 50 secrets in use among 10,000 (a fresh moto on
#            :5014 recording its requests): calls and time of one look, next to a
#            value-polling cycle; the inventory and status column of 500 connections
# Usage: bash scripts/bench.sh [tree|cache|refresh|watch]...   (default: all four)
# Built with the dev profile (dependencies optimised) so it reuses the test build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
source scripts/env.sh
which=("$@")
[[ ${#which[@]} -eq 0 ]] && which=(tree cache refresh watch)
RUN_DIR="${TMPDIR:-/tmp}/latchkey-services"
mkdir -p "$RUN_DIR"
for b in "${which[@]}"; do
  case "$b" in
    tree)
      pkill -f "moto.server -H 127.0.0.1 -p 5002" 2>/dev/null || true
      sleep 0.5
      python3 -m moto.server -H 127.0.0.1 -p 5002 >"$RUN_DIR/moto-bench.log" 2>&1 &
      moto_pid=$!
      for _ in $(seq 1 100); do
        curl -fsS -o /dev/null http://127.0.0.1:5002/moto-api/ 2>/dev/null && break
        sleep 0.2
      done
      LATCHKEY_BENCH_MOTO=http://127.0.0.1:5002 cargo bench --profile dev -p latchkey-providers --bench aws_tree || { kill $moto_pid; exit 1; }
      kill $moto_pid 2>/dev/null || true
      ;;
    cache)
      cargo bench --profile dev -p latchkey-engine --bench cache_hit
      ;;
    refresh)
      bash scripts/services.sh
      cargo bench --profile dev -p latchkey-engine --bench refresh_500
      ;;
    watch)
      cargo bench --profile dev -p latchkey-engine --bench watch_50
      ;;
    *) echo "unknown benchmark: $b (tree, cache, refresh or watch)" >&2; exit 2 ;;
  esac
done
