# The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test install system-packages translations messages lint bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel compile --use-fuzzy -d translations 2>&1 | grep -v "^compiling" || true

## Extract UI strings and merge them into the catalogs (then translate the new ones).
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k _l --no-location --sort-output \
	  -o translations/messages.pot app.py models views templates
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

instance/secret_key:
	mkdir -p instance
	$(PY) -c 'import secrets; print(secrets.token_hex(32))' > $@
	chmod 600 $@

## Run the app with demo data on SQLite under gunicorn.
run: install instance/secret_key
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat instance/secret_key)}"; \
	$(VENV)/bin/flask --app app demo && \
	echo "Service desk on http://127.0.0.1:$(PORT)  (demo logins: admin clerk manager tech1 tech2 finance / demo1234)" && \
	exec $(VENV)/bin/gunicorn --no-control-socket -c gunicorn.conf.py -b 127.0.0.1:$(PORT) 'app:create_app()'

## The system packages the tests need: installed when run as root with apt-get, otherwise
## it stops at once with the exact command to run (scripts/ensure-system-packages).
system-packages:
	@scripts/ensure-system-packages

## Run the whole test suite: SQLite and PostgreSQL, and Chromium for browser tests.
test: system-packages install
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) tests/results test-results

## Benchmark: seeds two data sets, serves them with gunicorn (2 workers), loads them with wrk.
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)
