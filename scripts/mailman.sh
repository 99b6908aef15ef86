#!/usr/bin/env bash
# Start or stop a private Mailman 3 core for the test suite: its own directory (SQLite database, queues,
# logs), its REST API on a loopback port with the user restadmin / password restpass, and only the REST
# runner: the tests drive Mailman through its REST API, so no mail goes in or out and no MTA is needed
# (the null MTA lets lists be created without Postfix's alias maps).
set -euo pipefail
action=$1 dir=$2 port=$3
cfg=$dir/mailman.cfg
if ! command -v mailman >/dev/null; then
  [ "$action" = stop ] && exit 0
  echo "Mailman core is not installed: apt-get install --no-install-recommends mailman3 (make system-deps does)" >&2
  exit 1
fi
# The master finds its runner scripts beside the mailman command (Debian: /usr/lib/mailman3/bin).
bin_dir=$(dirname "$(readlink -f "$(command -v mailman)")")
# Mailman refuses to run as root unless told to; CI containers run as root, and the directory is private.
mm() { mailman --run-as-root -C "$cfg" "$@"; }
# Mailman's own Python (a dependency of the package) asks the REST API; curl need not be installed.
answers() {
  python3 - "$port" <<'PY' 2>/dev/null
import base64, sys, urllib.request
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/3.1/system/versions")
request.add_header("Authorization", "Basic " + base64.b64encode(b"restadmin:restpass").decode())
urllib.request.urlopen(request, timeout=2)
PY
}

write_config() {
  mkdir -p "$dir"
  cat >"$cfg" <<CFG
[mailman]
layout: steward
site_owner: steward-tests@example.org

[paths.steward]
var_dir: $dir/var
bin_dir: $bin_dir
pid_file: $dir/var/master.pid
log_dir: $dir/var/logs

[database]
class: mailman.database.sqlite.SQLiteDatabase
url: sqlite:///$dir/var/data/mailman.db

[webservice]
hostname: 127.0.0.1
port: $port
admin_user: restadmin
admin_pass: restpass
api_version: 3.1
workers: 1

[mta]
incoming: mailman.mta.null.NullMTA
outgoing: mailman.mta.deliver.deliver
smtp_host: 127.0.0.1
smtp_port: 9

CFG
  for runner in archive bounces command in lmtp nntp out pipeline retry task virgin digest; do
    printf '[runner.%s]\nstart: no\n\n' "$runner" >>"$cfg"
  done
}

case "$action" in
start)
  if [ -f "$dir/var/master.pid" ] && kill -0 "$(cat "$dir/var/master.pid")" 2>/dev/null; then exit 0; fi
  rm -rf "$dir/var"  # a scratch site: every run starts empty
  write_config
  mm start --force >/dev/null
  # The REST runner answers once the database is set up; wait for it (at most 60 s).
  for _ in $(seq 120); do
    if answers; then exit 0; fi
    sleep 0.5
  done
  echo "Mailman did not answer on port $port; see $dir/var/logs" >&2
  exit 1
  ;;
stop)
  pid=$(cat "$dir/var/master.pid" 2>/dev/null || true)
  [ -f "$cfg" ] && mm stop >/dev/null 2>&1 || true
  # The master stops its runners before it exits; wait for that (at most 20 s), so a new start finds the port free.
  for _ in $(seq 40); do
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then exit 0; fi
    sleep 0.5
  done
  echo "Mailman (pid $pid) is still running" >&2
  ;;
esac
