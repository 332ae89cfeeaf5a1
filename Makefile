# The two everyday commands: `make run` (demo site on http://127.0.0.1:8000/) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
DEV := DEBUG=yes

.PHONY: venv run test lint fmt bench clean

venv: $(STAMP)

# Reinstall only when a requirements file is newer than the last install.
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

run: venv
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py seed
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# DATABASE_URL unset: SQLite; DATABASE_URL=postgres://...: PostgreSQL. Tests set OPD_TESTING.
test: venv
	OPD_TESTING=yes $(BIN)/pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: venv
	@test -f bench/run.py || { echo "bench/run.py does not exist yet"; exit 1; }
	$(BIN)/python bench/run.py

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis staticfiles artifacts bench/results
	rm -f test_db.sqlite3 test_db.sqlite3-*
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
