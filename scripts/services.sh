#!/usr/bin/env bash
# Starts the local servers the tests talk to (idempotent: a running one is kept).
#   moto (AWS Secrets Manager, STS, S3)   http://127.0.0.1:5000
#   moto with IAM enforcement (AssumeRole)  http://127.0.0.1:5001  (restarted and seeded each run)
#   PostgreSQL 15                         127.0.0.1:5432
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1;34m[services]\033[0m %s\n' "$*"; }
RUN_DIR="${TMPDIR:-/tmp}/latchkey-services"
mkdir -p "$RUN_DIR"

wait_http() { # url, name
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "$2 did not start; see $RUN_DIR/$2.log" >&2
  return 1
}

if curl -fsS -o /dev/null http://127.0.0.1:5000/moto-api/ 2>/dev/null; then
  log "moto already running on :5000"
else
  log "starting moto on 127.0.0.1:5000"
  nohup python3 -m moto.server -H 127.0.0.1 -p 5000 >"$RUN_DIR/moto.log" 2>&1 &
  wait_http http://127.0.0.1:5000/moto-api/ moto
fi

# A second moto that enforces IAM after its first 8 calls, which the seed script makes.
pkill -f "moto.server -H 127.0.0.1 -p 5001" 2>/dev/null || true
sleep 0.5
log "starting moto with IAM enforcement on 127.0.0.1:5001"
INITIAL_NO_AUTH_ACTION_COUNT=8 nohup python3 -m moto.server -H 127.0.0.1 -p 5001 >"$RUN_DIR/moto-iam.log" 2>&1 &
for _ in $(seq 1 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', 5001), 0.2)" 2>/dev/null && break
  sleep 0.2
done
python3 tests/fixtures/moto_iam_seed.py http://127.0.0.1:5001 >"$RUN_DIR/moto-iam.json"

# PostgreSQL 15 (Debian's cluster) with a test role and database.
if ! pg_lsclusters -h 2>/dev/null | grep -q ' online'; then
  log "starting PostgreSQL 15"
  pg_ctlcluster 15 main start
fi
su postgres -c "psql -q -v ON_ERROR_STOP=1" <<'SQL' >/dev/null
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'latchkey_test') THEN
    CREATE ROLE latchkey_test LOGIN PASSWORD 'latchkey-test-pw';
  ELSE
    ALTER ROLE latchkey_test PASSWORD 'latchkey-test-pw';
  END IF;
END $$;
SQL
su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'latchkey_test'\"" | grep -q 1 ||
  su postgres -c "createdb -O latchkey_test latchkey_test"
log "PostgreSQL ready on 127.0.0.1:5432 (role latchkey_test)"
