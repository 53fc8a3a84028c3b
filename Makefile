# The README's commands. `make run` starts everything; `make test` runs the whole suite.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
PG_TEST_URL ?= postgres://steadyops:steadyops@127.0.0.1:5432/steadyops
PYTEST_WORKERS ?= 2
# Prophet, the forecaster's peer in `make bench`, lives in its own virtualenv: it is not a dependency of steadyops.
PROPHET_VENV := bench/.venv-prophet

.PHONY: run test test-sqlite test-postgres lint bench clean

$(STAMP): pyproject.toml
	@test -d $(VENV) || python3 -m venv $(VENV)
	@$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)
	@$(BIN)/steadyops up

test: $(STAMP)
	@bash .ci/services
	$(MAKE) --no-print-directory test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

test-postgres: $(STAMP)
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy steadyops
	$(BIN)/steadyops makemigrations --check --dry-run
	STEADYOPS_HTTPS=true STEADYOPS_SECRET_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))') \
		$(BIN)/steadyops check --deploy --fail-level WARNING

$(PROPHET_VENV)/bin/python: bench/requirements-prophet.txt
	python3 -m venv $(PROPHET_VENV)
	$(PROPHET_VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/requirements-prophet.txt
	@touch $@

bench: $(STAMP) $(PROPHET_VENV)/bin/python
	@bash .ci/services
	$(BIN)/python bench/web.py
	$(BIN)/python bench/backstage.py
	$(BIN)/python bench/spof.py
	$(BIN)/python bench/catalog_import.py
	$(BIN)/python bench/graph.py
	$(BIN)/python bench/forecast.py
	$(BIN)/python bench/forecast_many.py
	$(BIN)/python bench/tally.py
	$(BIN)/python bench/similar.py
	$(BIN)/python bench/panic_reports.py
	$(BIN)/python bench/alerts.py

clean:
	rm -rf $(VENV) var $(PROPHET_VENV)
