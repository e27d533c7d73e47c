# The one entry point: `make demo` and `make test` on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench sysdeps sysdeps-browser sysdeps-bench messages translations clean

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $(STAMP)

sysdeps:
	@scripts/sysdeps.sh

sysdeps-browser:
	@scripts/sysdeps.sh --browser

# Test-only JavaScript (axe-core, which the browser tests inject into pages); never served.
AXE := node_modules/axe-core/axe.min.js

$(AXE): package-lock.json | sysdeps-browser
	npm ci --no-audit --no-fund --ignore-scripts
	touch $(AXE)

messages: $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv -v 0

# After changing visible strings: refresh the catalogs, then translate the new entries of
# locale/vi (tests/test_translations.py fails while any is missing). English is the msgid.
translations: $(STAMP)
	$(PY) manage.py makemessages -l vi -l en --no-location --ignore=.venv --ignore=tests --ignore=scripts
	msgattrib --clear-fuzzy --empty locale/en/LC_MESSAGES/django.po | msgen - -o locale/en/LC_MESSAGES/django.po

demo: sysdeps $(STAMP) messages
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000  (Ctrl-C to stop)"
	$(PY) manage.py runserver 127.0.0.1:8000

test: sysdeps-browser $(AXE) $(STAMP) messages
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) messages
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# The portal under load on the city's data (scripts/bench_load.py: about 8 minutes of
# seeding the first time, kept in the database bench_load_city, then 5 minutes); the
# student import on SQLite; the fee comparison over 100,000 programmes on PostgreSQL
# (127.0.0.1:5432 as postgres, or BENCH_PG_URL; about two minutes, mostly seeding); the
# city's report over 100 and 1,000 schools (about three minutes, mostly seeding); the public
# pages and the open data over 100 and 1,000 schools (about three minutes, mostly seeding).
sysdeps-bench:
	@scripts/sysdeps.sh --bench

bench: sysdeps-bench $(STAMP) messages
	$(PY) scripts/bench_load.py
	$(PY) scripts/bench_import.py
	$(PY) scripts/bench_fees.py
	$(PY) scripts/bench_report.py
	$(PY) scripts/bench_public.py

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles media
