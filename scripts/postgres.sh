#!/usr/bin/env bash
# Start or stop a private PostgreSQL cluster for the test suite: its own directory, a loopback
# port, and a superuser role "steward" that may create the test databases.
set -euo pipefail
action=$1 dir=$2 port=$3
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$action" in
start)
  if as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then exit 0; fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb" -D "$dir" -U postgres --auth=trust --no-sync >/dev/null
  fi
  as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
  psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='steward'" | grep -q 1 ||
    psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE ROLE steward LOGIN SUPERUSER PASSWORD 'steward'"
  psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='steward'" | grep -q 1 ||
    psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE steward OWNER steward"
  ;;
stop)
  as_pg "$bin/pg_ctl" -D "$dir" stop -m fast >/dev/null 2>&1 || true
  ;;
esac
