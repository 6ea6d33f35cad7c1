# weibao — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test e2e fuzz loadtest lint format messages clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "weibao needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

# Apache ECharts, pinned in package-lock.json, installed from the npm registry and served by the
# app itself (never a CDN). Needs Node.js and npm (Debian: apt-get install nodejs npm).
ECHARTS := weibao/static/vendor/echarts/echarts.min.js
$(ECHARTS): package.json package-lock.json
	@command -v npm >/dev/null || { echo "make setup needs Node.js and npm to install the charts library (Debian: apt-get install nodejs npm)"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@mkdir -p $(dir $(ECHARTS))
	cp node_modules/echarts/dist/echarts.min.js $(ECHARTS)
	cp node_modules/echarts/LICENSE $(dir $(ECHARTS))LICENSE

setup: $(STAMP) $(ECHARTS)
	@fc-list 2>/dev/null | grep -q "Noto Sans CJK" || echo "note: PDF files (the child's archive, the monthly report) need Pango and the Noto CJK fonts: apt-get install fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0"

run: setup
	$(BIN)/weibao migrate --noinput
	$(BIN)/weibao demo
	$(BIN)/weibao serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser suite (tests/e2e): a real `weibao serve` with the demo data, driven by Debian's
# Chromium at phone and desktop widths. Screenshots of every step go to var/e2e/.
CHROMIUM ?= /usr/bin/chromium
e2e: setup
	@test -x "$(CHROMIUM)" || { echo "make e2e needs Debian's Chromium at $(CHROMIUM): apt-get install chromium fonts-noto-cjk"; exit 1; }
	WEIBAO_E2E=1 WEIBAO_CHROMIUM="$(CHROMIUM)" $(BIN)/pytest tests/e2e $(PYTEST_ARGS)

# Schemathesis over the whole API, as every role and without a token, on a fresh demo (its own
# environment in var/fuzz-venv; .ci/run runs a shorter pass of the same script).
fuzz: setup
	FUZZ_PHASES=coverage,fuzzing FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-10} FUZZ_MAX_TIME=$${FUZZ_MAX_TIME:-600} bash .ci/fuzz-api

# The load test of docs/performance.md: production mode (gunicorn, PostgreSQL, Redis) with
# 200,000 children, driven by locust (its own environment in var/load-venv, pinned in
# requirements-load.lock). LOAD_ARGS, e.g. "--users 40 --minutes 2" (without --build it reuses
# the database of the last run).
loadtest: setup
	$(BIN)/python bench/load/run.py $${LOAD_ARGS:---build --drop}

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-extract the translatable strings (needs GNU gettext) and compile the catalogue.
messages: setup
	cd weibao && ../$(BIN)/weibao makemessages -l zh_Hans --no-obsolete --no-location
	$(BIN)/python -m weibao.core.i18n_compile

clean:
	rm -rf $(VENV) var node_modules weibao/static/vendor
