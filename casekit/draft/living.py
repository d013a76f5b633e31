"""What changed since the previous draft of a case: the `changes` block of the draft JSON.

A case is a living record: the engineer logs what was seen, done and answered, and drafts
again. `changes(previous, current)` compares two drafts (their JSON objects) of one case:
hypotheses that the case's evidence now confirms, that rose or fell in the ranking (by rank,
then by likelihood as shown), that were ruled out (now contradicted), are new or are no longer
listed; the questions answered in the log since; how many log entries were added.

A hypothesis is known by its layer and side (`network/customer`): the differential has at
most one hypothesis per layer and side, and its wording changes with the evidence while
these do not.

The determinism rule (SPEC: the same case, index, model and seed give the same JSON):
the block compares this draft with the *baseline*, the last draft of an earlier version of
the case (another `case_sha256`).

- No previous draft (or an unreadable one, or one of another case): no baseline, `null`.
- The previous draft was made from another version of the case: it is the baseline.
- The previous draft was made from this very case (a rerun, or a new index or model): its
  own baseline is kept. So drafting an unchanged case again never turns "what the last
  answer changed" into "nothing changed", and a rerun writes byte-identical JSON.

The baseline is stored in the block (`since`, `baseline`), so the rule needs nothing but
the previous draft's JSON. `Drafter.draft(case, previous=...)` fills the block once, when the
draft is made; writing a draft only writes it. The files read here are a previous draft
(`read_draft`, `previous_draft`) and, for `casekit log --answer`, the question the newest
draft asked (`draft_next_question`).
"""
from __future__ import annotations

import json
import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from ..case import load_cases
from ..errors import InputError

KINDS = ("confirmed", "rose", "fell", "ruled_out", "new", "gone")  # each hypothesis in at most one


def hypothesis_key(h: dict) -> str:
    """The identity of a hypothesis across drafts: its layer and side."""
    return f"{h.get('layer')}/{h.get('side')}"


def _answered(log: list[dict]) -> list[dict]:
    return [{"question": e["answers"], "answer": e["text"], "at": e["at"], "kind": e["kind"]}
            for e in log if e.get("answers")]


def snapshot(draft: dict) -> dict:
    """What a later draft is compared with: the ranking, the log's size and its answers."""
    hyps = (draft.get("assessment") or {}).get("hypotheses") or []
    log = (draft.get("case") or {}).get("log") or []
    return {
        "hypotheses": [{"hypothesis": hypothesis_key(h), "rank": n, "likelihood": h.get("likelihood"),
                        "status": h.get("status")} for n, h in enumerate(hyps, 1)],
        "log_entries": len(log),
        "answered": _answered(log),
    }


def _case_sha(draft: dict | None) -> str | None:
    return ((draft or {}).get("provenance") or {}).get("case_sha256")


def baseline(previous: dict | None, current: dict) -> tuple[str, dict] | None:
    """(case sha256, snapshot) of the draft the current one is compared with, or None."""
    if not isinstance(previous, dict) or previous.get("case_id") != current.get("case_id"):
        return None
    sha = _case_sha(previous)
    if not sha:
        return None
    if sha != _case_sha(current):
        return sha, snapshot(previous)
    kept = previous.get("changes")
    if isinstance(kept, dict) and isinstance(kept.get("baseline"), dict) and kept.get("since"):
        return kept["since"], kept["baseline"]
    return None


def _state(row: dict | None) -> dict | None:
    return None if row is None else {"rank": row["rank"], "likelihood": row["likelihood"], "status": row["status"]}


