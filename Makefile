# Two commands on a fresh machine: `make run` and `make test`.
# `make run` serves the portal and runs a background worker beside it; Ctrl-C stops both.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app app
# Every dependency pinned with its hashes, for CPython 3.11 on Linux; `make lock` writes them.
LOCK := requirements/runtime.txt
LOCK_DEV := requirements/dev.txt
UV_VERSION := 0.13.9
UV := $(VENV)/lock-tools/bin/uv
LOCK_FLAGS := --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --custom-compile-command 'make lock' \
	$(if $(UPGRADE),--upgrade)

.PHONY: run test fuzz lint fmt translations compile-translations install install-dev lock serve-env clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed $(LOCK_DEV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK_DEV)
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(UV):
	$(PYTHON) -m venv $(VENV)/lock-tools
	$(VENV)/lock-tools/bin/pip install --quiet uv==$(UV_VERSION)

# Keeps the pins it can; `make lock UPGRADE=1` moves everything to the newest allowed.
lock: $(UV)
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) -o $(LOCK)
	$(UV) pip compile pyproject.toml --extra dev -c $(LOCK) $(LOCK_FLAGS) -o $(LOCK_DEV)

instance/secret_key:
	mkdir -p instance
	umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > $@

compile-translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d translations
	$(BIN)/python -c "import pathlib,sys; mo=list(pathlib.Path('translations').glob('*/LC_MESSAGES/messages.mo')); sys.exit(0 if mo else 'no compiled catalogue')"

translations: $(VENV)/.installed
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -k lazy_pgettext:1c,2 -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations

run: $(VENV)/.installed compile-translations instance/secret_key
	export PORTAL_ENV=$${PORTAL_ENV:-development} PORTAL_SECRET_KEY=$${PORTAL_SECRET_KEY:-$$(cat instance/secret_key)}; \
	$(FLASK) portal init-db && \
	$(FLASK) portal seed-demo --if-empty && \
	{ $(FLASK) portal worker & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT); }

test: $(VENV)/.installed-dev compile-translations lint
	$(BIN)/pytest

# Schemathesis against the live API with many examples per operation (CI runs a few).
fuzz: $(VENV)/.installed-dev compile-translations
	PORTAL_FUZZ_EXAMPLES=$${PORTAL_FUZZ_EXAMPLES:-200} $(BIN)/pytest -n0 -s -p no:logging tests/test_api_fuzz.py

# Issue 16's targets table from one run (bench/bench_targets.py; needs wrk, PostgreSQL, Redis):
# invoices (list, list-issued, create) and product search at 100k rows on SQLite, then
# PostgreSQL; then the mixed load (50 users of 5 organisations, 100k invoices, PostgreSQL + Redis
# with 1 and 2 workers, then SQLite). ~15-20 min on 2 cores; run it on a quiet machine. It
# writes the targets table (with the invoices' and search's reports) and the mixed load's
# section of docs/benchmarks.md at the end. The
# databases bench_invoices, bench_portal and BENCH_DATABASE_URL's are dropped and recreated,
# the Redis db emptied. A smoke test (~3 min): make bench BENCH_ARGS='--quick --no-docs'
BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/bench_mixed
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/5
bench: $(VENV)/.installed compile-translations
	$(BIN)/python bench/bench_targets.py --database-url $(BENCH_DATABASE_URL) \
		--redis-url $(BENCH_REDIS_URL) $(BENCH_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

fmt: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache .ruff_cache
