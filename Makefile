# The two everyday commands: `make run` (demo site on http://127.0.0.1:8000/) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
DEV := DEBUG=yes

.PHONY: venv run test lint fmt bench bench-pages clean messages makemessages

venv: $(STAMP)

# Reinstall only when a requirements file is newer than the last install.
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

# The Hindi catalogue (locale/hi/LC_MESSAGES/django.po) compiled to .mo: needs GNU gettext.
MESSAGE_IGNORES := --ignore=.venv/* --ignore=bench/* --ignore=tests/* --ignore=staticfiles/*

messages: venv
	@command -v msgfmt >/dev/null || { echo "GNU gettext's msgfmt is missing: install gettext (apt-get install gettext, brew install gettext) to compile the Hindi catalogue."; exit 1; }
	$(DEV) $(BIN)/python manage.py compilemessages --ignore=.venv --verbosity=0

# Collect new and changed strings into the Hindi catalogue (then translate the empty msgstr).
makemessages: venv
	$(DEV) $(BIN)/python manage.py makemessages -l hi --no-obsolete $(MESSAGE_IGNORES)

run: venv messages
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

# Server time of every desk, console, board and kiosk page on the demo hospital.
bench-pages: venv
	$(BIN)/python bench/pages.py

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis staticfiles artifacts bench/results
	rm -f test_db.sqlite3 test_db.sqlite3-*
	find locale -name '*.mo' -delete
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
