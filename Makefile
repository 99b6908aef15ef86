# Steward: `make run` serves the demo, `make test` runs every check. Both install what they need.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON_VERSION := $(shell cat .python-version)
PYTHON ?= $(shell pyenv which python$(PYTHON_VERSION) 2>/dev/null || command -v python$(PYTHON_VERSION) || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock requirements-dev.lock | sha1sum | cut -c1-12)
PG_DIR := /tmp/steward-pg
PG_PORT := 54329
PG_URL := postgres://steward:steward@127.0.0.1:$(PG_PORT)/steward
MM_DIR := /tmp/steward-mailman
MM_PORT := 8321
MM_URL := http://restadmin:restpass@127.0.0.1:$(MM_PORT)/3.1
DOVECOT_DIR := /tmp/steward-dovecot
DOVECOT_PORT := 54143
SYNAPSE_DIR := /tmp/steward-synapse
SYNAPSE_PORT := 8448
SYNAPSE_VENV := .venv-synapse
SYNAPSE_STAMP := $(SYNAPSE_VENV)/.installed-$(shell sha1sum < scripts/synapse/requirements.lock | cut -c1-12)
# The real servers the tests drive (Mailman core; dovecot with STARTTLS on DOVECOT_PORT and IMAPS on the next port;
# Synapse, the Matrix homeserver) run for the length of one pytest run: started before it, stopped when the recipe line
# ends however it ends (one trap: a second `trap ... EXIT` would replace the first).
WITH_TEST_SERVERS := trap 'scripts/mailman.sh stop $(MM_DIR) $(MM_PORT); scripts/dovecot.sh stop $(DOVECOT_DIR) $(DOVECOT_PORT); \
  scripts/synapse.sh stop $(SYNAPSE_DIR) $(SYNAPSE_PORT)' EXIT; \
  scripts/mailman.sh start $(MM_DIR) $(MM_PORT); scripts/dovecot.sh start $(DOVECOT_DIR) $(DOVECOT_PORT); \
  scripts/synapse.sh start $(SYNAPSE_DIR) $(SYNAPSE_PORT); \
  STEWARD_TEST_MAILMAN_URL=$(MM_URL) STEWARD_TEST_DOVECOT=$(DOVECOT_DIR) STEWARD_TEST_SYNAPSE_URL=http://127.0.0.1:$(SYNAPSE_PORT)
HOST ?= 127.0.0.1
PORT ?= 8000

help:
	@echo "make run    install, migrate, load the demo community and serve it with its worker"
	@echo "make test   install, then ruff, mypy and the whole suite on SQLite and PostgreSQL"
	@echo "make mutation  mutation testing over the trust core; prints the changes no test catches (docs/testing.md)"
	@echo "make benchmark  page latency and queries at 1k and 100k cases under gunicorn (docs/performance.md)"
	@echo "make image      the container image (podman; docs/container.md); make image-test runs compose.yaml and checks it"

$(STAMP): requirements.lock requirements-dev.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --requirement requirements.lock --requirement requirements-dev.lock
	rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

node_modules/.installed: package-lock.json  ## test-only: axe-core for the accessibility checks
	npm ci --no-audit --no-fund --silent
	touch $@

$(SYNAPSE_STAMP): scripts/synapse/requirements.lock
	@test -x $(SYNAPSE_VENV)/bin/python || $(PYTHON) -m venv $(SYNAPSE_VENV)
	$(SYNAPSE_VENV)/bin/python -m pip install --quiet --no-deps --requirement scripts/synapse/requirements.lock
	rm -f $(SYNAPSE_VENV)/.installed-*; touch $@

synapse-env: $(SYNAPSE_STAMP)  ## test-only: Synapse, the Matrix homeserver the Matrix tests drive, in its own environment

encoder-env:  ## research only: the CPU environment of scripts/encoder/ (torch etc.); Steward never needs it
	@test -x .venv-encoder/bin/python || $(PYTHON) -m venv .venv-encoder
	.venv-encoder/bin/python -m pip install --quiet --no-deps --requirement scripts/encoder/requirements.txt

lock:  ## pin every transitive dependency after changing pyproject.toml: run-time and development sets, each resolved afresh
	$(PYTHON) scripts/lock.py

system-deps:  ## Debian packages the tests drive: Chromium (browser tests), PostgreSQL (second database), dovecot (reports mailbox), nginx and Caddy (the shipped proxy configurations), systemd (systemd-analyze verifies the shipped units), Mailman 3 core (Mailman space)
	@command -v chromium >/dev/null && test -x /usr/lib/postgresql/15/bin/initdb && test -x /usr/sbin/dovecot && test -x /usr/sbin/nginx && command -v caddy >/dev/null && command -v systemd-analyze >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql dovecot-imapd nginx caddy systemd >/dev/null; }
