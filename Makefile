# Peerway — `make demo` serves a demo region; `make test` runs lint and the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := peerway.settings

.PHONY: demo test lint fmt e2e messages bench bench-pages bench-matching bench-load bench-first-request clean-venv

$(BIN)/python:
	@PY=$$(sh scripts/find-python.sh) || exit 1; \
	echo "Creating $(VENV) with $$PY"; \
	$$PY -m venv $(VENV)

# Installed marker: rebuilt whenever the dependency list changes.
$(VENV)/.installed: pyproject.toml scripts/install.sh | $(BIN)/python
	bash scripts/install.sh $(VENV)
	@touch $@

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	PORT=$(PORT) $(BIN)/peerway demo

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

fmt: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	bash scripts/run-tests.sh

e2e: $(VENV)/.installed
	$(BIN)/pytest -m browser

messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l fr_CA --no-obsolete --ignore=.venv --ignore=data
	$(BIN)/python manage.py compilemessages -l fr_CA --ignore=.venv

# Not part of `make test`: loads 1,000,000 synthetic contacts into a fresh SQLite and a
# fresh PostgreSQL database (if one answers on 127.0.0.1:5432) and times the dashboards
# and the report (docs/benchmarks.md). Smaller: make bench BENCH_CONTACTS=100000.
BENCH_PEOPLE ?= 20000
BENCH_CONTACTS ?= 1000000
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py --people $(BENCH_PEOPLE) --contacts $(BENCH_CONTACTS)

# Every page of each role's navigation, cold and warm, with its query count, on the demo
# region and on a synthetic one (docs/benchmarks.md). Smaller: make bench-pages PAGES_CONTACTS=50000.
PAGES_PEOPLE ?= 4000
PAGES_CONTACTS ?= 200000
bench-pages: $(VENV)/.installed
	$(BIN)/python bench/pages.py --people $(PAGES_PEOPLE) --contacts $(PAGES_CONTACTS)

# The matching solver on 5,000 open referrals and 400 peer workers (docs/benchmarks.md).
bench-matching: $(VENV)/.installed
	$(BIN)/python bench/matching.py

# Contact logging over HTTP under load: gunicorn (2 workers, sync then gthread with 4 threads)
# on PostgreSQL and SQLite, 16 clients for 30 s each; checks no write failed or was lost and
# the rollups (docs/benchmarks.md).
bench-load: $(VENV)/.installed
	$(BIN)/python bench/load.py

# The first dashboards after the server starts, on the demo region (docs/benchmarks.md).
bench-first-request: $(VENV)/.installed
	$(BIN)/python bench/first_request.py

clean-venv:
	rm -rf $(VENV)
