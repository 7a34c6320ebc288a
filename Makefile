# harbor_ops.harbor developer and CI entry points. `make test` is the whole test suite (README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
BUILD := $(abspath .build)
COLL := $(BUILD)/ansible_collections/harbor_ops/harbor
INVENTORY ?=
# Debian packages the tests use (installed when running as root on Debian/Ubuntu)
APT_PACKAGES := python3-venv git shellcheck

export ANSIBLE_COLLECTIONS_PATH := $(BUILD)
export ANSIBLE_NOCOLOR := 1
export PY_COLORS := 0

.PHONY: test setup apt venv collection sanity units lint changelog docs pytest site clean

## test: set up everything, then run every suite (sanity, units, lint, changelog, docs, pytest)
test: setup
	@$(MAKE) --no-print-directory -j3 --output-sync=target ansible-test-suites lint changelog docs pytest
	@echo "make test: all suites passed"

setup: apt venv collection

apt:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then \
	    echo "apt: installing $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  fi; \
	else echo "apt: not root, assuming these are installed: $(APT_PACKAGES)"; fi

venv: $(VENV)/.stamp
$(VENV)/.stamp: tests/requirements.txt tests/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r tests/requirements.txt -c tests/constraints.txt
	mkdir -p $(HOME)/.ansible/test/cache
	for v in 24_2 25_2; do install -m 0644 tests/tools/get_pip_stub.py $(HOME)/.ansible/test/cache/get_pip_$$v.py; done
	touch $@

## collection: copy the working tree (tracked and untracked, not ignored) to where ansible-test wants it
collection:
	rm -rf $(COLL) && mkdir -p $(COLL)
	git ls-files -z --cached --others --exclude-standard \
	  | tar --null -T - -c --ignore-failed-read 2>/dev/null | tar -x -C $(COLL)
	git -C $(COLL) init -q  # its own (empty) repository, so that ansible-test lists the copied files

ansible-test-suites: sanity units

sanity:
	cd $(COLL) && $(BIN)/ansible-test sanity --python 3.11 --local --color no

units:
	cd $(COLL) && $(BIN)/ansible-test units --python 3.11 --local --color no

lint:
	$(BIN)/ansible-lint --offline -q

changelog:
	$(BIN)/antsibull-changelog lint

## docs: build the collection tarball, install it, and render every module's documentation from it
docs:
	rm -rf $(BUILD)/dist $(BUILD)/installed && mkdir -p $(BUILD)/dist $(BUILD)/installed
	$(BIN)/ansible-galaxy collection build --output-path $(BUILD)/dist . >/dev/null
	ANSIBLE_COLLECTIONS_PATH=$(BUILD)/installed $(BIN)/ansible-galaxy collection install --offline \
	  -p $(BUILD)/installed $(BUILD)/dist/harbor_ops-harbor-*.tar.gz >/dev/null 2>&1
	cd $(BUILD)/installed && ANSIBLE_COLLECTIONS_PATH=$(BUILD)/installed \
	  $(BIN)/python $(CURDIR)/tests/tools/check_docs.py ansible_collections/harbor_ops/harbor

PYTEST_DIRS := $(wildcard tests/fake_harbor_tests tests/integration)
pytest:
	$(if $(PYTEST_DIRS),$(BIN)/pytest -q -n 2 $(PYTEST_DIRS),@echo "pytest: no suites yet")

## site: the main job, playbooks/site.yml against INVENTORY (default: localhost)
site: venv collection
	$(BIN)/ansible-playbook $(if $(INVENTORY),-i $(INVENTORY),-i localhost, -c local) playbooks/site.yml

clean:
	rm -rf $(BUILD) tests/output
