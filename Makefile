# The one entry point: `make run` serves the portal, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint bench messages clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: $(STAMP)
	@bash scripts/run.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: $(STAMP) lint
	PORTAL_TESTING=1 $(PY) manage.py check --fail-level WARNING
	PORTAL_TESTING=1 $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench

messages: $(STAMP)
	cd portal && ../$(PY) ../manage.py makemessages -l zh_Hans -l en --no-obsolete -i "../.venv/*"

clean:
	rm -rf $(VENV) var db.sqlite3
