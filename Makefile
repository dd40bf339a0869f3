# The one entry point: `make run` serves the portal, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint bench messages clean vendor

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

# Browser libraries served from static/vendor/ (no CDN): the exact versions of package.json
# and package-lock.json, copied from npm's build. The copied files are committed; run this
# after changing a version there.
ECHARTS_DIST := node_modules/echarts/dist
vendor:
	npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p static/vendor/echarts
	cp $(ECHARTS_DIST)/echarts.min.js node_modules/echarts/LICENSE node_modules/echarts/NOTICE static/vendor/echarts/
	node -e 'console.log("echarts " + require("./node_modules/echarts/package.json").version)' > static/vendor/echarts/VERSION

messages: $(STAMP)
	cd portal && ../$(PY) ../manage.py makemessages -l zh_Hans -l en --no-obsolete -i "../.venv/*"

clean:
	rm -rf $(VENV) var db.sqlite3
