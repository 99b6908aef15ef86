#!/bin/sh
# Initialise the cluster on first start (user, password from POSTGRES_PASSWORD_FILE, database), then run
# PostgreSQL in the foreground as the postgres user, listening on the container's network.
set -eu
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
user="${POSTGRES_USER:-postgres}"
database="${POSTGRES_DB:-$user}"
if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$PGDATA" /run/postgresql
    exec runuser -u postgres -- "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    [ -s "${POSTGRES_PASSWORD_FILE:-}" ] || { echo "POSTGRES_PASSWORD_FILE must name a file holding the password" >&2; exit 1; }
    "$bin/initdb" --pgdata="$PGDATA" --username="$user" --pwfile="$POSTGRES_PASSWORD_FILE" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    "$bin/pg_ctl" --pgdata="$PGDATA" --options="-c listen_addresses=''" --wait start >/dev/null
    [ "$database" = postgres ] || "$bin/createdb" --username="$user" "$database"
    "$bin/pg_ctl" --pgdata="$PGDATA" --mode=fast --wait stop >/dev/null
    echo "initialised $PGDATA (user $user, database $database)"
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' "$@"
