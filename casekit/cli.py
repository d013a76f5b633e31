"""The `casekit` command: a thin face over the library. Every error is one line, exit 2."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import paths
from .errors import CaseKitError, InputError
from .version import __version__

DEFAULT_INDEX = paths.DEFAULT_INDEX_DIR


def index_dir(args) -> Path:
    return paths.index_dir(args.index_dir)


def _whole(minimum: int):
    """An option that takes a whole number of at least `minimum` (-k, --workers: 1; --seed: 0)."""
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, not {n}")
        return n
    return parse


_count, _seed = _whole(1), _whole(0)


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error (the usage is one --help away)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")


def _err(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ commands


def cmd_validate(args) -> int:
    from .case import parse_path

    bad = 0
    for p in args.cases:
        cases, problems = parse_path(p)
        for e in problems:
            _err(str(e))
        bad += bool(problems)
        if not args.quiet:
            for c in cases:
                print(f"{p}: ok {c.id}" + (f" (opened {c.opened_utc})" if c.opened else ""))
    return 2 if bad else 0


def cmd_log(args) -> int:
    from .case import append_log, check_log_args
    from .draft import draft_next_question

    kind = args.kind or ("reported" if args.answer else "observed")
    check_log_args(args.case, args.text, kind)
    answer = draft_next_question(args.case, args.out) if args.answer else None
    entry = append_log(args.case, args.text, kind, at=args.at, answer=answer)
    print(f"{args.case}:{entry.line}: {entry.to_line()}" if entry.line else f"{args.case}: {entry.to_line()}")
    return 0


def cmd_doctor(args) -> int:
    from .doctor import report

    lines, ok = report(index_dir(args), model=args.model)
    if args.json:
        print(json.dumps(lines, indent=2))
    else:
        for k, v in lines.items():
            print(f"{k:<22} {v}")
    if not ok:
        _err("casekit: doctor found problems (see above); " + "; ".join(v for k, v in lines.items() if k.startswith("problem")))
    return 0 if ok else 2


def cmd_index(args) -> int:
    from .retrieval.build import build_index

    roots = paths.corpus_paths(args.paths)
    stats = build_index(roots, index_dir(args), progress=not args.quiet, on_error=_err, engine=args.engine,
                        address=args.address, workers=args.workers)
    print(stats.summary())
    return 2 if stats.errors else 0


def cmd_search(args) -> int:
    from .retrieval.index import LANE_NAMES, Index

    index = Index.open(index_dir(args))
    if args.flat or args.kind:
        lanes = {"": index.search(args.query, k=args.k or 5, kind=args.kind, service=args.service)}
    else:
        lanes = index.lanes(args.query, k=args.k or 3, service=args.service)
    if args.json:  # one list, best first; each hit says its lane
        hits = sorted((h for hs in lanes.values() for h in hs), key=lambda h: (-h.score, h.chunk.id))
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return 0
    if not any(lanes.values()):
        print("no results")
    for lane, hits in lanes.items():
        if lane and hits:
            print(f"== {LANE_NAMES[lane]}")
        for n, h in enumerate(hits, 1):
            print(f"{n:>2}. [{h.chunk.kind}] {h.chunk.ref}  (score {h.score:.3f})")
            print(f"    {' '.join(h.chunk.text.split())[:200]}")
    return 0


def cmd_draft(args) -> int:
    from .case import parse_path
    from .documents import write_draft
    from .draft import Drafter, previous_draft

    out = paths.output_dir(args.out) if args.out else None
    drafter = Drafter(index_dir(args), model=args.model, seed=args.seed)
    status = 0
    for p in args.cases:
        cases, problems = parse_path(p)
        for e in problems:
            _err(str(e))
            status = 2
        for case in cases:
            draft = drafter.draft(case, previous=previous_draft(out if args.out else None, case.id))
            if args.out:
                written = write_draft(draft, out)
                if not args.json:
                    print("wrote " + ", ".join(str(w) for w in written))
            if args.json:
                print(json.dumps(draft.to_dict(), ensure_ascii=False, sort_keys=False))
            elif not args.out:
                from .documents.render import render_assessment

                print(render_assessment(draft))
    return status


def cmd_batch(args) -> int:
    import time

    from .batch import run_batch

    bar, t0 = None, time.perf_counter()

    def progress(done: int, total: int, result) -> None:
        nonlocal bar, t0
        if args.quiet:
            return
        if bar is None:
            from tqdm.auto import tqdm

            bar, t0 = tqdm(total=total, unit="case", desc="drafting"), time.perf_counter()
        if result is not None:
            bar.set_postfix_str(f"{done / max(1e-9, time.perf_counter() - t0) * 60:.1f} cases/min")
            bar.update(1)

    try:
        report = run_batch(args.inputs, args.out, workers=args.workers, engine=args.engine, index_dir=index_dir(args),
                           model=args.model, address=args.address, on_error=_err, on_progress=progress)
    finally:
        if bar is not None:
            bar.close()
    print(report.table())
    return 1 if report.counts["failed"] else 0


def cmd_import(args) -> int:
    from .retrieval.ingest.importer import import_file, parse_set

    written, problems = import_file(Path(args.file), Path(args.out), fmt=args.format, mapping=args.map,
                                    defaults=parse_set(args.set), timezone=args.timezone)
    for e in problems:
        _err(str(e))
    print(f"imported {written} cases into {args.out}" + (f", {len(problems)} skipped" if problems else ""))
    return 2 if problems else 0


def cmd_eval(args) -> int:
    from .evaluate import run_retrieval_eval

    out = paths.output_file(args.json, "--json") if args.json else None
    if args.what == "drafts":
        from .draft import Drafter
        from .evaluate import evaluate_drafts, labelled_cases

        root = paths.eval_root(args.root)
        labels = labelled_cases(root, args.split)
        if not labels:
            raise InputError(root / "eval" / "cases", f"no labelled cases in split {args.split!r}")
        report = evaluate_drafts(Drafter(index_dir(args), model=args.model), labels, args.split)
        print(report.table())
        if out:
            out.write_text(json.dumps(report.to_dict(), indent=2) + "\n")
        return 0
    report = run_retrieval_eval(index_dir(args), paths.eval_queries(args.queries), k=args.k)
    print(report.table())
    if out:
        out.write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    return 0


# ------------------------------------------------------------------ parser

EPILOG_MAIN = """\
examples:
  casekit validate examples/inbox/*.md
  casekit index corpus ../shared/data/rfc
  casekit search "load balancer returns 504 when the backend is slow" -k 5
  casekit draft examples/inbox/NEW-0001.md --out out/
  casekit batch examples/inbox --out out/ --workers 1
  casekit doctor
"""


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="casekit",
        description="Local, offline case reasoning for support engineers: structure a case (SOAP), "
        "find similar past cases and the authoritative documents, draft an assessment that cites its sources.",
        epilog=EPILOG_MAIN, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"casekit {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name, func, help, epilog=""):
        sp = sub.add_parser(name, help=help, description=help, epilog=epilog,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        sp.set_defaults(func=func)
        return sp

    def with_index(sp):
        sp.add_argument("--index-dir", metavar="DIR", help=f"index folder (default: $CASEKIT_INDEX_DIR or {DEFAULT_INDEX})")

    def with_model(sp):
        sp.add_argument("--model", metavar="GGUF", help="GGUF path, a file in models/, or smollm2 | gemma3-270m "
                        "(default: $CASEKIT_MODEL, else the bundled SmolLM2-135M)")

    sp = add("validate", cmd_validate, "Check case files; one line per problem, exit 2 if any is invalid.",
             "examples:\n  casekit validate case.md\n  casekit validate cases/*.md history.jsonl")
    sp.add_argument("cases", nargs="+", metavar="CASE")
    sp.add_argument("-q", "--quiet", action="store_true", help="print problems only")

    sp = add("log", cmd_log, "Append a timestamped entry to a case's log; every other byte of the file stays as it was.",
             "The entry goes after the last line of the case's '## Log' section (a '## Log' section is added\n"
             "at the end when there is none; for JSON, into the 'log' list). JSONL files are not supported.\n"
             "Kinds: reported, observed, action, result, agreement, handover. --at defaults to now in the\n"
             "case's timezone (from 'opened'). --answer links the entry to the next question of the case's\n"
             "latest draft (<DIR>/<id>.json or <id>.json beside the case). Prints the line written.\n"
             "Start TEXT with '--' when it begins with a dash.\n\n"
             "examples:\n"
             '  casekit log case.md "security group sg-0abc allows 443 from 0.0.0.0/0"\n'
             '  casekit log case.md "added 0.0.0.0/0 route to the NAT gateway" --kind action\n'
             '  casekit log case.md "tasks start, images pull" --kind result --at "2026-03-02 14:40 +08:00"\n'
             '  casekit log case.md "yes, the route table was changed on Friday" --answer --out out/')
    sp.add_argument("case", metavar="CASE", help="a case file (.md or .json)")
    sp.add_argument("text", metavar="TEXT", help="the entry, one line (newlines are folded into spaces)")
    sp.add_argument("--kind", metavar="KIND", help="reported|observed|action|result|agreement|handover "
                    "(default: observed; with --answer: reported)")
    sp.add_argument("--at", metavar="TIME", help="when, with a timezone: '2026-03-02 14:40 +08:00' or "
                    "'2026-03-02T14:40 Asia/Taipei' (default: now, in the case's timezone)")
    sp.add_argument("--answer", action="store_true", help="the entry answers the draft's next question (linked as '(answers: ...)')")
    sp.add_argument("--out", metavar="DIR", default="out", help="where the drafts are, for --answer (default: out)")

    sp = add("doctor", cmd_doctor, "Show versions, model paths and hashes, threads and offline state; exit 0 when all is usable.",
             "example:\n  casekit doctor --model models/qwen2.5-1.5b-instruct-q4_k_m.gguf")
    with_index(sp)
    with_model(sp)
    sp.add_argument("--json", action="store_true", help="print a JSON object")

    sp = add("index", cmd_index, "Build or incrementally update the index from corpus folders and files.",
             "PATH may be a corpus folder (with cases/ and docs/), a folder of case files or documents,\n"
             "a case file (.md with front matter, .json, .jsonl), a Markdown document or an RFC .txt.\n"
             "Only what changed is re-embedded. --engine ray spreads the encoding over a Ray cluster\n"
             "(default: a private local instance) and writes the same index.\n\nexamples:\n  casekit index\n"
             "  casekit index corpus ../shared/data/rfc\n  casekit index my-history/ --index-dir ~/.casekit/team\n"
             "  casekit index history/ --engine ray --address ray://head:10001 --index-dir /shared/index")
    sp.add_argument("paths", nargs="*", metavar="PATH", help="default: ./corpus")
    sp.add_argument("--engine", choices=["local", "ray"], default="local", help="where the encoding runs (default local)")
    sp.add_argument("--address", help="Ray cluster address (with --engine ray; default: a local instance)")
    sp.add_argument("--workers", type=_count, default=None, help="encoding actors with --engine ray (default: the cluster's CPUs)")
    with_index(sp)
    sp.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    sp = add("search", cmd_search, "Hybrid (dense + BM25) search over the index, in lanes: past cases, "
             "documents, specifications.",
             'Results come in lanes (the best 3 past cases, 3 documents, 3 RFC sections), so a\n'
             'specification section is never crowded out by similar cases. English and Chinese\n'
             'find each other (Traditional and Simplified too).\n\n'
             'examples:\n  casekit search "CannotPullContainerError i/o timeout"\n'
             '  casekit search "ALB 504 when the backend is slow" -k 5      # 5 per lane\n'
             '  casekit search "任務無法拉取映像檔 i/o timeout"\n'
             '  casekit search "what does 504 mean" --kind doc -k 3 --json\n'
             '  casekit search "conntrack table full" --flat               # one fused list')
    sp.add_argument("query")
    sp.add_argument("-k", type=_count, default=None, help="results per lane (default 3), or in all with --flat/--kind (default 5)")
    sp.add_argument("--kind", choices=["case", "doc"], help="one list of only past cases or only documents")
    sp.add_argument("--flat", action="store_true", help="one fused list instead of lanes")
    sp.add_argument("--service", help="only chunks of this service (e.g. ecs)")
    sp.add_argument("--json", action="store_true", help="print a JSON list, best first (each hit has its lane)")
    with_index(sp)

    sp = add("draft", cmd_draft, "Draft a cited differential assessment, plan and documents for cases.",
             "examples:\n  casekit draft examples/inbox/NEW-0001.md\n  casekit draft case.md --json\n"
             "  casekit draft case.md --out out/        # writes out/<id>.json and out/<id>.md\n"
             "  casekit draft case.md --model gemma3-270m")
    sp.add_argument("cases", nargs="+", metavar="CASE")
    sp.add_argument("--out", metavar="DIR", help="write <id>.json and <id>.md into DIR")
    sp.add_argument("--json", action="store_true", help="print the draft JSON (JSON Lines for several cases)")
    sp.add_argument("--seed", type=_seed, default=0, help="sampling seed (default 0; decoding is greedy)")
    with_model(sp)
    with_index(sp)

    sp = add("batch", cmd_batch, "Resumable batch drafting of files, folders or JSONL; summary.jsonl in DIR.",
             "Rerunning skips cases whose outputs are complete and current; killing a run loses nothing.\n"
             "Exit status: 0 all drafted, 1 some cases failed, 2 usage error.\n\n"
             "examples:\n  casekit batch examples/inbox --out out/\n  casekit batch backlog.jsonl --out out/ --workers 2\n"
             "  casekit batch inbox/ --out out/ --engine ray --address ray://head:10001")
    sp.add_argument("inputs", nargs="+", metavar="INPUT")
    sp.add_argument("--out", required=True, metavar="DIR")
    sp.add_argument("--workers", type=_count, default=1, help="worker processes (default 1; see README figures)")
    sp.add_argument("--engine", choices=["local", "ray"], default="local")
    sp.add_argument("--address", help="Ray cluster address (with --engine ray; default: a local instance)")
    sp.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    with_model(sp)
    with_index(sp)

    sp = add("import", cmd_import, "Turn exported tickets or post-mortems (JSON, JSONL, CSV) into case files.",
             "--map takes field=path pairs; a path is dotted (a.b.0.c) and several paths joined by '+' are\n"
             "concatenated. Fields: id, title, opened, service, industry, severity, layer, side, root_cause,\n"
             "tags, resources, subjective, objective, assessment, plan, resolution. '*' as id path uses the\n"
             "key of an object-of-objects export.\n\n"
             "example (the public post-mortem dataset):\n"
             "  casekit import aws.json --format json --out corpus/imported --set side=provider \\\n"
             "    --map 'id=*,title=title,opened=time,service=service_name,subjective=summary+impact symptom,\\\n"
             "objective=details,root_cause=root cause.details,assessment=root cause.label,\\\n"
             "plan=mitigation.troubleshooting,resolution=mitigation.details+mitigation.label'")
    sp.add_argument("file")
    sp.add_argument("--format", choices=["json", "jsonl", "csv"], help="default: by file suffix")
    sp.add_argument("--map", default="", help="field=path,... (see above)")
    sp.add_argument("--set", action="append", metavar="FIELD=VALUE", help="a fixed value for every case, e.g. industry=saas")
    sp.add_argument("--timezone", default="UTC", help="timezone of dates written without one (default UTC)")
    sp.add_argument("--out", required=True, metavar="DIR")

    sp = add("eval", cmd_eval, "Measure retrieval (Recall@1/@5, MRR, nDCG@10 for dense, BM25 and hybrid) or drafts "
             "(top layer, decisive evidence, foreign identifiers) on labelled data.",
             "examples:\n  casekit index corpus ../shared/data/rfc && casekit eval retrieval\n"
             "  casekit eval retrieval --queries eval/retrieval/heldout\n"
             "  casekit eval drafts --split heldout     # eval/cases/heldout: never used for tuning\n"
             "  casekit eval drafts --split blind1,textbook --json > figures.json")
    sp.add_argument("what", choices=["retrieval", "drafts"])
    sp.add_argument("--split", default="heldout", metavar="NAME[,NAME...]",
                    help="drafts: which labelled cases: tune, heldout, a folder of eval/cases (blind1, threads-a, ...), "
                         "several joined by ',', or all (default heldout)")
    sp.add_argument("--root", help="drafts: the checkout holding examples/ and eval/cases/ (default: .)")
    with_model(sp)
    sp.add_argument("--queries", help=f"JSONL file or folder of them (default: ./{paths.DEFAULT_EVAL_QUERIES})")
    sp.add_argument("-k", type=_count, default=10, help="results per query (default 10)")
    sp.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    with_index(sp)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except InputError as e:
        _err(str(e))
    except CaseKitError as e:
        _err(f"casekit: {e}")
    except KeyboardInterrupt:
        _err("casekit: interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # a folder that cannot be created, a file that cannot be written
        _err(f"casekit: {e.strerror or e}" + (f": {e.filename}" if e.filename else ""))
    return 2


if __name__ == "__main__":
    sys.exit(main())
