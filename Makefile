# Two commands do all the set-up:  `make demo` (install, demo data, serve)  and  `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app kiosk
PYTHON ?= python3
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install system-deps translations messages demo serve test lint bench clean

install: $(VENV)/.installed translations

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

## Debian packages the badges, printing and browser tests need (CUPS, cups-pdf, poppler, Chromium, Noto fonts).
system-deps:
	bash scripts/install-system-deps.sh

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d translations -f --statistics

## The demo event on SQLite in instance/, served on http://$(HOST):$(PORT)
demo: install
	KIOSK_ENV=development $(FLASK) init-db
	KIOSK_ENV=development $(FLASK) seed-demo || true
	KIOSK_ENV=development $(FLASK) demo-kiosk --base-url http://$(HOST):$(PORT)
	@echo "Private links, the organizer password and the kiosk enrolment link are in instance/demo-links.txt"
	@# The print worker runs beside the web server (woken at once by each check-in); both stop together.
	KIOSK_ENV=development $(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	KIOSK_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

serve: install
	KIOSK_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

## The whole test suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
test: system-deps install
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache

## Refresh the message catalogues after changing user-visible text (then translate the new entries).
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
