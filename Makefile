# One target per habit (style.md). Every target uses .venv/bin/... directly: no activation needed.
# `make run` and `make test` work on a machine that has only Python 3.11+.

PYTHON3 ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The stamp is newer than pyproject.toml once `pip install -e '.[dev]'` has run against it, so
# the (slow) install runs on the first call and after a dependency change, not on every call.
STAMP := $(VENV)/.installed

# Settings refuse to start without SECRET_KEY unless DEBUG is on; the local targets ask for DEBUG.
# `make test` does not: tests/conftest.py sets up what the tests need.
LOCAL := DEBUG=true

PYTEST_ARGS ?=
SYNC_ARGS ?=
BENCH_ARGS ?=
DRILL_ARGS ?=

# Dated copies of the IND register (../shared/data/register/README.md). import_shared_editions
# owns which files are editions, their dates and their order: file names carry the capture date,
# which is not always the edition's (the July 2024 copy was captured after the August one).
SHARED_REGISTER ?= ../shared/data/register

.DEFAULT_GOAL := help
.PHONY: help venv run test lint typecheck migrations-check sync bench drill import-shared \
	messages compile-messages messages-check

help:
	@echo "make run               .venv, install, migrate, first sync (or say why not), serve :8000"
	@echo "make test              the whole suite, offline (PostgreSQL when DATABASE_URL points there)"
	@echo "make lint              ruff check and ruff format --check"
	@echo "make typecheck         mypy (strict)"
	@echo "make migrations-check  fail if a model change has no migration"
	@echo "make messages          extract the strings, update locale/nl/LC_MESSAGES/django.po"
	@echo "make compile-messages  compile the .po catalogues to the .mo files Django reads"
	@echo "make messages-check    fail if django.po lacks a string of the code or keeps a dropped one"
	@echo "make sync              fetch the IND register now (SYNC_ARGS=... passes options)"
	@echo "make bench             time the pages and the import"
	@echo "make drill             sync broken pages from loopback, kill a worker, stop Redis"
	@echo "make import-shared     import the dated copies in $(SHARED_REGISTER), oldest first"
	@echo "Options: PYTEST_ARGS=... for make test; PYTHON3=python3.12 to pick the interpreter."

$(PY):
	@$(PYTHON3) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "erkend needs Python 3.11 or newer; '$(PYTHON3)' is older." >&2; exit 1; }
	$(PYTHON3) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	@echo "Installing erkend and its dev tools into $(VENV) (the first time takes a minute)..."
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

venv: $(STAMP)

# Without network the first sync fails; the command says why, and the site starts all the same.
# No worker here: the admin's "Resync now" runs in a thread of the server (SYNC_IN_THREAD).
# A person is waiting: a failed fetch is retried at once, not after 2 + 4 + 8 s, and a register
# checked less than a day ago is not fetched again at every start.
RUN_ENV := $(LOCAL) FETCH_BACKOFF_SECONDS=0

run: $(STAMP) compile-messages
	$(LOCAL) $(PY) manage.py migrate
	$(RUN_ENV) $(PY) manage.py sync_register --register work --unless-checked-within 24 \
		|| echo "The first sync did not complete (see above); starting the site with what it has."
	$(RUN_ENV) SYNC_IN_THREAD=true $(PY) manage.py runserver 127.0.0.1:8000

# DATABASE_URL comes from the environment; unset, the tests run on SQLite.
# pytest's exit code 5 (no tests collected) fails this target like any other failure.
test: $(STAMP) compile-messages
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# django-stubs imports the settings, which need DEBUG or a SECRET_KEY.
typecheck: $(STAMP)
	$(LOCAL) $(VENV)/bin/mypy .

migrations-check: $(STAMP)
	$(LOCAL) $(PY) manage.py makemigrations --check --dry-run

sync: $(STAMP)
	$(LOCAL) $(PY) manage.py sync_register $(SYNC_ARGS)

bench: $(STAMP)
	$(LOCAL) $(PY) manage.py bench $(BENCH_ARGS)

# Not part of `make test`: it serves broken pages and syncs each (throwaway database), kills a
# worker mid-sync and stops Redis, printing what the sync did and the peak memory.
# DRILL_ARGS=--deadline=120 drills the real deadline.
drill: $(STAMP)
	$(LOCAL) $(PY) manage.py drill $(DRILL_ARGS)

import-shared: $(STAMP)
	@test -d $(SHARED_REGISTER) \
		|| { echo "$(SHARED_REGISTER) is missing: clone the project with shared/ beside it." >&2; exit 1; }
	$(LOCAL) $(PY) manage.py import_shared_editions $(SHARED_REGISTER)

# Translations (config/catalogue.py; README "Languages"). English is the source language, so
# only Dutch has a catalogue. No fuzzy matching: it offered the translation of a merely similar
# sentence ("Niet meer vermeld sinds ..." for "... was listed in ..."), worse than an empty one. Locations name the file, not the line: a line moved elsewhere
# in a template does not touch the catalogue, and parallel branches merge it cleanly.
BABEL := PYTHONPATH=. $(VENV)/bin/pybabel -q
EXTRACT := $(BABEL) extract -F babel.cfg --sort-output --add-location=file \
	--add-comments=Translators: --project=erkend --version=1 \
	--ignore-dirs='.* ._ tests var static staticfiles locale docs build'

messages: $(STAMP)
	$(EXTRACT) -o locale/django.pot .
	$(BABEL) update -i locale/django.pot -d locale -D django -l nl --init-missing \
		--ignore-obsolete --no-fuzzy-matching

compile-messages: $(STAMP)
	$(BABEL) compile --statistics -d locale -D django

messages-check: $(STAMP)
	@mkdir -p var
	$(EXTRACT) -o var/messages-check.pot .
	PYTHONPATH=. $(PY) -m config.catalogue check var/messages-check.pot locale/nl/LC_MESSAGES/django.po
