# Linkwell: `make demo` to try it, `make test` to check it. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: install demo serve test lint format bench browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

# The NHS.UK design system's styles built with Linkwell's settings (frontend/nhsuk.scss says why).
CSS := linkwell/static/linkwell/build/nhsuk.css
$(CSS): frontend/nhsuk.scss node_modules/.installed
	mkdir -p $(dir $@)
	npx --no-install sass --no-source-map --style=compressed --load-path=node_modules $< $@

install: $(VENV)/.installed node_modules/.installed $(CSS)

demo: install
	mkdir -p var
	$(BIN)/linkwell migrate --noinput
	$(BIN)/linkwell load_demo
	@echo ""
	@echo "Linkwell is running at http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/linkwell runserver 127.0.0.1:$(PORT) --noreload

serve: install
	$(BIN)/linkwell runserver 127.0.0.1:$(PORT)

# Browser tests drive Debian's Chromium through Playwright; never a downloaded browser build.
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }

test: install browser
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/mypy linkwell config
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/linkwell makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules var staticfiles $(dir $(CSS))
