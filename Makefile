# 救助通: two commands. `make run` (dev bot + simulator), `make test` (the test suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
FLASK  := $(BIN)/flask --app bot.app:create_app
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install run test faults bench bench-webhook bench-engine bench-roster bench-dispatch bench-backoffice bench-load clean migration

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(FLASK) db upgrade
	$(FLASK) demo seed
	@echo ""
	@echo "  救助通 is running. Simulator: http://$(HOST):$(PORT)/simulator   (Ctrl-C stops)"
	@echo ""
	$(FLASK) run --host $(HOST) --port $(PORT) --with-threads --no-reload

test: install
	$(BIN)/pytest

faults: install
	$(BIN)/pytest tests/faults tests/web/test_hostile_input.py tests/web/test_forged_senders.py tests/conversations/test_hostile_parsers.py tests/flows/test_privacy.py

bench: bench-webhook bench-engine bench-roster bench-dispatch bench-backoffice bench-load

bench-webhook: install
	$(BIN)/python -m bench.webhook

bench-engine: install
	$(BIN)/python -m bench.engine

bench-roster: install
	$(BIN)/python -m bench.roster
	$(BIN)/python -m bench.roster_web

bench-dispatch: install
	$(BIN)/python -m bench.dispatch

bench-backoffice: install
	$(BIN)/python -m bench.backoffice

bench-load: install
	$(BIN)/python -m bench.load_journey

clean:
	rm -rf $(VENV) var *.egg-info

migration: install
	$(BIN)/python -m db.migrate $(m)
