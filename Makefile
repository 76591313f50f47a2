# The README's two commands: `make run` serves the portal on the embedded defaults (an embedded
# PostgreSQL in var/postgres/, Celery eager) unless DATABASE_URL / CELERY_BROKER_URL say otherwise;
# `make test` runs the suite against PostgreSQL (DATABASE_URL, else 127.0.0.1:5432 if it answers,
# else the embedded server). portal/dbserver.py decides and sets DATABASE_URL for the recipe it runs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
PYTEST_ARGS ?=
PYTEST_WORKERS ?= auto

.PHONY: install run serve test pytest lint assets benchmarks clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --quiet

run: install
	mkdir -p var
	$(BIN)/python -m portal.dbserver -- $(MAKE) --no-print-directory serve

# What `make run` does once the database is there (DATABASE_URL set by portal.dbserver).
serve:
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	mkdir -p var/screenshots
	$(BIN)/python -m portal.dbserver --prefer-local -- $(MAKE) --no-print-directory pytest

# What `make test` does once the database is there.
pytest:
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=portal.settings.test > /dev/null || \
		{ echo "Models and migrations disagree: run makemigrations"; exit 1; }
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Rebuild static/css and static/vendor from the npm packages (the built files are committed).
assets:
	npm ci --no-audit --no-fund
	npm run build

benchmarks: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) var/screenshots
