# Two commands: `make run` (set up, then the main job) and `make test` (set up, then the tests).
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# pip's "Location ... is ignored" lines (a local index in this machine's pip.conf) are noise.
QUIET  := 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
SHELL  := /bin/bash
.SHELLFLAGS := -o pipefail -c

.PHONY: run test setup system lint bench

setup: system $(STAMP)

system:
	@command -v coqtop >/dev/null 2>&1 && [ -d "$$(coqc -where 2>/dev/null)/user-contrib/Hammer" ] || \
	  ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq coq libcoq-hammer >/dev/null )

$(STAMP): pyproject.toml
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip $(QUIET)
	$(PIP) install -q torch==2.13.0 $(QUIET)
	$(PIP) install -q -e '.[dev,ray]' $(QUIET)
	@touch $(STAMP)

run: setup
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(VENV)/bin/proofplan demo

test: setup
	$(VENV)/bin/ruff check --quiet .
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(VENV)/bin/pytest -q

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; HF_HUB_OFFLINE=1 $(PY) $$b || exit 1; done
