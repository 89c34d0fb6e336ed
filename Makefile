# The stable interface: `make demo` and `make test` each work as the first command on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_USER ?= demo
DEMO_PASSWORD ?= recordkeeper-demo

# Tests get their own engine, broker and data folder, so they never touch the demo's graph.
TEST_ENV := DEBUG=true LOCAL_SERVICES_DIR=$(CURDIR)/.local/test \
	NEO4J_URI=bolt://127.0.0.1:7688 NEO4J_PASSWORD=recordkeeper-test \
	NEO4J_HEAP_MB=512 NEO4J_PAGECACHE_MB=128 \
	CELERY_BROKER_URL=redis://127.0.0.1:6380/0 CELERY_RESULT_BACKEND=redis://127.0.0.1:6380/1

.PHONY: venv demo test lint services stop chromium pdf-libs

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(INSTALLED)

venv: $(INSTALLED)

services: venv
	$(PY) -m local_services start

stop: venv
	$(PY) -m local_services stop

# The demo org (a simulated California neobank) is served by the Salesforce org simulator and
# harvested through a real Celery worker before the web UI starts. Development mode: DEBUG is off unless set.
demo: export DEBUG = true
demo: venv pdf-libs
	$(PY) -m local_services start neo4j redis simulator
	$(PY) manage.py migrate --noinput
	$(PY) manage.py lineage_schema
	$(PY) manage.py demo_login --username $(DEMO_USER) --password $(DEMO_PASSWORD)
	$(PY) -m local_services start worker
	$(PY) manage.py add_org demo --credentials-json .local/dev/simulator/credentials.json \
		--auth-flow client_credentials --manifest-dir $(CURDIR)/salesforce_simulator/orgs/demo/manifests --test
	$(PY) manage.py harvest demo --full --wait
	@echo
	@echo "Recordkeeper is at http://$(HOST):$(PORT)/  (logins: $(DEMO_USER), auditor, admin / $(DEMO_PASSWORD))"
	@echo "Ctrl-C stops the web server; 'make stop' stops Neo4j, Redis, the worker and the simulator."
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .

# The browser tests drive Debian's own chromium (nothing downloads a browser): installed with apt when missing.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The records' PDF exports are set in Debian's DejaVu fonts: installed with apt when missing.
PDF_LIBS := fonts-dejavu-core
pdf-libs:
	@dpkg -s $(PDF_LIBS) >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_LIBS); }

# The suite runs on this many processes (pytest-xdist), each with a Neo4j engine of its own: its tests mostly wait on
# round trips (the engine, the simulator, a worker), so two processes keep two cores busy.
TEST_WORKERS ?= 2
TEST_WORKER_IDS = $(shell seq 0 $$(($(TEST_WORKERS) - 1)))

# Starts what the suite needs, runs ruff, mypy and pytest, then stops only what it started.
test: venv chromium pdf-libs
	@export $(TEST_ENV); \
	status=0; \
	for n in $(TEST_WORKER_IDS); do \
		$(PY) -m local_services start --test-worker $$n --record .local/test/started-$$n || status=1; \
	done; \
	if [ $$status = 0 ]; then \
		$(VENV)/bin/ruff check . && $(VENV)/bin/mypy . && \
		$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS) || status=$$?; \
	fi; \
	for n in $(TEST_WORKER_IDS); do \
		$(PY) -m local_services stop --test-worker $$n --only-recorded .local/test/started-$$n; \
	done; \
	exit $$status
