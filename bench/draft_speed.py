"""Drafting speed: casekit's generation vs raw llama-cpp-python (same model, prompt, grammar,
parameters, same process), KV prefix reuse (second draft vs first), the warm end-to-end split
(retrieval, prompt processing, generation) and peak memory.

usage: python bench/draft_speed.py [--index-dir DIR] [--model GGUF]
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from casekit import Drafter, default_index_dir, load_cases

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", default=None, help="default: $CASEKIT_INDEX_DIR or ./.casekit/index")
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    args.index_dir = str(default_index_dir(args.index_dir))

    from llama_cpp import Llama, LlamaGrammar

    cases = [load_cases(p)[0] for p in sorted((ROOT / "examples" / "inbox").glob("NEW-00*.md"))[:8]]
    t = time.perf_counter()
    drafter = Drafter(args.index_dir, model=args.model)
    first = drafter.draft(cases[0])
    cold = time.perf_counter() - t
    print(f"cold first draft (loads embedding model and GGUF): {cold:.1f} s")

    # 1. generation through casekit vs raw llama-cpp-python, same prompt tokens and grammar
    w = drafter.writer
    stmt = [first.summary]
    by_id = {s.id: s for s in first.sources}
    srcs = {c: by_id[c].text for c in first.summary["citations"]}
    model = w.load()
    tok_ck, tok_raw = [], []
    for _ in range(3):
        w.rewrite(stmt, srcs)
        tok_ck.append(w.timing.generated_tokens / w.timing.generate_seconds)
    threads = model.n_threads  # as casekit loaded it
    raw = Llama(model_path=str(drafter.model_path), n_ctx=4096, n_threads=threads, n_threads_batch=threads, seed=0,
                verbose=False)
    prompt, ids = w.prompt(stmt, srcs)  # the very prompt casekit sends
    tokens = raw.tokenize(prompt.encode(), add_bos=True, special=True)
    grammar = {"type": "object", "required": ["statements"], "properties": {"statements": {
        "type": "array", "minItems": 1, "maxItems": 1, "items": {
            "type": "object", "required": ["text", "citations"], "properties": {
                "text": {"type": "string"},
                "citations": {"type": "array", "items": {"type": "string", "enum": ids}, "minItems": 1, "maxItems": 3}}}}}}
    for _ in range(3):
        raw.reset()
        raw.eval(tokens)
        g = LlamaGrammar.from_json_schema(json.dumps(grammar), verbose=False)
        t = time.perf_counter()
        out = raw.create_completion(tokens, max_tokens=140, temperature=0.0, top_k=1, seed=0, grammar=g)
        tok_raw.append(out["usage"]["completion_tokens"] / (time.perf_counter() - t))
    ck, rw = statistics.median(tok_ck), statistics.median(tok_raw)
    print(f"generation: casekit {ck:.1f} tok/s, raw llama-cpp-python {rw:.1f} tok/s, ratio {ck / rw:.2f}")
    del raw

    # 2. KV prefix reuse: prompt processing with the cached prefix vs from scratch
    w._prefix = None  # forget the cached prefix state
    w.rewrite(stmt, srcs)
    tm1 = w.timing
    w.rewrite(stmt, srcs)
    tm2 = w.timing
    print(f"prompt processing: first {tm1.prompt_seconds:.2f} s (prefix evaluated), second {tm2.prompt_seconds:.2f} s "
          f"(prefix restored), ratio {tm2.prompt_seconds / tm1.prompt_seconds:.2f}")

    # 3. warm end-to-end drafts
    rows = []
    for c in cases[1:]:
        t = time.perf_counter()
        d = drafter.draft(c)
        rows.append((time.perf_counter() - t, d.timings))
    tot = [r[0] for r in rows]
    print(f"warm draft over {len(rows)} cases: median {statistics.median(tot):.1f} s, max {max(tot):.1f} s")
    for key in ("retrieve_s", "reason_s", "prompt_seconds", "generate_seconds"):
        print(f"  {key:<17} median {statistics.median(r[1].get(key, 0.0) for r in rows):.2f} s")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
