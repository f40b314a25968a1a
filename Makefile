# `make demo` and `make test` set up everything they need on a fresh Debian machine:
# the virtualenv, pinned Python packages, PostgreSQL 15 (apt) and the Heroku CLI (npm).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PG15_BIN := /usr/lib/postgresql/15/bin
HEROKU_CLI_VERSION := 11.10.0
HEROKU_CLI := .cache/heroku-cli/node_modules/.bin/heroku
PYTEST := $(PY) -m pytest -p no:cacheprovider --timeout=900
# Simulator tests mostly wait on real clusters and dynos: run them three at a time.
PARALLEL ?= -n 3

.PHONY: test demo setup postgres heroku-cli collection-link lint sanity unit simulator-tests integration molecule clean
.PHONY: ecosystem docs changelog test-matrix

# Set-up and static gates first, at once: the installs mostly wait on the network (pip, apt, npm;
# ~2 min cold) and so do sanity's venv builds, while lint (~30 s) and sanity's tests (~1 min) use
# the CPU. Each of them reads /dev/null, not the shared stdin: npm (node) makes its stdin
# non-blocking, and ansible-lint's `ansible-config dump` then refuses to run. Then each suite in its own pytest run (their conftest modules share a name), the
# Molecule scenarios (one per migration method) and the fast subset of the reliability campaigns.
test:
	$(MAKE) --no-print-directory -j4 --output-sync=target setup heroku-cli lint sanity
	$(PYTEST) tests/unit
	$(PYTEST) $(PARALLEL) tests/simulator/tests
	$(PYTEST) $(PARALLEL) tests/integration
	$(PYTEST) -n 2 tests/ecosystem
	$(MAKE) --no-print-directory molecule
	$(PY) tests/chaos/run.py --quick -n 2

# The README's first command (demo/demo.py): herokusim with the example app, whose web and worker
# dynos write while playbooks/upgrade_pg.yml upgrades its Standard database from PostgreSQL 15 to
# 16; then the report, the writes check and the app before and after. About 1.5 minutes.
demo: setup
	$(PY) demo/demo.py

setup: $(VENV)/.installed postgres collection-link

# build/collections/ansible_collections/herokuops/postgres, a symlink to this checkout: how
# ansible-lint, ansible-playbook run from the checkout (ansible.cfg) and the test suites
# (tests/conftest.py, which also makes it) find herokuops.postgres without installing it.
COLLECTIONS_DIR := build/collections
COLLECTION_LINK := $(COLLECTIONS_DIR)/ansible_collections/herokuops/postgres

collection-link:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@[ "$$(readlink $(COLLECTION_LINK))" = "$(CURDIR)" ] || ln -sfn "$(CURDIR)" $(COLLECTION_LINK)

$(VENV)/.installed: requirements-dev.txt tests/simulator/pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q -e tests/simulator
	touch $@

# Debian's postinst would create and start a "main" cluster we never use: switch that off.
postgres:
	@if [ ! -x $(PG15_BIN)/pg_ctl ]; then \
	  $(SUDO) mkdir -p /etc/postgresql-common && \
	  { [ -f /etc/postgresql-common/createcluster.conf ] || echo "create_main_cluster = false" | $(SUDO) tee /etc/postgresql-common/createcluster.conf >/dev/null; } && \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-client-15; \
	fi

heroku-cli: $(HEROKU_CLI)

$(HEROKU_CLI):
	mkdir -p .cache/heroku-cli
	npm install --prefix .cache/heroku-cli --no-audit --no-fund --loglevel=error heroku@$(HEROKU_CLI_VERSION) < /dev/null

# --- make lint ---------------------------------------------------------------------------
# ansible-lint (production profile, config in .ansible-lint) over everything git would commit
# but tests/simulator, then the changelog fragments. .ansible-lint sets `offline: true` (no
# Galaxy, no version check), so ansible-lint does not install this collection into its cache
# (~/.ansible/collections): its `ansible-playbook --syntax-check` finds herokuops.postgres
# through the collection link instead.
lint: $(VENV)/.installed collection-link
	PATH="$(abspath $(VENV))/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(abspath $(COLLECTIONS_DIR))" \
	  ansible-lint < /dev/null
	$(VENV)/bin/antsibull-changelog lint

