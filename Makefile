# harbor_ops.harbor developer and CI entry points. `make test` is the whole test suite (README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
BUILD := $(abspath .build)
COLL := $(BUILD)/ansible_collections/harbor_ops/harbor
INVENTORY ?=
# Second target: ansible-core 2.21 needs Python >= 3.12 (pyenv's 3.13 on the CI image)
PY313 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))
VENV221 := .venv-core221
BIN221 := $(abspath $(VENV221))/bin
COLL221 := $(BUILD)/core221/ansible_collections/harbor_ops/harbor
# Debian packages the tests use (installed when running as root on Debian/Ubuntu)
APT_PACKAGES := python3-venv git shellcheck docker-registry skopeo nginx openssl prometheus rsync age rclone postgresql

export ANSIBLE_COLLECTIONS_PATH := $(BUILD)
export ANSIBLE_NOCOLOR := 1
export PY_COLORS := 0

.PHONY: test setup apt venv collection sanity units lint changelog docs pytest molecule core221 site site-venv bench faults clean

## test: set up everything, then run every suite, four at a time, the longest first; each prints its duration
SUITES := molecule pytest core221 sanity units lint changelog docs
test: setup
	@t0=$$(date +%s); HARBOR_TEST_T0=$$t0 $(MAKE) --no-print-directory -j4 --output-sync=target $(addprefix timed-,$(SUITES)); \
	  echo "make test: all suites passed in $$(( $$(date +%s) - t0 )) s"

timed-%:
	@t=$$(date +%s); $(MAKE) --no-print-directory $*; \
	  echo "make test: $* passed in $$(( $$(date +%s) - t )) s (started $$(( t - $${HARBOR_TEST_T0:-$$t} )) s in)"

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

PYTEST_DIRS := $(wildcard tests/fake_harbor_tests tests/integration tests/roles)
pytest:
	$(if $(PYTEST_DIRS),$(BIN)/pytest -q -n 2 --dist worksteal --durations=20 $(PYTEST_DIRS),@echo "pytest: no suites yet")

## molecule: every role's molecule scenarios on systemd-nspawn test hosts (tests/hosts/README.md), MOLECULE_JOBS at a
## time (much of a scenario waits on its hosts, so three share two CPUs well)
MOLECULE_JOBS ?= 3
molecule:
	PATH=$(BIN):$$PATH MOLECULE_JOBS=$(MOLECULE_JOBS) tests/hosts/run-molecule.sh

## core221: units, sanity and the core integration targets again with ansible-core 2.21 on Python 3.13
core221:
	@if [ -z "$(PY313)" ]; then echo "NOTICE: core221 skipped: no Python 3.13 found for ansible-core 2.21"; exit 0; fi; \
	set -e; \
	if [ ! -f $(VENV221)/.stamp ] || [ tests/requirements-core221.txt -nt $(VENV221)/.stamp ]; then \
	  rm -rf $(VENV221) && $(PY313) -m venv $(VENV221) && \
	  $(BIN221)/pip install -q -r tests/requirements-core221.txt && touch $(VENV221)/.stamp; \
	fi; \
	rm -rf $(COLL221) && mkdir -p $(COLL221) && cp -a $(COLL)/. $(COLL221)/; \
	cd $(COLL221) && $(BIN221)/ansible-test units --python 3.13 --local --color no && \
	  $(BIN221)/ansible-test sanity --python 3.13 --local --color no; \
	cd $(CURDIR) && HARBOR_TEST_ANSIBLE_BIN=$(BIN221) $(BIN)/pytest -q -n 2 --dist worksteal tests/integration -k "$(CORE221_TARGETS)"

CORE221_TARGETS := project and 2.15

## bench: configuration as code at scale, bulk path against one task per object (benchmarks/README.md; not in test)
BENCH_ARGS ?=
bench: venv collection
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

## faults: the full fault campaign and the concurrent runs on every version (docs/reliability.md; make test runs
## reduced ones on the newest version), then the campaign's figures
FAULT_FIGURES := $(BUILD)/fault-figures.jsonl
faults: venv collection
	rm -f $(FAULT_FIGURES)
	rc=0; HARBOR_FAULT_CAMPAIGN=full HARBOR_FAULT_FIGURES=$(FAULT_FIGURES) $(BIN)/pytest -q -n 2 \
	  tests/integration/test_faults.py tests/integration/test_concurrency.py \
	  -k "test_fault_campaign or test_two_concurrent_runs" || rc=$$?; \
	$(BIN)/python tests/tools/fault_figures.py $(FAULT_FIGURES); exit $$rc

## site: the main job, playbooks/site.yml against INVENTORY (default: this machine, examples/localhost/hosts.yml),
## with a small runtime venv of its own (ansible-core, requests, community.crypto), never the test toolchain
SITE_VENV ?= .venv-site
SITE_BIN := $(abspath $(SITE_VENV))/bin
SITE_PACKAGES ?= ansible-core>=2.17,<2.20 -r requirements.txt
# the collection's dependencies (galaxy.yml): names from Galaxy, or collection tarballs for an offline install
SITE_COLLECTIONS ?= community.crypto
SITE_DEPS := $(abspath $(SITE_VENV))/collections
OS_RELEASE ?= /etc/os-release
site:
	@if [ -z "$(INVENTORY)" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "make site: without INVENTORY this machine is the Harbor host, and installing Harbor here needs root:" \
	      "run it as root (sudo make site), or give INVENTORY=<your inventory> to install Harbor elsewhere" >&2; exit 2; fi; \
	  os=$$( (. $(OS_RELEASE) && echo "$${ID:-} $${ID_LIKE:-}") 2>/dev/null || true); \
	  case " $$os " in *" debian "*|*" ubuntu "*|*" rhel "*|*" fedora "*|*" centos "*) ;; \
	    *) echo "make site: this machine ($${os:-no $(OS_RELEASE)}) cannot host Harbor: the roles support Debian, Ubuntu" \
	      "and RHEL 9 and its rebuilds; give INVENTORY=<your inventory> to install Harbor on such a host" >&2; exit 2 ;; esac; \
	fi
	@$(MAKE) --no-print-directory site-venv collection
	ANSIBLE_COLLECTIONS_PATH=$(BUILD):$(SITE_DEPS) $(SITE_BIN)/ansible-playbook \
	  -i $(or $(INVENTORY),examples/localhost/hosts.yml) playbooks/site.yml $(SITE_ARGS)

site-venv: $(SITE_VENV)/.stamp
$(SITE_VENV)/.stamp: requirements.txt
	@$(PYTHON) -m venv $(SITE_VENV) || { echo "make site: cannot create a venv: install python3-venv" >&2; exit 2; }
	$(SITE_BIN)/pip install -q $(foreach p,$(SITE_PACKAGES),'$(p)')
	rm -rf $(SITE_DEPS) && $(SITE_BIN)/ansible-galaxy collection install -p $(SITE_DEPS) $(SITE_COLLECTIONS)
	touch $@

clean:
	rm -rf $(BUILD) tests/output
