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
# Target servers for the connection tests; their TLS certificates come from one test CA,
# made afresh on each run in $RUN_DIR/targets-tls (ca.pem, server.pem, server-key.pem;
# SANs localhost and 127.0.0.1):
#   MariaDB 10.11 (Debian's service)       127.0.0.1:3306  TLS optional (test CA); database
#     latchkey_test, users latchkey_test / latchkey-mysql-pw, latchkey_rotate / mysql-rotate-initial
#   Redis 7, private instance              127.0.0.1:6390  (TLS: 127.0.0.1:6391), restarted each run;
#     password latchkey-redis-pw, ACL user latchkey_app / latchkey-redis-acl-pw
#   OpenSSH, private sshd                  127.0.0.1:2222  restarted each run; user latchkey-ssh /
#     latchkey-ssh-pw or the client keys in $RUN_DIR/ssh; host key pinned in $RUN_DIR/ssh/known_hosts
#   SMTP (tests/fixtures/smtp_server.py)   127.0.0.1:2587 STARTTLS, :2465 implicit TLS, :2525 plain;
#     restarted each run; latchkey@example.test / latchkey-smtp-pw; mail is dropped
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
port_free() { ! python3 -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.2)" "$1" 2>/dev/null; }
wait_port() { # port, name, log file
  for _ in $(seq 1 100); do
    port_free "$1" || return 0
    sleep 0.2
  done
  echo "$2 did not start on port $1; the end of $3:" >&2
  tail -n 5 "$3" >&2 2>/dev/null || true
  return 1
}
need_ports() { # ports...: fails when another process holds one of them
  for p in "$@"; do
    port_free "$p" || { echo "port $p is taken by a process this script did not start (ss -ltnp)" >&2; return 1; }
  done
}
stop_pidfile() { # pid file, command-line pattern: stops the process this script started last time
  local pidfile=$1 pid
  [[ -f $pidfile ]] || return 0
  pid=$(cat "$pidfile")
  if [[ -n $pid ]] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "$2"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
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
stop_bao() { stop_pidfile "$RUN_DIR/$1.pid" 'bao server -dev'; } # name
start_bao() { # name, port, extra args...
  local name=$1 port=$2
  shift 2
  stop_bao "$name"
  need_ports "$port" $((port + 1))
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

# ---------------------------------------------------------------------------------------
# Target servers for the connection tests.

# The test CA and the one server certificate (CN localhost; SANs DNS:localhost and
# IP:127.0.0.1) that MariaDB, Redis and SMTP present. Made afresh on each run and swapped in
# whole; every server below is restarted or reloaded afterwards. The key is world-readable
# on purpose (test-only) so the servers' own users can read it.
TLS_DIR="$RUN_DIR/targets-tls"
make_test_ca() {
  local tmp="$TLS_DIR.new"
  rm -rf "$tmp" && mkdir -p "$tmp"
  cat >"$tmp/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
  (
    cd "$tmp"
    openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 -config openssl.cnf \
      -extensions ca -subj "/O=Latchkey tests/CN=Latchkey test CA" -keyout ca-key.pem -out ca.pem
    openssl req -new -newkey rsa:2048 -nodes -config openssl.cnf -subj "/O=Latchkey tests/CN=localhost" \
      -keyout server-key.pem -out server.csr
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 16)" \
      -sha256 -days 825 -extfile openssl.cnf -extensions server -out server.pem
    rm -f server.csr openssl.cnf
    chmod 644 ca.pem server.pem server-key.pem
    chmod 600 ca-key.pem
  ) 2>"$RUN_DIR/targets-tls.log" || { cat "$RUN_DIR/targets-tls.log" >&2; return 1; }
  chmod 755 "$tmp"
  rm -rf "$TLS_DIR" && mv "$tmp" "$TLS_DIR"
}
log "making the test CA and server certificate in $TLS_DIR"
make_test_ca
openssl verify -CAfile "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem" >/dev/null

# MariaDB 10.11 (Debian's service) with TLS from the test CA. The server reads copies in
# /etc/mysql/latchkey-tls (a fixed path, whatever $TMPDIR is), named by a conf.d file;
# FLUSH SSL loads a new certificate without a restart. Accounts: latchkey_test (reset each
# run; @'%' and @'localhost') and latchkey_rotate (one account, 'latchkey_rotate'@'%', whose
# password the rotation tests change: created with mysql-rotate-initial, never reset here).
MARIADB_TLS_DIR=/etc/mysql/latchkey-tls
MARIADB_CNF=/etc/mysql/mariadb.conf.d/90-latchkey-tls.cnf
mysql_root() { mariadb --protocol=socket -uroot "$@"; }
start_mariadb() {
  install -d -m 750 -o root -g mysql "$MARIADB_TLS_DIR"
  install -m 644 -o root -g mysql "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem" "$MARIADB_TLS_DIR/"
  install -m 640 -o root -g mysql "$TLS_DIR/server-key.pem" "$MARIADB_TLS_DIR/"
  local cnf
  cnf="# Written by Latchkey's scripts/services.sh (test machines only): TLS with the test CA.
[mysqld]
ssl_ca = $MARIADB_TLS_DIR/ca.pem
ssl_cert = $MARIADB_TLS_DIR/server.pem
ssl_key = $MARIADB_TLS_DIR/server-key.pem"
  local changed=0
  if [[ ! -f $MARIADB_CNF ]] || [[ $(cat "$MARIADB_CNF") != "$cnf" ]]; then
    printf '%s\n' "$cnf" >"$MARIADB_CNF"
    changed=1
  fi
  if ! mariadb-admin --protocol=socket -uroot --silent ping >/dev/null 2>&1; then
    log "starting MariaDB"
    service mariadb start >/dev/null
  elif ((changed)); then
    log "restarting MariaDB (TLS settings changed)"
    service mariadb restart >/dev/null
  else
    mysql_root -e 'FLUSH SSL'
  fi
  mysql_root -N -e "SHOW GLOBAL VARIABLES LIKE 'have_ssl'" | grep -q YES ||
    { echo "MariaDB did not enable TLS; see its log (/var/log/mysql or syslog)" >&2; return 1; }
  mysql_root <<'SQL'
CREATE DATABASE IF NOT EXISTS latchkey_test;
CREATE USER IF NOT EXISTS 'latchkey_test'@'%' IDENTIFIED BY 'latchkey-mysql-pw';
CREATE USER IF NOT EXISTS 'latchkey_test'@'localhost' IDENTIFIED BY 'latchkey-mysql-pw';
ALTER USER 'latchkey_test'@'%' IDENTIFIED BY 'latchkey-mysql-pw';
ALTER USER 'latchkey_test'@'localhost' IDENTIFIED BY 'latchkey-mysql-pw';
GRANT ALL PRIVILEGES ON latchkey_test.* TO 'latchkey_test'@'%';
GRANT ALL PRIVILEGES ON latchkey_test.* TO 'latchkey_test'@'localhost';
CREATE USER IF NOT EXISTS 'latchkey_rotate'@'%' IDENTIFIED BY 'mysql-rotate-initial';
GRANT ALL PRIVILEGES ON latchkey_test.* TO 'latchkey_rotate'@'%';
SQL
}
start_mariadb
log "MariaDB ready on 127.0.0.1:3306 (database latchkey_test; TLS with the test CA)"

# Redis 7: a private instance (not Debian's service, which may also run on :6379), run as
# root from a generated config, in-memory only, restarted on every run.
REDIS_DIR="$RUN_DIR/redis"
start_redis() {
  mkdir -p "$REDIS_DIR"
  stop_pidfile "$REDIS_DIR/redis.pid" redis-server
  need_ports 6390 6391
  cat >"$REDIS_DIR/redis.conf" <<CONF
# Generated by scripts/services.sh on each run.
bind 127.0.0.1
port 6390
tls-port 6391
tls-cert-file $TLS_DIR/server.pem
tls-key-file $TLS_DIR/server-key.pem
tls-ca-cert-file $TLS_DIR/ca.pem
tls-auth-clients no
daemonize yes
pidfile $REDIS_DIR/redis.pid
logfile $REDIS_DIR/redis.log
dir $REDIS_DIR
save ""
appendonly no
requirepass latchkey-redis-pw
user latchkey_app reset on >latchkey-redis-acl-pw ~app:* resetchannels +ping +echo +hello +select +client|setname +client|getname +client|id +acl|whoami +get +info
CONF
  log "starting Redis on 127.0.0.1:6390 (TLS :6391)"
  redis-server "$REDIS_DIR/redis.conf"
  wait_port 6390 redis "$REDIS_DIR/redis.log"
  wait_port 6391 redis "$REDIS_DIR/redis.log"
  redis-cli -h 127.0.0.1 -p 6390 --no-auth-warning -a latchkey-redis-pw SET app:greeting hello >/dev/null
}
start_redis

# OpenSSH: a private sshd on 127.0.0.1:2222 with its own host key, for the user latchkey-ssh
# (password, or one of three client keys). Keys are made once per run directory; the
# password, authorized_keys and sample files are set on every run; sshd restarts each run.
# Debian's own sshd (if it runs) is told to refuse latchkey-ssh, whose password is public.
SSH_DIR="$RUN_DIR/ssh"
SSH_USER=latchkey-ssh
start_sshd() {
  mkdir -p "$SSH_DIR" /run/sshd
  chmod 755 "$SSH_DIR"
  local deny=/etc/ssh/sshd_config.d/latchkey-test.conf
  local deny_text="# Written by Latchkey's scripts/services.sh: the test user (a known password) logs in only
# to the private test sshd on 127.0.0.1:2222, never to this system's sshd.
DenyUsers $SSH_USER"
  if [[ ! -f $deny ]] || [[ $(cat "$deny") != "$deny_text" ]]; then
    mkdir -p /etc/ssh/sshd_config.d
    printf '%s\n' "$deny_text" >"$deny"
    if [[ -f /run/sshd.pid ]] && kill -0 "$(cat /run/sshd.pid)" 2>/dev/null; then
      kill -HUP "$(cat /run/sshd.pid)"
    fi
  fi

  id "$SSH_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$SSH_USER"
  echo "$SSH_USER:latchkey-ssh-pw" | chpasswd
  local home
  home=$(getent passwd "$SSH_USER" | cut -d: -f6)

  [[ -f $SSH_DIR/host_ed25519_key ]] ||
    ssh-keygen -q -t ed25519 -N '' -C latchkey-test-host -f "$SSH_DIR/host_ed25519_key"
  [[ -f $SSH_DIR/id_ed25519 ]] ||
    ssh-keygen -q -t ed25519 -N '' -C latchkey-test -f "$SSH_DIR/id_ed25519"
  [[ -f $SSH_DIR/id_ed25519_pass ]] ||
    ssh-keygen -q -t ed25519 -N latchkey-key-pass -C latchkey-test-pass -f "$SSH_DIR/id_ed25519_pass"
  [[ -f $SSH_DIR/id_rsa_pem ]] ||
    ssh-keygen -q -t rsa -b 3072 -m PEM -N '' -C latchkey-test-rsa -f "$SSH_DIR/id_rsa_pem"
  printf '[127.0.0.1]:2222 %s\n' "$(cut -d' ' -f1,2 "$SSH_DIR/host_ed25519_key.pub")" >"$SSH_DIR/known_hosts"
  ssh-keygen -lf "$SSH_DIR/host_ed25519_key.pub" | awk '{print $2}' >"$SSH_DIR/host_fingerprint"

  install -d -m 700 -o "$SSH_USER" -g "$SSH_USER" "$home/.ssh"
  cat "$SSH_DIR/id_ed25519.pub" "$SSH_DIR/id_ed25519_pass.pub" "$SSH_DIR/id_rsa_pem.pub" >"$home/.ssh/authorized_keys"
  chown "$SSH_USER:$SSH_USER" "$home/.ssh/authorized_keys"
  chmod 600 "$home/.ssh/authorized_keys"
  install -d -o "$SSH_USER" -g "$SSH_USER" "$home/reports"
  printf 'Latchkey SSH test account.\n' >"$home/notes.txt"
  printf 'month,total\n2024-01,100\n2024-02,120\n' >"$home/reports/2024-q1.csv"
  printf 'month,total\n2024-04,90\n' >"$home/reports/2024-q2.csv"
  chown "$SSH_USER:$SSH_USER" "$home/notes.txt" "$home/reports/"*.csv

  stop_pidfile "$SSH_DIR/sshd.pid" "sshd -f $SSH_DIR/sshd_config"
  need_ports 2222
  cat >"$SSH_DIR/sshd_config" <<CONF
# Generated by scripts/services.sh on each run.
Port 2222
ListenAddress 127.0.0.1
HostKey $SSH_DIR/host_ed25519_key
PidFile $SSH_DIR/sshd.pid
AllowUsers $SSH_USER
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
AuthorizedKeysFile .ssh/authorized_keys
# No PAM: its session modules (pam_loginuid) fail inside containers.
UsePAM no
PrintMotd no
Subsystem sftp internal-sftp
CONF
  /usr/sbin/sshd -t -f "$SSH_DIR/sshd_config"
  log "starting sshd on 127.0.0.1:2222"
  /usr/sbin/sshd -f "$SSH_DIR/sshd_config" -E "$SSH_DIR/sshd.log"
  wait_port 2222 sshd "$SSH_DIR/sshd.log"
}
start_sshd

# SMTP: tests/fixtures/smtp_server.py (aiosmtpd), restarted on every run.
start_smtp() {
  stop_pidfile "$RUN_DIR/smtp.pid" smtp_server.py
  need_ports 2587 2465 2525
  log "starting SMTP on 127.0.0.1:2587 (STARTTLS), :2465 (TLS), :2525 (plain)"
  setsid nohup python3 tests/fixtures/smtp_server.py --tls-dir "$TLS_DIR" >"$RUN_DIR/smtp.log" 2>&1 &
  echo $! >"$RUN_DIR/smtp.pid"
  for p in 2587 2465 2525; do wait_port "$p" smtp "$RUN_DIR/smtp.log"; done
}
start_smtp
log "targets ready: MariaDB :3306, Redis :6390/:6391, sshd :2222, SMTP :2587/:2465/:2525"
