# Two commands do all the set-up:  `make demo` (install, demo data, serve)  and  `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app kiosk
PYTHON ?= python3
HOST   ?= 127.0.0.1
PORT   ?= 5000

UV     := $(VENV)/bin/uv
# Every Python package is pinned with its hashes in requirements/*.txt (Linux x86-64, Python 3.11);
# installs take exactly those files and nothing else. `make lock` refreshes them on purpose.
LOCK   := --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
          --custom-compile-command "make lock" --quiet

.PHONY: install install-test system-deps translations messages demo serve test lint bench clean lock lock-check

install: $(VENV)/.installed translations

install-test: $(VENV)/.installed-test translations

## The installer, from its own lock: pip checks its hashes, then uv installs the rest.
$(UV): requirements/uv.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --require-hashes --no-deps -r requirements/uv.txt
	touch $@

## The app's packages, then the project itself from this checkout (with the locked setuptools).
$(VENV)/.installed: requirements/app.txt $(UV)
	$(UV) pip install -q --python $(PY) --require-hashes --no-deps -r requirements/app.txt
	$(UV) pip install -q --python $(PY) --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-test: requirements/test.txt $(VENV)/.installed
	$(UV) pip install -q --python $(PY) --require-hashes --no-deps -r requirements/test.txt
	touch $@

## Refresh the locks to the newest versions pyproject.toml allows (then run `make test`; see README).
lock: $(UV)
	$(UV) pip compile requirements/uv.in $(LOCK) --upgrade -o requirements/uv.txt
	$(UV) pip compile pyproject.toml --extra test $(LOCK) --upgrade -o requirements/test.txt
	cp requirements/test.txt requirements/app.txt  # the app's lock takes the test lock's versions
	$(UV) pip compile pyproject.toml $(LOCK) -o requirements/app.txt

## Fails when pyproject.toml and the locks disagree (a dependency added, removed or re-ranged without `make lock`).
lock-check: $(UV)
	bash scripts/check-lock.sh $(UV) $(LOCK)

## Debian packages the badges, printing and browser tests need (CUPS, cups-pdf, poppler, Chromium, Noto fonts).
system-deps:
	bash scripts/install-system-deps.sh

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d translations -f --statistics

## The demo event on SQLite in instance/, served on http://$(HOST):$(PORT)
demo: install
	KIOSK_ENV=development $(FLASK) init-db
	KIOSK_ENV=development $(FLASK) seed-demo --base-url http://$(HOST):$(PORT)
	KIOSK_ENV=development $(FLASK) demo-kiosk --base-url http://$(HOST):$(PORT)
	@echo "Private links, the organizer password and the kiosk enrolment link are in instance/demo-links.txt"
	@# The print worker runs beside the web server (woken at once by each check-in); both stop together.
	KIOSK_ENV=development $(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	KIOSK_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

serve: install
	KIOSK_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

## The whole test suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set), fastest stage first:
## everything but the browsers on SQLite, then on PostgreSQL, then the browser tests on both.
test: system-deps install-test
	$(VENV)/bin/ruff check .
	$(PY) -m pytest --ignore=tests/browser --backend=sqlite
	$(if $(TEST_DATABASE_URL),$(PY) -m pytest --ignore=tests/browser --backend=postgresql)
	$(PY) -m pytest tests/browser

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install-test
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache

## Refresh the message catalogues after changing user-visible text (then translate the new entries).
messages: $(VENV)/.installed-test
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
