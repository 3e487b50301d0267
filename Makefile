# Mesa. Quick start: `make run` (serve the demo) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test coverage bench lint messages check-messages venv browser-tools clean

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@test -f .env || printf '%s\n' '# Development defaults for manage.py run by hand; the environment wins.' \
		'DJANGO_DEBUG=1' 'DATABASE_URL=postgres://postgres@127.0.0.1:5432/mesa' \
		'REDIS_URL=redis://127.0.0.1:6379/0' > .env
	@touch $@

## Serve the demo table at http://127.0.0.1:$${PORT:-8000} with a Celery worker and beat.
run: venv
	$(PY) scripts/devservices.py run

## The whole suite, against real PostgreSQL and Redis, one pytest worker per core (each with its
## own test database and Redis database; PYTEST_WORKERS=0 runs in one process).
PYTEST_WORKERS ?= auto
test: venv browser-tools
	$(PY) scripts/devservices.py test -n $(PYTEST_WORKERS) --durations=25 $(PYTEST_ARGS)

## What the browser tests (tests/browser) need besides Python: Debian's Chromium, and axe-core
## from the npm registry at the version tests/browser/package-lock.json pins.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AXE_STAMP := tests/browser/node_modules/.installed-stamp
browser-tools: $(AXE_STAMP)
	@test -x "$${MESA_CHROMIUM:-/usr/bin/chromium}" || { echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

$(AXE_STAMP): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	@touch $@

## The same suite with a line-coverage report (tracing makes it about 60 % slower).
coverage: venv browser-tools
	$(PY) scripts/devservices.py test -n $(PYTEST_WORKERS) --cov --cov-report=term-missing:skip-covered $(PYTEST_ARGS)

## The benchmark (issue 9): a country-size data set ($(BENCH_SCALE) = 100 tables, 500,000 concerns;
## seeded once and kept as a template), its pages under load against a bare baseline, and
## $(BENCH_REMINDERS) reminders sent through a real worker. Writes bench/results/latest.md and .json.
BENCH_SCALE ?= 1
BENCH_REMINDERS ?= 100000
bench: venv
	$(PY) scripts/devservices.py bench --scale $(BENCH_SCALE) --reminders $(BENCH_REMINDERS) $(BENCH_ARGS)

lint: venv
	$(PY) -m ruff check .

## Extract and compile the translation catalogues (needs GNU gettext).
messages: venv
	DJANGO_DEBUG=1 DATABASE_URL=postgres://unused/unused REDIS_URL=redis://unused $(PY) manage.py makemessages --locale es --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'scripts/*'
	DJANGO_DEBUG=1 DATABASE_URL=postgres://unused/unused REDIS_URL=redis://unused $(PY) manage.py compilemessages --locale es --ignore '.venv/*'

clean:
	rm -rf $(VENV) var/static .coverage tests/browser/node_modules test-artifacts
