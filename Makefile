# DealerAdmin: `make demo` runs the product on the embedded sandbox; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_PASSWORD ?= dealeradmin-demo

.PHONY: demo test test-sqlite test-postgres install serve bench loadtest lint chromium

## Install -----------------------------------------------------------------------------------

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,bench]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-fund --no-audit --loglevel=error
	touch $@

# A fresh .env with new keys, written once; edit it or set variables in the environment instead.
.env: | $(VENV)/.installed
	$(PY) -c "import secrets; from cryptography.fernet import Fernet; \
	print(f'SECRET_KEY={secrets.token_urlsafe(50)}'); \
	print(f'TOKEN_ENCRYPTION_KEYS={Fernet.generate_key().decode()}'); \
	print(f'DEALERSTUDIO_WEBHOOK_TOKEN={secrets.token_urlsafe(32)}')" > $@
	@echo "Wrote .env with fresh keys."

install: $(VENV)/.installed node_modules/.installed .env

# Browser tests use Debian's Chromium; install it when missing and we may.
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: install Debian's 'chromium' package (or use Playwright's own browser download)."; exit 1; \
	  fi; }

## Run ---------------------------------------------------------------------------------------

demo: install
	DEMO_PASSWORD=$(DEMO_PASSWORD) $(PY) manage.py rundemo

# Production-style: gunicorn, DEBUG off, hashed and compressed static files, JSON logs.
# Settings are checked first (a missing or malformed key stops here with one clear line).
# Override e.g. `make serve BIND=0.0.0.0:8000 WORKERS=4 DATABASE_URL=postgres://…`.
BIND ?= 127.0.0.1:8000
WORKERS ?= 3
THREADS ?= 4
SERVE_ENV = DEBUG=false STATIC_MANIFEST=true LOG_FORMAT=$${LOG_FORMAT:-json}
serve: $(VENV)/.installed node_modules/.installed
	$(SERVE_ENV) $(PY) -m dealeradmin.core.preflight
	$(SERVE_ENV) $(PY) manage.py migrate --noinput
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(SERVE_ENV) exec $(VENV)/bin/gunicorn dealeradmin.wsgi --bind $(BIND) \
	  --workers $(WORKERS) --threads $(THREADS) --timeout 30 --graceful-timeout 20 --keep-alive 5 \
	  --forwarded-allow-ips="$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

## Test --------------------------------------------------------------------------------------

# DATABASE_URL from the environment picks the database (SQLite when unset).
test: install chromium
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/dealeradmin
# The same suite on PostgreSQL (pytest-django creates and drops test_dealeradmin).
test-postgres:
	DATABASE_URL=$(POSTGRES_URL) $(MAKE) test

lint: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## Benchmark ---------------------------------------------------------------------------------

# A throwaway mirror of SIZE clusters, every page against its same-run baseline; appends the
# table to benchmarks/RESULTS.md. On PostgreSQL: BENCH_DATABASE_URL=postgres://user@host:5432/x
# (its dealeradmin_bench database is created and dropped; never your own database).
SIZE ?= 10000
bench: install
	$(PY) manage.py benchmark --clusters $(SIZE) $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL))