def shown(likelihood: float | None) -> str:
    """A likelihood as documents show it: two decimals, halves rounded up (the JSON holds three,
    so 0.475 reads 0.48, as the unrounded 0.4752 does)."""
    return str(Decimal(str(likelihood or 0)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _moved(before: dict, after: dict) -> int:
    """-1 rose, 1 fell, 0 unchanged: by rank, then by likelihood as shown."""
    if after["rank"] != before["rank"]:
        return -1 if after["rank"] < before["rank"] else 1
    a, b = Decimal(shown(after["likelihood"])), Decimal(shown(before["likelihood"]))
    return 0 if a == b else (-1 if a > b else 1)


def changes(previous: dict | None, current: dict) -> dict | None:
    """The `changes` block of `current` (a draft's JSON object) given the `previous` draft
    of the same case (or None): see the module docstring for the rule."""
    base = baseline(previous, current)
    if base is None:
        return None
    since, then = base
    now = snapshot(current)
    before = {r["hypothesis"]: r for r in then.get("hypotheses") or []}
    after = {r["hypothesis"]: r for r in now["hypotheses"]}
    out: dict[str, Any] = {"since": since, "baseline": then}
    lists: dict[str, list] = {k: [] for k in KINDS}
    for key, row in after.items():  # in the current ranking's order
        was = before.get(key)
        item = {"hypothesis": key, "before": _state(was), "after": _state(row)}
        if was is None:
            lists["new"].append(item)
        elif row["status"] == "contradicted" and was["status"] != "contradicted":
            lists["ruled_out"].append(item)
        elif row["status"] == "confirmed" and was["status"] != "confirmed":
            lists["confirmed"].append(item)
        elif (m := _moved(was, row)) < 0:
            lists["rose"].append(item)
        elif m > 0:
            lists["fell"].append(item)
    for key, was in before.items():
        if key not in after:
            lists["gone"].append({"hypothesis": key, "before": _state(was), "after": None})
    seen = {(a["question"], a["answer"], a["at"]) for a in then.get("answered") or []}
    out["answered"] = [a for a in now["answered"] if (a["question"], a["answer"], a["at"]) not in seen]
    out["new_log_entries"] = max(0, now["log_entries"] - int(then.get("log_entries") or 0))
    out.update(lists)
    return out


def nothing_changed(block: dict) -> bool:
    """No new log entry, no answer, no hypothesis moved."""
    return not (block["new_log_entries"] or block["answered"] or any(block[k] for k in KINDS))


def read_draft(path: str | Path) -> dict | None:
    """The draft JSON at `path`, or None when there is none or it cannot be read (a draft
    that cannot be compared with is not an error: the new draft simply has no baseline)."""
    try:
        obj = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None


def previous_draft(out_dir: str | Path | None, case_id: str) -> dict | None:
    """The previous draft of a case in an output folder (`<out_dir>/<id>.json`), if any."""
    return read_draft(Path(out_dir) / f"{case_id}.json") if out_dir else None


def draft_next_question(case_path: str | Path, out_dir: str | Path = "out") -> str:
    """The `next_question.text` of the newest draft of a case: `<out_dir>/<id>.json` or
    `<id>.json` beside the case file. Raises InputError (naming the case) when none has one."""
    case_path = Path(case_path)
    cases = load_cases(case_path)
    if len(cases) != 1:
        raise InputError(case_path, f"holds {len(cases)} cases; 'casekit log' needs a file with one case")
    cid = cases[0].id
    found: list[tuple[float, str]] = []
    seen: set[str] = set()
    for folder in (Path(out_dir), case_path.parent):
        draft = folder / f"{cid}.json"
        real = os.path.realpath(draft)
        if real in seen or real == os.path.realpath(case_path):
            continue
        seen.add(real)
        try:
            obj = json.loads(draft.read_text(encoding="utf-8"))
            question = (obj.get("next_question") or {}).get("text")
            if obj.get("case_id", cid) != cid or not isinstance(question, str) or not question.strip():
                continue
            found.append((draft.stat().st_mtime, question))
        except (OSError, ValueError, AttributeError):
            continue
    if not found:
        raise InputError(case_path, f"no draft with a next question for {cid} in {out_dir} (or beside the case); "
                         f"run 'casekit draft {case_path} --out {out_dir}' first")
    return max(found)[1]
