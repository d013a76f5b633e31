"""A support organisation's whole history: build, grow, search and draft against a 100k-ticket
index (bench/gen_history.py makes the tickets; docs/scale.md has the figures).

Each phase runs in its own process (its peak memory is its own) and prints one JSON line:

  real     import and index the first --real tickets with the real encoders, in steps, so
           the rate, memory and store size show as the history grows (local engine)
  ray      the same tickets with --engine ray on a private local Ray instance
  fill     import the rest of the --tickets and index them with vectors borrowed from the
           real phase (a real vector plus noise, about cos 0.9 to it): everything of a
           100k-ticket build but the encoding, whose time follows from the real rate
  day      import the next day's --day tickets (1,000) and add them with the real encoders
  search   dense search p50/p95 and recall@10 against exact search at 100k and 500k
           vectors mixed from real text vectors (IVF as casekit chooses it, plus HNSW and
           other IVF settings for the choice); casekit's own dense and hybrid search on the
           large store
  cold     cold `casekit search` on the large store (median of fresh processes)
  draft    warm draft time against the large index

    python bench/scale_bench.py --work /tmp/scale --tickets 100000 --real 2000
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from gen_history import MAP, write_history  # noqa: E402

PHASES = ("real", "ray", "fill", "day", "search", "cold", "draft")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def import_exports(exports: list[Path], cases: Path) -> float:
    import casekit

    t = time.perf_counter()
    for e in exports:
        casekit.import_file(e, cases / e.stem, mapping=MAP)
    return time.perf_counter() - t


def exports_for(work: Path, first: int, count: int) -> list[Path]:
    out = work / f"exports-{first}-{count}"
    if not out.exists():
        write_history(out, count, start=first)
    return sorted(out.glob("*.jsonl"))


def phase_real(a) -> dict:
    import casekit

    work = Path(a.work)
    steps, rows = [s for s in (a.real // 4, a.real // 2, a.real) if s], []
    done = 0
    idx = work / ("index-ray" if a.phase == "ray" else "index-real")
    for upto in steps:
        ex = exports_for(work, done, upto - done)
        imp = import_exports(ex, work / "cases-real")
        t = time.perf_counter()
        st = casekit.build_index([work / "cases-real"], idx, progress=False,
                                 engine="ray" if a.phase == "ray" else "local")
        wall = time.perf_counter() - t
        rows.append({"tickets": upto, "chunks": st.chunks, "embedded": st.embedded, "build_s": round(wall, 1),
                     "encode_s": round(st.encode_seconds, 1), "chunks_per_s": round(st.embedded / max(st.encode_seconds, 1e-9), 2),
                     "import_s": round(imp, 1), "peak_mb": round(peak_mb()), "store_mb": round(du_mb(idx), 1)})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        done = upto
    return {"steps": rows}


def _borrowed(real_vectors):
    """Vectors for texts never encoded: a real vector (chosen by the text's hash) plus noise."""
    import hashlib

    import numpy as np

    def stand_in(texts: list[str]):
        out = np.empty((len(texts), real_vectors.shape[1]), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
            rng = np.random.default_rng(seed)
            v = real_vectors[rng.integers(len(real_vectors))] + rng.normal(0, 0.018, real_vectors.shape[1]).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out
    return stand_in


def phase_fill(a) -> dict:
    import shutil

    import numpy as np

    import casekit

    work = Path(a.work)
    real = casekit.Index.open(work / "index-real")
    vectors = np.asarray(real.vectors)
    big = work / "index-big"
    if not big.exists():
        shutil.copytree(work / "index-real", big)
    rows = []
    done = a.real
    for upto in sorted({min(a.tickets, x) for x in (5_000, 20_000, 50_000, a.tickets)}):
        if upto <= done:
            continue
        ex = exports_for(work, done, upto - done)
        imp = import_exports(ex, work / "cases-fill")
        t = time.perf_counter()
        st = casekit.build_index([work / "cases-real", work / "cases-fill"], big, progress=False, stand_in=_borrowed(vectors))
        wall = time.perf_counter() - t
        rows.append({"tickets": upto, "chunks": st.chunks, "embedded (borrowed)": st.embedded, "build_s_without_encoding": round(wall - st.encode_seconds, 1),
                     "import_s": round(imp, 1), "peak_mb": round(peak_mb()), "store_mb": round(du_mb(big), 1)})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        done = upto
    return {"steps": rows}


def phase_day(a) -> dict:
    import casekit

    work = Path(a.work)
    ex = exports_for(work, a.tickets, a.day)
    imp = import_exports(ex, work / "cases-day")
    t = time.perf_counter()
    st = casekit.build_index([work / "cases-real", work / "cases-fill", work / "cases-day"], work / "index-big", progress=False)
    wall = time.perf_counter() - t
    return {"tickets_added": a.day, "chunks": st.chunks, "embedded": st.embedded, "wall_s": round(wall, 1),
            "encode_s": round(st.encode_seconds, 1), "without_encoding_s": round(wall - st.encode_seconds, 1),
            "import_s": round(imp, 1), "peak_mb": round(peak_mb())}


def _queries(work: Path, n: int) -> list[str]:
    """The labelled retrieval queries, then titles of tickets that are in no index (new cases)."""
    qs = []
    for p in sorted((ROOT / "eval" / "retrieval").glob("*.jsonl")):
        qs += [json.loads(line)["query"] for line in p.read_text().splitlines() if line.strip()]
    for p in exports_for(work, 5_000_000, 300):
        qs += [json.loads(line)["fields"]["summary"] for line in p.read_text().splitlines()]
    return qs[:n]


def _timed(fn, items) -> tuple[list, float, float]:
    times, out = [], []
    for it in items:
        t = time.perf_counter()
        out.append(fn(it))
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return out, round(times[len(times) // 2], 2), round(times[min(len(times) - 1, int(len(times) * 0.95))], 2)


def phase_search(a) -> dict:
    import faiss
    import numpy as np

    import casekit

    work = Path(a.work)
    index = casekit.Index.open(work / "index-big")
    index.chunks[0]  # maps chunks.jsonl now: the day phase may replace the generation meanwhile
    queries = _queries(work, a.queries)
    qv = casekit.embed(queries)
    vectors = np.ascontiguousarray(index.vectors, dtype=np.float32)
    real = np.vstack([np.asarray(casekit.Index.open(d).vectors, dtype=np.float32)
                      for d in [work / "index-real", *map(Path, a.real_vectors)]])
    out: dict = {"queries": len(queries), "store_chunks": len(vectors), "store_index": index.manifest.get("faiss"),
                 "real_vectors": len(real)}
    for n in sorted({int(x) for x in a.sizes.split(",")}):
        x = _replicated(real, n)
        flat = faiss.IndexFlatIP(x.shape[1])
        flat.add(x)
        truth, p50, p95 = _timed(lambda q: flat.search(q[None], 10)[1][0], qv)
        rows = [{"index": "flat (exact)", "recall@10": 1.0, "p50_ms": p50, "p95_ms": p95}]

        def sweep(ix, name, param, values, build_s):
            for v in values:
                faiss.ParameterSpace().set_index_parameter(ix, param, v)
                got, p50, p95 = _timed(lambda q: ix.search(q[None], 10)[1][0], qv)
                rec = sum(len(set(g) & set(t)) for g, t in zip(got, truth)) / (10 * len(qv))
                rows.append({"index": name, param: v, "build_s": build_s, "recall@10": round(rec, 4), "p50_ms": p50, "p95_ms": p95})
                print(json.dumps({"n": n, **rows[-1]}), file=sys.stderr, flush=True)

        nlist = int(2 ** round(np.log2(4 * np.sqrt(n))))  # casekit's rule (retrieval/dense.py)
        t = time.perf_counter()
        q = faiss.IndexFlatIP(x.shape[1])
        ivf = faiss.IndexIVFFlat(q, x.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.train(x[np.random.default_rng(0).choice(n, min(n, 32 * nlist), replace=False)])
        ivf.add(x)
        sweep(ivf, f"IVF{nlist},Flat", "nprobe", (16, 32, 48, 64), round(time.perf_counter() - t, 1))
        if n <= a.hnsw_max:
            t = time.perf_counter()
            hnsw = faiss.IndexHNSWFlat(x.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = 40
            hnsw.add(x)
            sweep(hnsw, "HNSW32,Flat", "efSearch", (32, 64, 128), round(time.perf_counter() - t, 1))
        out[f"dense at {n} chunks"] = rows
    # casekit's own index as built (the store's FAISS index) and the whole hybrid search
    got, p50, p95 = _timed(lambda q: index.rank_dense(q, 10)[0], qv)
    truth = [set(t) for t in faiss_truth(vectors, qv)]
    rec = sum(len(set(g.tolist()) & t) for g, t in zip(got, truth)) / (10 * len(qv))
    out["casekit dense"] = {"recall@10": round(rec, 4), "p50_ms": p50, "p95_ms": p95}
    _, p50, p95 = _timed(lambda i: index.search(queries[i], k=5, qvec=qv[i]), range(len(queries)))
    out["casekit hybrid search (query vector given)"] = {"p50_ms": p50, "p95_ms": p95}
    _, p50, p95 = _timed(lambda i: index.lanes(queries[i], k=3, qvec=qv[i]), range(len(queries)))
    out["casekit lanes (query vector given)"] = {"p50_ms": p50, "p95_ms": p95}
    return out


def _replicated(real, n: int):
    """`n` vectors made from real ones: the real vectors, then mixtures of two of them (a
    ticket is pieces of several texts) with a little noise. Copies of a few real vectors
    would make tight clusters of near-twins, where recall@10 measures noise, not the index."""
    import numpy as np

    rng = np.random.default_rng(0)
    m = n - len(real)
    w = rng.uniform(0.5, 1.0, (m, 1)).astype(np.float32)
    mix = w * real[rng.integers(len(real), size=m)] + (1 - w) * real[rng.integers(len(real), size=m)]
    mix += rng.normal(0, 0.01, mix.shape).astype(np.float32)
    mix /= np.linalg.norm(mix, axis=1, keepdims=True)
    return np.ascontiguousarray(np.vstack([real, mix]), dtype=np.float32)


def faiss_truth(vectors, qv):
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    return flat.search(qv, 10)[1]


def phase_cold(a) -> dict:
    cli = str(Path(sys.executable).with_name("casekit"))
    idx = str(Path(a.work) / "index-big")
    runs = []
    for q in ("CannotPullContainerError i/o timeout after subnet change", "ALB answers 504 when the backend is slow",
              "任務無法拉取映像檔 i/o timeout", "nf_conntrack: table full, dropping packet", "ThrottlingException Rate exceeded"):
        t = time.perf_counter()
        subprocess.run([cli, "search", q, "--index-dir", idx], check=True, capture_output=True)
        runs.append(time.perf_counter() - t)
    return {"cold_search_s": [round(r, 2) for r in runs], "median_s": round(statistics.median(runs), 2)}


def phase_draft(a) -> dict:
    import casekit

    drafter = casekit.Drafter(Path(a.work) / "index-big")
    cases = [c for p in sorted((ROOT / "examples" / "inbox").glob("NEW-00*.md"))[:8] for c in casekit.load_cases(p)]
    drafter.draft(cases[0])  # warm
    _, p50, p95 = _timed(lambda c: drafter.draft(c), cases)
    return {"cases": len(cases), "draft_p50_ms": p50, "draft_max_ms": p95}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--real", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--real-vectors", nargs="*", default=[], help="more indexes of real text whose vectors the search phase mixes")
    ap.add_argument("--sizes", default="100000,500000", help="vector counts the search phase measures at")
    ap.add_argument("--day", type=int, default=1000, help="tickets added by the day phase")
    ap.add_argument("--hnsw-max", type=int, default=100_000, help="build HNSW for the choice up to this many vectors")
    ap.add_argument("--phase", choices=PHASES)
    ap.add_argument("--phases", default=",".join(PHASES))
    a = ap.parse_args()
    Path(a.work).mkdir(parents=True, exist_ok=True)
    if a.phase:
        t = time.perf_counter()
        res = {"real": phase_real, "ray": phase_real, "fill": phase_fill, "day": phase_day, "search": phase_search,
               "cold": phase_cold, "draft": phase_draft}[a.phase](a)
        print(json.dumps({"phase": a.phase, "seconds": round(time.perf_counter() - t, 1), "peak_mb": round(peak_mb()), **res}))
        return
    for ph in a.phases.split(","):
        r = subprocess.run([sys.executable, __file__, "--work", a.work, "--tickets", str(a.tickets), "--real", str(a.real),
                            "--queries", str(a.queries), "--hnsw-max", str(a.hnsw_max), "--day", str(a.day), "--sizes", a.sizes, "--phase", ph], capture_output=True, text=True)
        sys.stderr.write(r.stderr[-4000:] if r.returncode else "")
        print(r.stdout.strip() or json.dumps({"phase": ph, "failed": r.returncode}), flush=True)


if __name__ == "__main__":
    main()
