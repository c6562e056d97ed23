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

.PHONY: run test setup system lint bench stdlib-models

setup: system $(STAMP)

# Coq with CoqHammer, the ATPs its `hammer` tactic calls (E prover, CVC4, Z3), and two libraries
# the prover is measured on but never trained on (Flocq, math-classes; sources beside the .vo).
system:
	@command -v coqtop >/dev/null 2>&1 && [ -d "$$(coqc -where 2>/dev/null)/user-contrib/Hammer" ] && \
	  [ -d "$$(coqc -where)/user-contrib/Flocq" ] && [ -d "$$(coqc -where)/user-contrib/MathClasses" ] && \
	  command -v eprover >/dev/null 2>&1 && command -v cvc4 >/dev/null 2>&1 && command -v z3 >/dev/null 2>&1 || \
	  ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq coq libcoq-hammer eprover cvc4 z3 libcoq-flocq libcoq-math-classes >/dev/null )

# The last step builds the shipped retriever's index of the sample's premises (a minute or more on
# a CPU) once, so the first demo or prove does not (kept in the cache folder, docs/prover.md).
$(STAMP): pyproject.toml
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip $(QUIET)
	$(PIP) install -q torch==2.13.0 $(QUIET)
	$(PIP) install -q -e '.[dev,ray]' $(QUIET)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(VENV)/bin/proofplan index premises data/coq/sample --model data/models/retriever --json > /dev/null
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

# Models trained on the whole traced standard library (not shipped; on 2 cores after the ~17 min
# trace: generator, progress and templates about 4 min, the random-split retriever 27 min, most of
# it encoding 20k premises and 32k states, the novel_premises one about 12 min): k-NN generator, progress
# predictor, premise templates and retriever on random/train, a second retriever on
# novel_premises/train. The search configurations use them with the shipped seq2seq model,
# trained on data/coq/sample: bench_prover --exclude-train-of data/coq/sample.
STDLIB := data/generated/coq_stdlib
FULL   := data/generated/full
PP     := OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 $(VENV)/bin/proofplan
stdlib-models: setup
	[ -f $(STDLIB)/random/test.json ] || $(PP) data trace-coq --out $(STDLIB) --jobs 2
	$(PP) train generator $(STDLIB) --split random --knn-only --out $(FULL)/gen_out --export $(FULL)/models/generator
	cp data/models/generator/{config.json,generation_config.json,generator.json,model.safetensors,provenance.json} $(FULL)/models/generator/
	$(PP) train progress $(STDLIB) --split random --out $(FULL)/models/progress
	$(PP) train retriever $(STDLIB) --split random --out $(FULL)/retriever_random --threads 1
	mkdir -p $(FULL)/models/retriever && cp $(FULL)/retriever_random/{retriever.json,trained_weights.safetensors} $(FULL)/models/retriever/
	$(PP) train templates $(STDLIB) --split random --out $(FULL)/models/retriever
	$(PP) train retriever $(STDLIB) --split novel_premises --out $(FULL)/retriever_np --max-minutes 30