# --- make sanity -------------------------------------------------------------------------
# ansible-test sanity, Python 3.11 only, every test that applies, no ignore file.
#
# Where it runs: ansible-test needs the collection at .../ansible_collections/herokuops/postgres
# (it resolves the working directory, so a symlink does not do) and only looks at the files git
# knows. SANITY_ROOT receives a fresh copy of exactly the files ansible-test would see here
# (`git ls-files --cached --others --exclude-standard`, i.e. tracked files plus new files not
# yet added, minus deleted ones; in CI's clean clone that is just the tracked files), and a
# `git init` + `git add` so that ansible-test sees the same list there.
#
# Which Python: `--local` runs ansible-test with .venv's Python, which already has the pinned
# ansible-core. (`--venv` would only build a second copy of that controller environment, under
# tests/output of the copy, i.e. again on every run.)
#
# Why a stand-in get-pip: whatever the controller option, ansible-test (2.19) runs every sanity
# test in its own virtualenv under ~/.ansible/test/venv/sanity.<test>/ (pinned requirements from
# ansible_test/_data/requirements/sanity.*.txt), created `--without-pip` and bootstrapped with
# get-pip-<pip version>.py from ci-files.testing.ansible.com, a host CI cannot reach. ansible-test
# first looks for that script at ~/.ansible/test/cache/get_pip_<version>.py (the documented way
# to supply it by hand), so we put .ci/get_pip.py there next to the pip wheel of the version it
# asks for (24.2 for ansible-core 2.19.14, read from ansible-test itself, downloaded from PyPI):
# it installs pip from that wheel, as get-pip.py does. Nothing fetched from outside PyPI runs.
#
# Where ansible-test keeps that: HOME is set, for ansible-test only, to ANSIBLE_TEST_HOME under
# .cache/, so its venvs and cache stay inside the checkout (ignored by git, removed by
# `make clean`) and nothing is written to the user's ~/.ansible. The sanity venvs are reused
# while ansible-core's pins do not change (they are keyed by a hash of their requirements).
#
# Speed: a cold start (CI's clean clone always is one) builds ten small venvs from PyPI, about
# a minute on 2 cores, then runs the tests, about a minute, most of it pylint. Building the
# venvs with two ansible-test processes at once (--prime-venvs) was tried: 1m56s against
# 2m03s cold on 2 cores, not worth a second process and log.
SANITY_PYTHON ?= 3.11
SANITY_ROOT := build/sanity/ansible_collections/herokuops/postgres
ANSIBLE_TEST_HOME := $(CURDIR)/.cache/ansible-test
ANSIBLE_TEST_CACHE := $(ANSIBLE_TEST_HOME)/.ansible/test/cache
# ansible_test's private API, read at run time so that a new ansible-core pin brings its own pip.
ANSIBLE_TEST_PIP_VERSION = $$($(PY) -c 'import types; from ansible_test._internal.python_requirements import get_venv_packages; print(get_venv_packages(types.SimpleNamespace(version="$(SANITY_PYTHON)"))["pip"])')

sanity: $(VENV)/.installed $(ANSIBLE_TEST_CACHE)/.ready
	rm -rf build/sanity
	mkdir -p $(SANITY_ROOT)
	set -o pipefail; git ls-files -z --cached --others --exclude-standard \
	  | while IFS= read -r -d '' f; do [ -e "$$f" ] && printf '%s\0' "$$f"; done \
	  | tar --null -T - -cf - | tar -xf - -C $(SANITY_ROOT)
	cd $(SANITY_ROOT) && git init -q && git add -A
	cd $(SANITY_ROOT) && HOME="$(ANSIBLE_TEST_HOME)" "$(abspath $(VENV))/bin/ansible-test" sanity \
	  --local --python $(SANITY_PYTHON) < /dev/null

