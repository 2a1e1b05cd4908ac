# Service hall — the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: install run test lint format system-deps static migrate demo bench clean

## install: .venv with every runtime and test dependency (uv + uv.lock), CJK font and Chromium when missing,
## and the static files collected into STATIC_ROOT (var/static unless set): with DEBUG off pages need them
install: $(VENV)/.synced system-deps static

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required)"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

system-deps:
	@bash scripts/system-deps.sh

## static: collectstatic (hashed, compressed names and the manifest), again whenever a file under static/ changes
STATIC_STAMP := var/.collectstatic
static: $(STATIC_STAMP)

$(STATIC_STAMP): $(VENV)/.synced $(shell find static -type f 2>/dev/null)
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@mkdir -p var && touch $@

## run: embedded default (SQLite + filesystem broker under var/), demo data, web + worker + beat on :8000.
## DEBUG stays off, as visitors see the hall (Chinese error pages; whitenoise serves the collected static
## files); a developer who wants Django's debug pages runs `DEBUG=true make run`.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --force
	$(VENV)/bin/honcho -f Procfile.dev start

## test: the whole suite (PostgreSQL and Redis when reachable; always under CI=true)
test: install
	@bash scripts/test.sh

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.synced
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	@bash scripts/bench.sh

clean:
	rm -rf var/ $(VENV) $(TOOLS) .pytest_cache .ruff_cache
