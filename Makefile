# ParIndex – a newcomer needs two targets: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint migrations-check demo worker messages clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Set up on embedded defaults (SQLite, eager Celery), load the demo and serve on http://$(HOST):$(PORT)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (SQLite by default; DATABASE_URL / CELERY_BROKER_URL for the real services)
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

## A Celery worker for the real-services mode (needs CELERY_BROKER_URL)
worker: install
	$(BIN)/celery -A parindex worker --loglevel=INFO --concurrency=2

## Refresh and compile translations (needs GNU gettext)
## Project strings go to locale/, each app's strings to <app>/locale/ (run from inside the app)
messages: install
	$(BIN)/python manage.py makemessages -l vi --ignore=.venv --ignore=staticfiles --ignore='assessments/*' \
		--ignore='surveys/*' --ignore='rankings/*' --ignore='tests/*' --ignore='bench/*'
	for app in assessments surveys rankings; do \
		if [ -d $$app/locale ]; then (cd $$app && ../$(BIN)/django-admin makemessages -l vi); fi; done
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
