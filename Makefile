# Two commands on a fresh machine with only Python: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# Development settings for `make run`; a real deployment sets its own environment (README, "Deploying").
DEV_ENV := DEBUG=true

.PHONY: run test lint check venv install install-dev install-mysql test-mysql clean bench

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# mysqlclient compiles against the MySQL/MariaDB client headers: only installed when asked for.
install-mysql: $(VENV)/.installed-dev
	$(PIP) install -r requirements-mysql.txt

run: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py setup_roles
	$(DEV_ENV) $(PY) manage.py seed_shop
	@echo ""
	@echo "Mechanic Shop API on http://127.0.0.1:8000  (docs: /api/docs, admin: /admin/)"
	@echo "  staff login:    POST /auth/token      {\"username\": \"demo\", \"password\": \"demo-mechanic-shop\"}"
	@echo "  customer login: POST /customers/login {\"email\": \"demo.customer@example.com\", \"password\": \"demo-mechanic-shop\"}"
	@echo "  then send       Authorization: Bearer <access token>"
	@echo ""
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed-dev
	$(PY) -m pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(DEV_ENV) $(PY) manage.py check

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Benchmark (needs wrk: apt-get install wrk). SQLite by default; MariaDB + Redis when DATABASE_URL / REDIS_URL
# are set. Pass e.g. BENCH_ARGS="--tickets 50 --customers 50 --mechanics 10 --parts 20" for the small scale.
bench: $(VENV)/.installed
	GUNICORN_ACCESSLOG= $(PY) bench/run.py $(BENCH_ARGS)
