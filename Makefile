SHELL := /bin/bash

.PHONY: setup run stop test

setup: ## create .venv, install, make PostgreSQL/Redis and the databases available
	bash scripts/setup.sh

run: ## run the catalogue on http://127.0.0.1:5000
	bash scripts/run.sh

stop: ## stop what run started
	bash scripts/stop.sh

test: ## run the tests (as CI does)
	bash scripts/test.sh
