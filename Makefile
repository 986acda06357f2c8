# ParIndex – a newcomer needs two targets: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per requirement file, named by its checksum: editing either file reinstalls it.
# requirements.txt is what the application needs to run; requirements-dev.txt adds tests and tools.
RUNTIME_STAMP := $(VENV)/.installed-runtime-$(shell cksum requirements.txt | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cksum requirements-dev.txt | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run test lint migrations-check demo worker beat reminders messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-runtime-*
	touch $@

# Depends on the runtime stamp too: requirements-dev.txt includes requirements.txt.
$(DEV_STAMP): requirements-dev.txt $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-dev-*
	touch $@

## Runtime requirements only (what `make run` and a production machine need)
install: $(RUNTIME_STAMP)

## Runtime plus development requirements (tests, lint, browser tooling)
install-dev: $(DEV_STAMP)

## Set up on embedded defaults (SQLite, eager Celery), load the demo and serve on http://$(HOST):$(PORT)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (SQLite by default; DATABASE_URL / CELERY_BROKER_URL for the real services)
test: install-dev
	$(BIN)/python -m pytest -n 2

lint: install-dev
	$(BIN)/ruff check .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

## A Celery worker for the real-services mode (needs CELERY_BROKER_URL)
worker: install
	$(BIN)/celery -A parindex worker --loglevel=INFO --concurrency=2

## Celery beat (exactly one for the whole deployment): deadline reminders every hour, and the sweep of
## imports and runs whose worker died
beat: install
	$(BIN)/celery -A parindex beat --loglevel=INFO --schedule=/tmp/parindex-celerybeat-schedule

## Deadline reminders once, for cron on the embedded default (never sends a reminder twice)
reminders: install
	$(BIN)/python manage.py send_reminders

## Refresh and compile translations (needs GNU gettext)
## Project strings go to locale/, each app's strings to <app>/locale/ (run from inside the app)
messages: install
	$(BIN)/python manage.py makemessages -l vi --ignore=.venv --ignore=staticfiles --ignore='assessments/*' \
		--ignore='surveys/*' --ignore='rankings/*' --ignore='notifications/*' --ignore='tests/*' --ignore='bench/*'
	for app in assessments surveys rankings notifications; do \
		if [ -d $$app/locale ]; then (cd $$app && ../$(BIN)/django-admin makemessages -l vi); fi; done
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
