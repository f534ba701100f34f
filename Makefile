# Paperfeed: `make run` to try it, `make test` to check it. Both start from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
TEST_LOCK := requirements-test.lock
MINILM_LOCK := requirements-minilm.lock
LOCK_VENV := .venv-lock
LOCK_FLAGS := --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
# The `name==version` lines of a lock, to hold the next lock to the same versions.
PINS = sed -n 's/^\([A-Za-z0-9._-]*==[^ ]*\).*/\1/p' $(1) > $(2)
# Every install is hash-locked: the lock of what is installed ($(1): requirements.lock for the runtime,
# requirements-test.lock with the test and minilm extras, requirements-minilm.lock with minilm), each
# package checked against its recorded SHA-256 (the image installs requirements.lock the same way); then
# Paperfeed itself without dependencies; lockcheck fails loudly if pyproject.toml asks for anything a lock
# lacks, two locks disagree, or the install does not satisfy the extras ($(2)).
define locked_install
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(1)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m infra.lockcheck $(2)
endef

# The optional MiniLM embedders need the `minilm` extra (torch, onnxruntime): installed by `make test`, and by
# `make run` when the environment asks for them (EMBEDDER=minilm or minilm-onnx).
RUN_EXTRAS := $(if $(filter minilm minilm-onnx,$(EMBEDDER)),minilm)
TEST_EXTRAS := test,minilm
TS_STAMP := clients/typescript/node_modules/.package-lock.json

.PHONY: install install-test lock run test lint security docs clean chromium clients clients-deps node

## install: create .venv and install Paperfeed's runtime dependencies (does nothing when up to date)
install: $(VENV)/.installed$(if $(RUN_EXTRAS),-$(RUN_EXTRAS))

## install-test: the same, with the test tools and the MiniLM extra the suite also covers
install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml $(LOCK)
	$(call locked_install,$(LOCK),)
	@touch $@

$(VENV)/.installed-minilm: pyproject.toml $(MINILM_LOCK)
	$(call locked_install,$(MINILM_LOCK),minilm)
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-test: pyproject.toml $(TEST_LOCK)
	$(call locked_install,$(TEST_LOCK),$(TEST_EXTRAS))
	@touch $@ $(VENV)/.installed $(VENV)/.installed-minilm

## lock: re-resolve the three lock files from pyproject.toml with hashes (pip-tools from its own venv); commit
## them. The test lock is held to the runtime lock's versions and the minilm lock to the test lock's, so a
## package has one version everywhere.
lock:
	@test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/python -m pip install --quiet pip-tools==7.6.2; }
	$(LOCK_VENV)/bin/pip-compile --quiet $(LOCK_FLAGS) -o $(LOCK) pyproject.toml
	$(call PINS,$(LOCK),$(LOCK_VENV)/runtime-pins.txt)
	$(LOCK_VENV)/bin/pip-compile --quiet $(LOCK_FLAGS) --extra test --extra minilm \
		-c $(LOCK_VENV)/runtime-pins.txt -o $(TEST_LOCK) pyproject.toml
	$(call PINS,$(TEST_LOCK),$(LOCK_VENV)/test-pins.txt)
	$(LOCK_VENV)/bin/pip-compile --quiet $(LOCK_FLAGS) --extra minilm \
		-c $(LOCK_VENV)/test-pins.txt -o $(MINILM_LOCK) pyproject.toml

## run: start everything (embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set); Ctrl-C stops it
run: install
	exec $(BIN)/paperfeed up

## lint: ruff over the whole tree
lint: install-test
	$(BIN)/ruff check .

## docs: regenerate docs/configuration.md from the Settings fields (a unit test fails when it is stale)
docs: install
	$(BIN)/python -m infra.config_docs

## security: bandit (every severity; reviewed lines marked # nosec) and pip-audit (cannot reach its service: NOT RUN, a failure with AUDIT_REQUIRED=true)
security: install-test
	$(BIN)/python -m tests.security.audit

## test: lint, security, then the whole suite against real PostgreSQL, Redis and Celery workers
test: install-test lint security chromium clients-deps
	PAPERFEED_DATA_DIR=$${PAPERFEED_DATA_DIR:-.paperfeed/test} \
		$(BIN)/paperfeed run-with-services -- $(BIN)/python -m pytest $(PYTEST_ARGS)

## clients: regenerate clients/openapi.json and both SDKs from the code (a test fails when they are stale)
clients: clients-deps
	$(BIN)/python -m infra.clients

## clients-deps: the SDK toolchain, pinned: openapi-python-client (test extra) and clients/typescript's npm lock
clients-deps: install-test node $(TS_STAMP)

$(TS_STAMP): clients/typescript/package-lock.json
	cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error
	@touch $(TS_STAMP)

## node: Debian's nodejs and npm when missing (the TypeScript SDK and webhook receiver tests)
node:
	@command -v npm >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm; }

## chromium: Debian's chromium for the browser tests (Playwright drives /usr/bin/chromium; no browser download)
chromium:
	@test -x /usr/bin/chromium || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .ruff_cache *.egg-info