$(ANSIBLE_TEST_CACHE)/.ready: .ci/get_pip.py $(VENV)/.installed
	set -e; pip_version=$(ANSIBLE_TEST_PIP_VERSION); \
	  rm -rf $(ANSIBLE_TEST_CACHE) && mkdir -p $(ANSIBLE_TEST_CACHE); \
	  $(PY) -m pip download -q --no-deps --only-binary=:all: -d $(ANSIBLE_TEST_CACHE) "pip==$$pip_version"; \
	  cp .ci/get_pip.py "$(ANSIBLE_TEST_CACHE)/get_pip_$${pip_version//./_}.py"
	touch $@

unit: setup
	$(PYTEST) tests/unit

simulator-tests: setup heroku-cli
	$(PYTEST) $(PARALLEL) tests/simulator/tests

integration: setup
	$(PYTEST) $(PARALLEL) tests/integration

# --- make molecule -----------------------------------------------------------------------
# The Molecule scenarios in extensions/molecule/ (config.yml there explains them): one migration per
# method against herokusim while dynos write. MOLECULE_JOBS scenarios run at once, each with its own
# simulator on a free port (HEROKUSIM_PORT) and its log in build/molecule/<scenario>.log, printed
# when it fails. molecule runs ansible-playbook from PATH.
MOLECULE_SCENARIOS := $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard extensions/molecule/*/molecule.yml))))
MOLECULE_JOBS ?= 2
FREE_PORT := $(PY) -c "import socket; s = socket.socket(); s.bind((str(), 0)); print(s.getsockname()[1])"

molecule: setup
	@rm -rf build/molecule && mkdir -p build/molecule
	@printf '%s\n' $(MOLECULE_SCENARIOS) | xargs -P $(MOLECULE_JOBS) -I{} sh -c '\
	  start=$$(date +%s); port=$$($(FREE_PORT)); \
	  if PATH="$(abspath $(VENV))/bin:$$PATH" HEROKUSIM_PORT=$$port $(VENV)/bin/molecule test -s {} \
	       > build/molecule/{}.log 2>&1; \
	  then echo "molecule {}: passed in $$(( $$(date +%s) - start )) s"; \
	  else cat build/molecule/{}.log; echo "molecule {}: FAILED"; exit 1; fi'

# --- publishable: Galaxy, ansible-builder, antsibull-docs, antsibull-changelog ------------------
# tests/ecosystem (in `make test`; 1.5 min with -n 2 on a busy 2-core machine): the
# `ansible-galaxy collection build` tarball (no scratch files) accepted by galaxy-importer
# (.ci/galaxy-importer.cfg), the ansible-builder context of docs/execution-environment.yml,
# `antsibull-docs lint-collection-docs --plugin-docs`, CHANGELOG.md generated from
# changelogs/changelog.yaml.
ecosystem: setup
	$(PYTEST) -n 2 tests/ecosystem

# The module, plugin and role reference as HTML, in build/docs/html (generated, not committed:
# its sources are the plugins' DOCUMENTATION, the roles' meta/argument_specs.yml and
# docs/docsite/links.yml). References into docs.ansible.com (intersphinx) cannot resolve offline,
# so Sphinx's warnings are shown but not fatal; `make ecosystem` lints the sources strictly.
DOCS_DIR := build/docs
docs: setup
	rm -rf $(DOCS_DIR) && mkdir -m 700 -p $(DOCS_DIR)
	PATH="$(abspath $(VENV))/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(abspath $(COLLECTIONS_DIR))" \
	  $(VENV)/bin/antsibull-docs sphinx-init --use-current --dest-dir $(DOCS_DIR) herokuops.postgres >/dev/null
	chmod og-w $(DOCS_DIR)/rst  # antsibull-docs writes only into a directory no one else can
	cd $(DOCS_DIR) && PATH="$(abspath $(VENV))/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(abspath $(COLLECTIONS_DIR))" \
	  antsibull-docs --config-file antsibull-docs.cfg collection --use-current --dest-dir rst herokuops.postgres \
	  && PATH="$(abspath $(VENV))/bin:$$PATH" sphinx-build -M html rst . -c . -q
	@echo "make docs: open $(DOCS_DIR)/html/collections/herokuops/postgres/index.html"

# CHANGELOG.md from changelogs/changelog.yaml. A release: set `version` in galaxy.yml, then
# `antsibull-changelog release` (it moves the fragments into changelog.yaml and writes CHANGELOG.md).
changelog: $(VENV)/.installed
	$(VENV)/bin/antsibull-changelog generate

# --- make test-matrix --------------------------------------------------------------------
# The test suites on every supported ansible-core (meta/runtime.yml), each on a Python it
# supports (2.20 and later need Python >= 3.12, from pyenv): 2.19 in .venv, the others in
# .venv-<core>, with requirements-dev.txt but for the ansible-core pin. Each suite is its own
# pytest run, as in `make test`; the simulator's own tests are left out (herokusim does not use
# ansible-core). MATRIX_SUITES narrows them, e.g.
#   make test-matrix MATRIX_SUITES="tests/unit tests/integration/test_heroku_pg_info.py"
MATRIX := 2.20=2.20.10=3.12 2.21=2.21.5=3.13
MATRIX_SUITES ?= tests/unit tests/integration tests/ecosystem
matrix_field = $(word $(2),$(subst =, ,$(filter $(1)=%,$(MATRIX))))

test-matrix: setup heroku-cli $(foreach entry,$(MATRIX),.venv-$(firstword $(subst =, ,$(entry)))/.installed)
	set -e; for venv in $(VENV) $(foreach entry,$(MATRIX),.venv-$(firstword $(subst =, ,$(entry)))); do \
	  echo "== $$venv: ansible-core $$($$venv/bin/python -c 'from ansible.release import __version__ as v; print(v)'), $$($$venv/bin/python -V)"; \
	  for suite in $(MATRIX_SUITES); do \
	    $$venv/bin/python -m pytest -p no:cacheprovider --timeout=900 $(PARALLEL) $$suite; \
	  done; \
	done

.venv-%/.installed: requirements-dev.txt tests/simulator/pyproject.toml
	python=$$(pyenv prefix $(call matrix_field,$*,3) 2>/dev/null)/bin/python$(call matrix_field,$*,3); \
	  [ -x "$$python" ] || python=python$(call matrix_field,$*,3); \
	  "$$python" -m venv .venv-$*
	sed -e 's/^ansible-core==.*/ansible-core==$(call matrix_field,$*,2)/' -e '/^pgserver==/d' requirements-dev.txt \
	  > .venv-$*/requirements.txt
	.venv-$*/bin/python -m pip install -q --upgrade pip
	.venv-$*/bin/python -m pip install -q -r .venv-$*/requirements.txt
	# herokusim takes PostgreSQL 16 from the pgserver wheel (built up to Python 3.12) and only
	# locates its binaries, never imports it: unpack the 3.12 wheel beside the venv, on its path.
	.venv-$*/bin/python -m pip install -q --no-deps --only-binary=:all: --python-version 3.12 \
	  --target .venv-$*/pgserver $$(grep '^pgserver==' requirements-dev.txt)
	echo "$(abspath .venv-$*/pgserver)" > "$$(.venv-$*/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/pgserver.pth"
	.venv-$*/bin/python -m pip install -q --no-deps -e tests/simulator
	touch $@

clean:
	rm -rf $(VENV) .venv-* .cache build

# --- make chaos, make bench ---------------------------------------------------------------
# tests/chaos (run.py explains it): the reliability campaigns against herokusim while dynos write,
# two cases at a time: crash at every task, API faults, bad input, secrets, and compound faults (a
# crash, then a failure at a later task of the re-run, then a final run). A table of campaign,
# cases, passed; exit 1 on any failure; evidence of failed cases in build/chaos/. Hours: the crash
# campaign runs every method once per task. `make test` runs its --quick subset.
.PHONY: chaos bench
chaos: setup
	$(PY) tests/chaos/run.py -n 2

# benchmarks/bench.py: window vs the simulator's floor, API requests and polling, a fleet of 20 apps
# under the rate limiter, the controller's time and memory, a fleet of very different sizes (each app's
# window in it against alone; --only sizes runs just that), the proof's cost, a migration to Advanced with
# streaming against snapshot at three sizes (--only advanced); one case at a time. Prints the tables and
# writes benchmarks/results.md (kept in git, with the machine, date and load). About 20 minutes, and 5 more
# for the migration to Advanced (measured alone).
bench: setup
	$(PY) benchmarks/bench.py
