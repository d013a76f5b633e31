"""Findings: the sentence of each retrieved past case or document that best matches this
case's signs and symptoms, quoted verbatim (supported by construction)."""
from __future__ import annotations

import math
import re

from ..evidence.context import Context
from ..evidence.signs import Sign, sign_in
from ..text.lang import han_count
from ..text.tokens import tokenize
from .model import Source

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"(])|(?<=[。！？；])\s*")


def sentences(text: str) -> list[str]:
    """Whole sentences of a source: section labels ('Assessment:', '評估：') are not sentences,
    and a piece cut off by chunking (no closing punctuation) is not quoted. A Han character
    counts twice toward the length bounds."""
    flat = " ".join(x.strip() for x in text.split("\n") if x.strip() and not x.strip().startswith("```")
                    and not re.fullmatch(r"[A-Z][\w ]{0,30}:|[^\x00-\x7f]{1,12}[:：]", x.strip()))
    pieces = [re.sub(r"\s+\d+[.)]$", "", s.strip()) for s in _SENT.split(flat)]  # a list's next number
    return [s for s in pieces if 25 <= len(s) + han_count(s) <= 320 and re.search(r"[.!?)\"'`。！？；」』）]$", s)]


def findings(ctx: Context, sources: list[Source], sign_ids: dict[Sign, str], limit: int = 4) -> list[dict]:
    """Quotes: the sentence of each top source that best matches the case's signs and symptoms.

    A finding's text is a verbatim sentence of its cited source, so it is supported by
    construction; its sign link is cited too.
    """
    case, signs = ctx.case, ctx.signs
    query = set(tokenize(" ".join([case.title, case.symptoms[:600]] + [s.text for s in signs])))
    out = []
    for src in sources:
        if src.kind == "sign" or len(out) >= limit:
            continue
        best, best_score = None, 0.0
        for sent in sentences(src.text):
            toks = set(tokenize(sent))
            if not toks:
                continue
            score = len(toks & query) / math.sqrt(len(toks))
            if score > best_score:
                best, best_score = sent, score
        if best is None or best_score < 0.9:
            continue
        linked = [sign_ids[s] for s in signs if s in sign_ids and sign_in(s, best)][:2]
        out.append({"text": ctx.t("f.quote", ref=src.ref, kind=src.kind, quote=best), "citations": [src.id, *linked],
                    "quote": best})
    return out