# mailman3 without recommends: no MTA (the test core delivers no mail); its packaged service is not used (scripts/mailman.sh runs one).
	@command -v mailman >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mailman3 >/dev/null; }

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_policy

demo: migrate
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py tick_clocks
	$(PY) manage.py tick_enforcement
	$(PY) manage.py poll_spaces
	@echo "Steward is starting at http://$(HOST):$(PORT) (gunicorn, as in production; the task worker runs beside it)."
	export HOST=$(HOST) PORT=$(PORT); \
	$(PY) manage.py db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	  $(VENV)/bin/gunicorn steward.wsgi:application --bind $(HOST):$(PORT) --config gunicorn.conf.py --workers 2 --threads 4 --graceful-timeout 20

messages: install  ## refresh the translation catalogues and compile them (needs GNU gettext); the .mo files are committed
	$(PY) manage.py makemessages --all --ignore=.venv --ignore=.venv-encoder --ignore=.venv-synapse --ignore=node_modules --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.venv-encoder --ignore=.venv-synapse --ignore=node_modules

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run >/dev/null

postgres: system-deps  ## a throwaway PostgreSQL on a loopback port, for the test run
	scripts/postgres.sh start $(PG_DIR) $(PG_PORT)

test-sqlite: install system-deps synapse-env node_modules/.installed
	$(WITH_TEST_SERVERS) $(VENV)/bin/pytest -q -n 2 --dist loadfile

test-postgres: install postgres synapse-env node_modules/.installed
# What opens no database (database_free), and what a browser shows (browser: the same pages, whichever database served
# them; every view and action under them runs on PostgreSQL in its own tests), has nothing to show here that SQLite's
# run has not shown (docs/testing.md).
	$(WITH_TEST_SERVERS) DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q -n 2 --dist loadfile -m 'not database_free and not browser'

test: lint test-sqlite test-postgres

container-deps:  ## Debian packages that build and run the image here: podman (runc), debootstrap for a base without a registry
	@command -v podman >/dev/null && command -v podman-compose >/dev/null && command -v debootstrap >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman podman-compose buildah runc debootstrap uidmap >/dev/null; }

image: container-deps  ## not in CI: the OCI image of Steward (docs/container.md)
	scripts/image.sh steward:latest

image-test: install container-deps  ## not in CI (the release check): build the image, run compose.yaml, file a report through it, restart its database and every container
	$(PY) scripts/test_image.py

MUTATION_ARGS ?=
mutation: install  ## not in CI: about 45 minutes on 2 cores; narrow it with MUTATION_ARGS="--target cases/access.py --limit 20"
	$(PY) scripts/mutation.py --jobs 2 --out var/mutation.md $(MUTATION_ARGS)

BENCH_PG_DIR := /tmp/steward-pg-bench
BENCH_PG_PORT := 54339
BENCHMARK_ARGS ?= --scales 1000x5,1000x50,100000x5
benchmark: install  ## not in CI: builds each data set once under var/bench/ (100k cases: ~30 min on 2 cores), then times the pages
	$(PY) scripts/benchmark.py $(BENCHMARK_ARGS) --json var/bench/sqlite.json

benchmark-postgres: install system-deps  ## the same on a private PostgreSQL (its own directory and port, stopped at the end)
	trap 'scripts/postgres.sh stop $(BENCH_PG_DIR) $(BENCH_PG_PORT)' EXIT; scripts/postgres.sh start $(BENCH_PG_DIR) $(BENCH_PG_PORT); \
	  $(PY) scripts/benchmark.py --database postgres --postgres postgres://steward:steward@127.0.0.1:$(BENCH_PG_PORT) \
	  $(BENCHMARK_ARGS) --json var/bench/postgres.json

clean:
	scripts/postgres.sh stop $(PG_DIR) $(PG_PORT) || true
	scripts/mailman.sh stop $(MM_DIR) $(MM_PORT) || true
	scripts/dovecot.sh stop $(DOVECOT_DIR) $(DOVECOT_PORT) || true
	scripts/synapse.sh stop $(SYNAPSE_DIR) $(SYNAPSE_PORT) || true
	rm -rf $(VENV) $(SYNAPSE_VENV) var $(MM_DIR) $(DOVECOT_DIR) $(SYNAPSE_DIR)

.PHONY: help install container-deps image image-test synapse-env encoder-env lock messages system-deps migrate demo run lint postgres test-sqlite test-postgres test mutation benchmark benchmark-postgres clean
