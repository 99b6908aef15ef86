#!/bin/sh
# The image's one entry point (Containerfile). Its first argument says what this container is:
#   web           gunicorn on $HOST:$PORT (the default), after `migrate` when STEWARD_MIGRATE_ON_START=true
#   worker        the task worker (`manage.py db_worker`); run one or more
#   migrate       migrate the database and load the policy file, then exit
#   healthcheck   what HEALTHCHECK runs: the web server's /health/, or the worker's heartbeat
#   anything else a manage.py command, e.g. `create_admin`, `rotate_keys`, `check --deploy`, `shell`
set -eu
# As PID 1 a shell ignores SIGTERM unless told: a container stopped while it waits (for the migration, say) would
# otherwise sit out the whole stop timeout. The program exec'd below handles its own signals.
trap 'exit 143' TERM INT
cd /opt/steward/app
role="${1:-web}"
[ "$#" -gt 0 ] && shift

migrate() {
    python manage.py migrate --no-input
    python manage.py load_policy
}

case "$role" in
    web)
        echo web > /tmp/steward-role
        if [ "${STEWARD_MIGRATE_ON_START:-false}" = "true" ]; then migrate; fi
        # The same arguments as `make run` and the docs (steward/serving.py); WEB_WORKERS/WEB_THREADS override theirs.
        # shellcheck disable=SC2046
        exec gunicorn $(python -c 'from steward.serving import GUNICORN_ARGS; print(" ".join(GUNICORN_ARGS))') \
            --bind "${HOST}:${PORT}" ${WEB_WORKERS:+--workers "$WEB_WORKERS"} ${WEB_THREADS:+--threads "$WEB_THREADS"} "$@"
        ;;
    worker)
        echo worker > /tmp/steward-role
        # The web container migrates; a worker started beside it waits for that rather than failing on missing tables.
        until python manage.py migrate --check >/dev/null 2>&1; do
            [ -n "${waited:-}" ] || { echo "waiting for the database to be migrated (the web container does it)…"; waited=1; }
            sleep 3
        done
        # What `make run` does before serving: run what is due and queue the sweeps (clocks, enforcement, reading
        # the spaces, the heartbeat) that the worker then keeps queued itself.
        python manage.py tick_clocks
        python manage.py tick_enforcement
        python manage.py poll_spaces
        exec python manage.py db_worker "$@"
        ;;
    migrate)
        migrate
        ;;
    healthcheck)
        exec python /opt/steward/app/deploy/container/healthcheck.py "$(cat /tmp/steward-role 2>/dev/null || echo none)"
        ;;
    *)
        exec python manage.py "$role" "$@"
        ;;
esac
