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

## Test --------------------------------------------------------------------------------------

test: install chromium
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

lint: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .
