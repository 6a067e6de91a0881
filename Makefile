# bankcrm — the two commands: `make demo` and `make test`. Everything else installs itself.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
DEMO_CUSTOMERS ?= 20000
DEMO_MONTHS ?= 13
DEMO_SEED ?= 20261123
DEMO_DAILY_TAIL ?= 3
PYTEST_ARGS ?=

.PHONY: install install-all browser-deps demo test lint pg bench bench-1m format

install:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

# Tests also need the optional Spark engine (pyspark; Java 17 is on the machine).
install-all:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet --all-extras

lint: install-all
	$(UV) run ruff check src tests bench
	$(UV) run ruff format --check src tests bench
	$(UV) run mypy

format: install
	$(UV) run ruff format src tests bench
	$(UV) run ruff check --fix src tests bench

# The browser journey drives Debian's Chromium (never a downloaded browser) and needs a CJK font
# so screenshots show Chinese: installed once, with one apt-get update.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

# Starts PostgreSQL (installed but stopped on a fresh machine) and runs every test on SQLite and
# PostgreSQL. The database tests fail, never skip, when PostgreSQL is unreachable.
test: lint browser-deps
	@url=$$(bash scripts/pg-up.sh | tail -n 1) && \
	BANKCRM_TEST_POSTGRES_URL=$$url $(UV) run pytest -n 2 --db=sqlite,postgresql $(PYTEST_ARGS)

pg:
	bash scripts/pg-up.sh

demo: install
	$(UV) run bankcrm db upgrade
	$(UV) run bankcrm demo run --customers $(DEMO_CUSTOMERS) --months $(DEMO_MONTHS) --seed $(DEMO_SEED) --daily-tail $(DEMO_DAILY_TAIL)
	$(UV) run bankcrm serve --host 127.0.0.1 --port 8080 --business-date auto

bench: install
	$(UV) run python bench/ingest.py --customers 100000
	$(UV) run python bench/demo_build.py --customers 100000 --months 13
	$(UV) run python bench/nightly.py --customers 100000
	$(UV) run python bench/tasks.py --customers 100000 --db both

bench-1m: install
	$(UV) run python bench/ingest.py --customers 1000000
	$(UV) run python bench/demo_build.py --customers 1000000 --months 13
	$(UV) run python bench/tasks.py --customers 1000000 --db both --capacity 100000
	$(UV) run python bench/nightly.py --customers 1000000
	$(UV) run python bench/nightly.py --customers 1000000 --db postgresql --skip-pandas
