# Osteon — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
NPM ?= npm
PYTEST_WORKERS ?= auto

.PHONY: run test setup venv frontend test-python test-frontend test-pg lint openapi clean

run: setup ## Start Osteon on http://127.0.0.1:8000 with demo data (SQLite in ./var)
	$(VENV)/bin/osteon serve --demo

test: setup ## Everything: lint, front-end unit tests, the Python suite on SQLite (and PostgreSQL when OSTEON_TEST_DATABASE_URL is set)
	$(MAKE) lint
	$(MAKE) test-frontend
	$(MAKE) test-python
	@if [ -n "$$OSTEON_TEST_DATABASE_URL" ]; then $(MAKE) test-pg; fi

setup: venv frontend

$(UV):
	python3 -m pip install --user --quiet uv || python3 -m pip install --quiet --break-system-packages uv

venv: $(UV)
	$(UV) sync --frozen --all-groups

frontend:
	@if [ -f frontend/package.json ]; then \
		cd frontend && $(NPM) ci --no-audit --no-fund --loglevel=error && $(NPM) run build; \
	fi

test-frontend:
	@if [ -f frontend/package.json ]; then cd frontend && $(NPM) run test; fi

# Browser tests run on their own: Playwright's sync API keeps an event loop running in the test
# process, which the asyncio tests must not share.
test-python:
	env -u OSTEON_TEST_DATABASE_URL $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile -q -m "not e2e"
	env -u OSTEON_TEST_DATABASE_URL $(VENV)/bin/pytest -q -m e2e tests/e2e

# The same suite on PostgreSQL, minus the browser tests (they exercise the UI, not the database).
test-pg:
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile -q -m "not e2e"

openapi: ## Regenerate the OpenAPI document and the front-end client
	$(VENV)/bin/osteon openapi --out frontend/openapi.json
	cd frontend && $(NPM) run gen:api

lint:
	$(VENV)/bin/ruff check src tests bench

clean:
	rm -rf $(VENV) frontend/node_modules src/osteon/static
