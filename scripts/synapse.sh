#!/usr/bin/env bash
# Start or stop a private Synapse (the Matrix reference homeserver) for the test suite: its own directory (SQLite
# database, signing key, media, log), the client and admin APIs on a loopback port, no federation, rate limits raised
# so a test run is never throttled, and a registration shared secret (`steward-test-registration`) with which the tests
# register the bot, moderators and members through the admin API (/_synapse/admin/v1/register).
# Synapse runs from its own virtual environment (.venv-synapse, `make synapse-env`): it is a test peer, never one of
# Steward's dependencies.
set -euo pipefail
action=$1 dir=$2 port=$3
here=$(cd "$(dirname "$0")/.." && pwd)
python=${SYNAPSE_PYTHON:-$here/.venv-synapse/bin/python}
cfg=$dir/homeserver.yaml

answers() {
  "$python" - "$port" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_matrix/client/versions", timeout=2)
PY
}

write_config() {
  mkdir -p "$dir/media"
  cat >"$cfg" <<CFG
server_name: "steward.test"
public_baseurl: "http://127.0.0.1:$port/"
pid_file: $dir/homeserver.pid
listeners:
  - port: $port
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: $dir/homeserver.db
log_config: $dir/log.config
media_store_path: $dir/media
signing_key_path: $dir/signing.key
registration_shared_secret: "steward-test-registration"
enable_registration: false
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
bcrypt_rounds: 4  # registering a test account need not cost a real password hash
presence:
  enabled: false
# A test run sends hundreds of requests a second from a handful of accounts: never throttle them.
rc_message: {per_second: 10000, burst_count: 10000}
rc_registration: {per_second: 10000, burst_count: 10000}
rc_login:
  address: {per_second: 10000, burst_count: 10000}
  account: {per_second: 10000, burst_count: 10000}
  failed_attempts: {per_second: 10000, burst_count: 10000}
rc_admin_redaction: {per_second: 10000, burst_count: 10000}
rc_joins:
  local: {per_second: 10000, burst_count: 10000}
  remote: {per_second: 10000, burst_count: 10000}
rc_joins_per_room: {per_second: 10000, burst_count: 10000}
rc_invites:
  per_room: {per_second: 10000, burst_count: 10000}
  per_user: {per_second: 10000, burst_count: 10000}
  per_issuer: {per_second: 10000, burst_count: 10000}
rc_3pid_validation: {per_second: 10000, burst_count: 10000}
rc_room_creation: {per_second: 10000, burst_count: 10000}
rc_reports: {per_second: 10000, burst_count: 10000}
rc_presence:
  per_user: {per_second: 10000, burst_count: 10000}
rc_delayed_event_mgmt: {per_second: 10000, burst_count: 10000}
CFG
  cat >"$dir/log.config" <<LOG
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: $dir/homeserver.log
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
LOG
}

case $action in
start)
  if [ ! -x "$python" ]; then
    echo "Synapse is not installed: make synapse-env (make test does) builds .venv-synapse" >&2
    exit 1
  fi
  if answers; then exit 0; fi
  rm -rf "$dir"  # a fresh homeserver each run: no rooms or accounts left from an earlier one
  write_config
  "$python" -m synapse.app.homeserver -c "$cfg" --generate-keys >/dev/null
  "$python" -m synapse.app.homeserver -c "$cfg" --daemonize
  for _ in $(seq 1 120); do
    if answers; then exit 0; fi
    sleep 0.5
  done
  echo "Synapse did not answer on port $port within 60 s; its log:" >&2
  tail -40 "$dir/homeserver.log" >&2 || true
  exit 1
  ;;
stop)
  if [ -f "$dir/homeserver.pid" ]; then
    pid=$(cat "$dir/homeserver.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  ;;
*)
  echo "usage: $0 start|stop DIR PORT" >&2
  exit 2
  ;;
esac
