# The two commands of README.md: `make demo` and `make test`. Everything else is their parts.
SHELL := /bin/bash
VENV := .venv
CKAN := $(VENV)/bin/ckan
DEMO_INI := var/demo.ini

.PHONY: setup services stop test demo demo-data i18n lint

setup:
	scripts/setup.sh

services: setup
	scripts/services.sh start

stop:
	scripts/services.sh stop

# The suite runs on TEST_WORKERS processes (pytest-xdist), each with its own databases, Solr site id and Redis
# database (scripts/test-workers.sh); a test file's tests stay together on one worker (--dist loadfile).
TEST_WORKERS ?= 2

test: services
	CKAN=$(CKAN) scripts/test-workers.sh $(TEST_WORKERS)
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

$(DEMO_INI): demo/demo.ini
	mkdir -p var
	scripts/demo-ini.sh demo/demo.ini $(DEMO_INI)

# The demo: three cities, the indicator catalogue, real harvest jobs against the local server that replays
# the recorded answers of ../shared/fixtures (scripts/demo-sources.sh), the derived indicators, and the
# synthetic inventory records, and one complete reporting year of Kielce entered through the departments'
# questionnaires and approved by the demo team (synthetic values, flagged so). Idempotent: a second run changes nothing.
DEMO_CITIES := kielce lublin bialystok

demo-data: services $(DEMO_INI)
	$(CKAN) -c $(DEMO_INI) db upgrade
	$(CKAN) -c $(DEMO_INI) db pending-migrations --apply
	CKAN=$(CKAN) scripts/datastore-permissions.sh $(DEMO_INI)
	VENV=$(VENV) scripts/demo-sources.sh start
	for city in $(DEMO_CITIES); do $(CKAN) -c $(DEMO_INI) urbanaudit city load schemas/cities/$$city.yaml || exit 1; done
	$(CKAN) -c $(DEMO_INI) urbanaudit indicators load
	$(CKAN) -c $(DEMO_INI) urbanaudit demo harvest
	$(CKAN) -c $(DEMO_INI) urbanaudit indicators compute
	URBANAUDIT_ADMIN_PASSWORD=kielce-demo-2026 $(CKAN) -c $(DEMO_INI) urbanaudit demo load
	URBANAUDIT_ADMIN_PASSWORD=kielce-demo-2026 $(CKAN) -c $(DEMO_INI) urbanaudit demo audit --city kielce --year 2024
	$(CKAN) -c $(DEMO_INI) urbanaudit contents indicator-tables
	$(CKAN) -c $(DEMO_INI) search-index rebuild --clear

demo: demo-data
	VENV=$(VENV) scripts/demo-run.sh $(DEMO_INI)

i18n: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -o ckanext/urbanaudit/i18n/ckanext-urbanaudit.pot --no-location --sort-output .
	$(VENV)/bin/pybabel update -i ckanext/urbanaudit/i18n/ckanext-urbanaudit.pot -d ckanext/urbanaudit/i18n -D ckanext-urbanaudit --no-fuzzy-matching
	$(VENV)/bin/python scripts/i18n_compile.py

lint: setup
	$(VENV)/bin/ruff check .
