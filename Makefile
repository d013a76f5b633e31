# The two commands of the README: `make demo` and `make test`. Both create .venv when
# it is missing and are idempotent (the install step reruns only when pyproject changes).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.casekit-installed
INDEX  ?= .casekit/index
SHARED ?= ../shared/data
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1

.PHONY: demo test install index eval bench clean

install: $(STAMP)

# torch first and pinned: the CPU build lies on disk, anything unpinned pulls CUDA.
# llama-cpp-python compiles from source once (~11 min on 2 cores); pip caches the wheel.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

index: $(STAMP)
	$(BIN)/casekit index corpus --index-dir $(INDEX)

demo: $(STAMP)
	$(BIN)/casekit doctor
	$(BIN)/casekit validate examples/inbox/NEW-0001.md
	$(BIN)/casekit index corpus --index-dir $(INDEX)
	$(BIN)/casekit search "tasks cannot pull images i/o timeout after subnet change" -k 3 --index-dir $(INDEX)
	$(BIN)/casekit draft examples/inbox/NEW-0001.md --out out/demo --index-dir $(INDEX)
	@echo; echo "==== out/demo/NEW-0001.md ===="; cat out/demo/NEW-0001.md

test: $(STAMP)
	$(BIN)/python -m pytest -q tests notebooks --nbval --nbval-sanitize-with notebooks/sanitize.cfg

eval: $(STAMP)
	$(BIN)/casekit index corpus $(SHARED)/rfc --index-dir .casekit/eval-index
	$(BIN)/casekit eval retrieval --index-dir .casekit/eval-index

bench: $(STAMP)
	$(BIN)/python bench/import_time.py

clean:
	rm -rf .casekit out .pytest_cache
