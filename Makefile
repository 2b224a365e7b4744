# Two commands on a fresh machine with only Python: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
# Schemathesis (`make fuzz`) has a virtualenv of its own, so its pytest plugin and Hypothesis stay out of the tests.
FUZZ_VENV := .venv-fuzz
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# Development settings for `make run`; a real deployment sets its own environment (docs/operations.md, "Deploying").
DEV_ENV := DEBUG=true
# `make run` counts requests at development rates, so exploring the API and its docs never meets a limit;
# `make run THROTTLE=on` keeps the contract's rates (or the THROTTLE_* the environment or .env sets).
THROTTLE := off
DEV_RATES := THROTTLE_ANON_RATES=100000/hour,1000000/day THROTTLE_USER_RATES=100000/hour,1000000/day \
	THROTTLE_LOGIN_RATE=1000/minute THROTTLE_REGISTER_RATE=1000/minute
RUN_ENV = $(DEV_ENV) $(if $(filter on,$(THROTTLE)),,$(DEV_RATES))
# Where `make run` listens: `make run PORT=8766` or `make run HOST=0.0.0.0` (then also set ALLOWED_HOSTS).
# Taken from the command line only, not from an exported HOST or PORT in the shell.
HOST := 127.0.0.1
PORT := 8000
# requirements.txt and requirements-dev.txt are locks compiled from the .in files (`make lock`). The same flags for
# both; `make lock LOCK_ARGS="--upgrade-package sqlparse"` also moves a transitive package to its newest release.
# No index or find-links lines in the locks: they install from whatever index pip is set up for.
LOCK_ARGS :=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

.PHONY: help run test lint lock install install-dev install-mysql test-mysql deploy-check clean bench fuzz stock-race
.DEFAULT_GOAL := help

help: ## list the targets
	@awk -F ':.*## ' '/^[a-z-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## runtime packages into .venv (requirements.txt)
install-dev: $(VENV)/.installed-dev ## runtime, test and lint packages into .venv (requirements-dev.txt)

# Recompile both locks from requirements.in and requirements-dev.in; the runtime one first, since the dev lock is
# constrained to it. Existing pins are kept unless an .in file asks otherwise (or LOCK_ARGS, above).
lock: $(VENV)/.installed-dev ## regenerate requirements.txt and requirements-dev.txt from the .in files
	$(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

# mysqlclient compiles against the MySQL/MariaDB client headers: only installed when asked for.
install-mysql: $(VENV)/.installed-dev ## also mysqlclient (needs the MySQL/MariaDB client headers)
	$(PIP) install -r requirements-mysql.txt

run: $(VENV)/.installed ## migrate, seed demo data, serve on 127.0.0.1:8000 with a task worker (HOST=, PORT=, THROTTLE=on)
	@case "$(THROTTLE)" in on|off) ;; *) echo "run: THROTTLE is on or off, not '$(THROTTLE)'" >&2; exit 2;; esac
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py setup_roles
	$(RUN_ENV) $(PY) manage.py seed_shop
	@echo ""
	@echo "Mechanic Shop API on http://$(HOST):$(PORT)  (docs: /api/docs, admin: /admin/)"
	@echo "  staff login:    POST /auth/token      {\"username\": \"demo\", \"password\": \"demo-mechanic-shop\"}"
	@echo "  customer login: POST /customers/login {\"email\": \"demo.customer@example.com\", \"password\": \"demo-mechanic-shop\"}"
	@echo "  then send       Authorization: Bearer <access token>"
ifeq ($(THROTTLE),on)
	@echo "  rate limits:    the contract's (50/hour anonymous, 5/minute logins, ...; THROTTLE_* settings)"
else
	@echo "  rate limits:    development rates, never met; the contract's: make run THROTTLE=on"
endif
	@echo "  background:     one db_worker beside the server sends webhooks and e-mail (printed here)"
	@echo ""
	$(RUN_ENV) bash scripts/run_dev.sh $(PY) $(HOST):$(PORT)

test: $(VENV)/.installed-dev ## the test suite (SQLite, local-memory cache)
	$(PY) -m pytest

# The whole suite again on MySQL/MariaDB + Redis, for a machine where both servers already run, e.g.
#   DATABASE_URL=mysql://shop:secret@127.0.0.1:3306/mechanic_shop REDIS_URL=redis://127.0.0.1:6379/0 make test-mysql
# The user needs rights on the database and on test_<name>, which the suite creates and drops.
test-mysql: install-mysql ## the suite on MySQL/MariaDB + Redis (DATABASE_URL=, REDIS_URL=)
	@case "$$DATABASE_URL" in mysql://*) ;; *) echo "test-mysql: set DATABASE_URL=mysql://... (and REDIS_URL)" >&2; exit 2;; esac
	@test -n "$$REDIS_URL" || { echo "test-mysql: set REDIS_URL=redis://..." >&2; exit 2; }
	$(PY) -m pytest

# Production settings pass `check --deploy` with no warning; migrations and collectstatic run on DATABASE_URL.
# Set REDIS_URL (and DATABASE_URL) as production would: without Redis the check warns (mechanic_shop.W001).
PROD_ENV := DEBUG=false ALLOWED_HOSTS=api.example.com SECURE_SSL_REDIRECT=true SECURE_HSTS_SECONDS=31536000 \
	SECURE_HSTS_PRELOAD=true SECURE_PROXY_SSL_HEADER=true
deploy-check: $(VENV)/.installed ## production settings: check --deploy, migrate, collectstatic
	@SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	JWT_SIGNING_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	STATIC_ROOT=$$(mktemp -d) $(PROD_ENV) sh -ec '\
		$(PY) manage.py check --deploy --fail-level WARNING; \
		$(PY) manage.py migrate --noinput; \
		$(PY) manage.py collectstatic --noinput; \
		$(PY) manage.py setup_roles'

lint: $(VENV)/.installed-dev ## ruff, import layers, mypy, migrations up to date, system checks
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(DEV_ENV) $(VENV)/bin/mypy
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(DEV_ENV) $(PY) manage.py check

clean: ## remove the virtualenvs and tool caches
	rm -rf $(VENV) $(FUZZ_VENV) .pytest_cache .ruff_cache .mypy_cache .import_linter_cache .coverage htmlcov

$(FUZZ_VENV)/.installed: requirements-fuzz.txt
	$(PYTHON) -m venv $(FUZZ_VENV)
	$(FUZZ_VENV)/bin/python -m pip --disable-pip-version-check -q install -r requirements-fuzz.txt
	@touch $@

# Fuzz a live server against its own OpenAPI schema (scripts/fuzz.sh, docs/operations.md, "Fuzzing").
fuzz: $(VENV)/.installed $(FUZZ_VENV)/.installed ## schemathesis against a live server (own venv)
	bash scripts/fuzz.sh

# Mixed stock changes raced against a live server on DATABASE_URL (a temp SQLite file when unset), then
# `manage.py check_stock`: every part's movements must still explain its stock.
stock-race: $(VENV)/.installed ## race stock changes on a live server, then check_stock (DATABASE_URL=)
	$(PY) scripts/stock_race.py

# Benchmark (needs wrk: apt-get install wrk). SQLite by default; MariaDB + Redis when DATABASE_URL / REDIS_URL
# are set. Pass e.g. BENCH_ARGS="--tickets 50 --customers 50 --mechanics 10 --parts 20" for the small scale.
bench: $(VENV)/.installed ## benchmark with wrk (BENCH_ARGS=)
	GUNICORN_ACCESSLOG= $(PY) bench/run.py $(BENCH_ARGS)
