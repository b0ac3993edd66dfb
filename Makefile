# One entry point for people and CI. `make demo` and `make test` each install what is
# missing first (Debian packages, a virtual environment, an editable build), so they
# work on a fresh machine; the build directory persists, so rebuilds are incremental.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BUILD_DIR := build/editable
APT_PACKAGES := libsodium-dev libasio-dev libxxhash-dev pkg-config
# Needed only by tests (a real Prometheus server scrapes a node; headless Chromium opens
# the live view); `pip install .` users without them see those tests skipped.
TEST_APT_PACKAGES := prometheus clang-format chromium chromium-driver
STAMP := $(VENV)/.p2pgossip-installed
HYPOTHESIS_PROFILE ?= ci

PYLIBP2P_VENV := build/pylibp2p-venv
PYLIBP2P_STAMP := $(PYLIBP2P_VENV)/.installed
PYLIBP2P_REQUIREMENTS := tests/interop/requirements-pylibp2p.txt

.PHONY: demo test bench lint format system-deps test-deps build wheel bench-wheel interop-venv clean

demo: build
	$(BIN)/python -m p2pgossip demo

# The style checks, then the suite: a change that breaks either does not pass.
test: build interop-venv test-deps lint
	$(BIN)/python -m pytest --hypothesis-profile=$(HYPOTHESIS_PROFILE) $(PYTEST_ARGS)

bench: build interop-venv
	$(BIN)/python -m benchmarks all

lint: $(STAMP) test-deps
	$(BIN)/ruff check python tests benchmarks docs notebooks tools
	$(BIN)/ruff format --check python tests benchmarks docs notebooks tools
	clang-format --dry-run --Werror $$(git ls-files 'cpp/*.cpp' 'cpp/*.hpp')

format: $(STAMP)
	$(BIN)/ruff format python tests benchmarks docs notebooks tools
	clang-format -i $$(git ls-files 'cpp/*.cpp' 'cpp/*.hpp')

# Installs the Debian packages of $(1) that are missing.
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

system-deps:
	$(call apt_install,$(APT_PACKAGES))

test-deps:
	$(call apt_install,$(TEST_APT_PACKAGES))

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The editable install rebuilds the extension on import (editable.rebuild) in a
# persistent build directory; it is redone only when the build definition changes.
$(STAMP): pyproject.toml CMakeLists.txt Makefile | system-deps $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check "scikit-build-core>=0.10" "pybind11>=3.0" cmake ninja
	$(BIN)/pip install -q --disable-pip-version-check --no-build-isolation \
	  -Cbuild-dir=$(BUILD_DIR) -Ceditable.rebuild=true -Ceditable.verbose=false \
	  -e '.[test,analysis,dev]'
	touch $@

# Importing triggers the incremental rebuild; here it runs verbosely so progress shows.
build: $(STAMP)
	SKBUILD_EDITABLE_VERBOSE=1 $(BIN)/python -c "import p2pgossip._core"

# The release wheel, built as the release job builds it (sdist, then a wheel with libsodium
# static, then auditwheel repair), incrementally in build/wheel; tests/test_packaging.py checks
# it where libsodium, Asio and xxHash are absent.
wheel: build
	$(BIN)/python tools/build_wheel.py

# The installed wheel against the editable build, crypto and sim --quick, in the same run.
bench-wheel: build
	$(BIN)/python -m benchmarks wheel

# py-libp2p (interop peer, benchmark baseline) pins its own dependencies, so it lives in a
# venv of its own; pip's cache makes a rebuild quick.
interop-venv: $(PYLIBP2P_STAMP)

$(PYLIBP2P_STAMP): $(PYLIBP2P_REQUIREMENTS)
	$(PYTHON) -m venv $(PYLIBP2P_VENV)
	$(PYLIBP2P_VENV)/bin/pip install -q --disable-pip-version-check -r $(PYLIBP2P_REQUIREMENTS)
	touch $@

clean:
	rm -rf build $(VENV)
