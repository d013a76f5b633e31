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

# llama-cpp-python compiles from source (~11 min on 2 cores). It is built once, for any
# x86-64 CPU with AVX2 (GGML_NATIVE=OFF): a -march=native build of 0.3.36 crashes on
# prompts of more than one token on AVX-512 CPUs (seen here: segfault unless n_batch=1).
# The wheel is kept in a folder named after the version and flags, so a change of either
# rebuilds it, and pip's own wheel cache (keyed by the sdist only) is never consulted.
LLAMA        := llama-cpp-python==0.3.36
LLAMA_CMAKE  := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF
LLAMA_WHEELS ?= $(HOME)/.cache/casekit/wheels/llama-cpp-python-0.3.36-avx2

# torch first and pinned: the CPU build lies on disk, anything unpinned pulls CUDA.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMA_CMAKE)" $(BIN)/python -m pip wheel --quiet --no-deps --no-cache-dir -w $(LLAMA_WHEELS) "$(LLAMA)"
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps --no-index --find-links $(LLAMA_WHEELS) "$(LLAMA)"
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
	$(BIN)/casekit eval retrieval --index-dir .casekit/eval-index --queries eval/retrieval/heldout
	$(BIN)/python bench/tune_retrieval.py --index-dir .casekit/eval-index --dense-weights 2 --per-file 3
	$(BIN)/casekit eval drafts --split tune --index-dir .casekit/eval-index
	$(BIN)/casekit eval drafts --split heldout --index-dir .casekit/eval-index

bench: index
	$(BIN)/python bench/import_time.py
	$(BIN)/python bench/cold_search.py --index-dir $(INDEX)

clean:
	rm -rf .casekit out .pytest_cache
