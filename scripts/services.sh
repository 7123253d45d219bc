#!/usr/bin/env bash
# Starts the local servers the tests talk to (idempotent: a running one is kept).
#   moto (AWS Secrets Manager, STS, S3)   http://127.0.0.1:5000
#   moto with IAM enforcement (AssumeRole)  http://127.0.0.1:5001  (restarted and seeded each run)
#   PostgreSQL 15                         127.0.0.1:5432
#   OpenBao dev server (Vault API), HTTP  http://127.0.0.1:8200   (cluster port 8201)
#   OpenBao dev server, HTTPS             https://127.0.0.1:8210  (cluster port 8211)
#     both restarted and seeded each run (in-memory state), root token "root";
#     seeded by tests/fixtures/vault_seed.sh, which writes $RUN_DIR/vault.json;
#     the HTTPS server's CA is $RUN_DIR/bao-tls/vault-ca.pem
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

# A second moto that enforces IAM after its first 11 calls, which the seed script makes.
pkill -f "moto.server -H 127.0.0.1 -p 5001" 2>/dev/null || true
sleep 0.5
log "starting moto with IAM enforcement on 127.0.0.1:5001"
INITIAL_NO_AUTH_ACTION_COUNT=11 nohup python3 -m moto.server -H 127.0.0.1 -p 5001 >"$RUN_DIR/moto-iam.log" 2>&1 &
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
  -- The rotation tests change this role's password (ALTER ROLE, as postgres).
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'latchkey_rotate') THEN
    CREATE ROLE latchkey_rotate LOGIN PASSWORD 'rotate-initial';
  END IF;
END $$;
SQL
su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'latchkey_test'\"" | grep -q 1 ||
  su postgres -c "createdb -O latchkey_test latchkey_test"
log "PostgreSQL ready on 127.0.0.1:5432 (role latchkey_test)"

# OpenBao dev servers (HashiCorp Vault API). Dev mode keeps its state in memory, so both are
# restarted on every run and seeded afresh: the tests always see the same known state.
# A dev server also listens on its port + 1 for cluster traffic (8201, 8211).
stop_bao() { # name: stops the server this script started last time (by its pid file)
  local pidfile="$RUN_DIR/$1.pid" pid
  [[ -f $pidfile ]] || return 0
  pid=$(cat "$pidfile")
  if [[ -n $pid ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'bao server -dev'; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
port_free() { ! python3 -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.2)" "$1" 2>/dev/null; }
start_bao() { # name, port, extra args...
  local name=$1 port=$2
  shift 2
  stop_bao "$name"
  for p in "$port" $((port + 1)); do
    port_free "$p" || { echo "port $p is taken by a process this script did not start (ss -ltnp)" >&2; return 1; }
  done
  log "starting OpenBao dev server $name on 127.0.0.1:$port"
  setsid nohup bao server -dev -dev-root-token-id=root -dev-no-store-token \
    -dev-listen-address="127.0.0.1:$port" "$@" >"$RUN_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
}
wait_bao() { # name, health url, curl args...
  local name=$1 url=$2
  shift 2
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$@" "$url" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "$name did not start; see $RUN_DIR/$name.log" >&2
  return 1
}
BAO_TLS_DIR="$RUN_DIR/bao-tls"
start_bao bao 8200
rm -rf "$BAO_TLS_DIR" && mkdir -p "$BAO_TLS_DIR"
start_bao bao-tls 8210 -dev-tls -dev-tls-cert-dir="$BAO_TLS_DIR"
wait_bao bao http://127.0.0.1:8200/v1/sys/health
for _ in $(seq 1 100); do [[ -s $BAO_TLS_DIR/vault-ca.pem ]] && break; sleep 0.1; done
wait_bao bao-tls https://127.0.0.1:8210/v1/sys/health --cacert "$BAO_TLS_DIR/vault-ca.pem"
tests/fixtures/vault_seed.sh full http://127.0.0.1:8200 https://127.0.0.1:8210 "$BAO_TLS_DIR/vault-ca.pem" >"$RUN_DIR/vault.json.tmp"
mv "$RUN_DIR/vault.json.tmp" "$RUN_DIR/vault.json"
tests/fixtures/vault_seed.sh tls https://127.0.0.1:8210 "$BAO_TLS_DIR/vault-ca.pem"
log "OpenBao ready on :8200 (HTTP) and :8210 (HTTPS), seeded; see $RUN_DIR/vault.json"
