"""The draft context: everything a draft knows of its case before any past case is read,
decided once and passed down. The language is decided here, so no stage re-detects it or
falls back to English; the layers each evidence line points at are assigned here, in one
batch (casekit.rules.layers)."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from ..case import Case
from ..i18n import Catalogue, catalogue
from ..rules.layers import line_layers, text_for
from .lines import extract, from_log
from .model import Evidence
from .said import deadline, reported, reported_start
from .signs import HEAD_LINES, MAX_LINES, TAIL_LINES, Sign, extract as extract_signs
from .timeline import Timeline, timeline

_ID_GLUED = re.compile(r"(?<![A-Za-z0-9_-])[a-z]+-[0-9a-f]{8,17}(?![A-Za-z0-9_])")


@dataclass(frozen=True)
class Context:
    """One case as the draft reads it."""

    case: Case
    t: Catalogue  # the case's language: every sentence casekit writes for it comes from here
    signs: tuple[Sign, ...]
    observed: tuple[Evidence, ...]  # what the data shows: Objective lines, logged observations, computed facts
    said: tuple[Evidence, ...]  # what the customer says: Subjective sentences, reported log entries
    timeline: Timeline
    identifiers: dict  # this case's own identifiers, by kind (Case.identifiers)
    start_phrase: str | None  # the start time as the customer wrote it
    start_utc: str | None
    deadline: str | None  # the customer's own constraint, as written

    @property
    def language(self) -> str:
        return self.t.language

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return self.observed + self.said


def year_of(case: Case) -> int | None:
    try:
        return int(case.opened_utc[:4]) if case.opened else None
    except (TypeError, ValueError):
        return None


def with_layers(evidence: list[Evidence]) -> list[Evidence]:
    """The evidence with the layers each line points at (one batch through the layer model)."""
    if not evidence:
        return []
    texts = [text_for(e.context if e.origin != "reported" else "", e.text, e.detail) for e in evidence]
    return [dataclasses.replace(e, layer_weights=tuple(sorted(w.items()))) for e, w in zip(evidence, line_layers(texts))]


def read(case: Case, total_lines: int = 0) -> Context:
    """Read a (redacted) case: its signs, its evidence, what the customer says, the timeline.
    `total_lines` is the length of an Objective that was cut to its head and tail."""
    t = catalogue(case.language)
    year = year_of(case)
    signs = extract_signs(case.objective, tz=case.timezone, year=year, language=t.language)
    if total_lines > MAX_LINES:
        signs.append(Sign(f"only the first {HEAD_LINES} and last {TAIL_LINES} of {total_lines} lines were read",
                          "warning", None))
    start_phrase, start_utc = reported_start(case.symptoms, case.opened, case.timezone)
    affected = set(case.resources) | {s.text for s in signs if s.kind == "resource"}
    # ASCII boundaries: an id glued to Chinese text ('實例i-0abc…無法') is still an id
    affected |= set(_ID_GLUED.findall(f"{case.title} {case.symptoms}"))
    observed = extract(case.objective, tz=case.timezone, year=year, affected=affected, language=t.language,
                       opened_utc=case.opened_utc if case.opened else None)
    said = reported(case.symptoms)
    logged, told = from_log(case.log)
    observed, said = with_layers(observed + logged), with_layers(said + told)
    return Context(case=case, t=t, signs=tuple(signs), observed=tuple(observed), said=tuple(said),
                   timeline=timeline(observed, start_utc), identifiers=case.identifiers(), start_phrase=start_phrase,
                   start_utc=start_utc, deadline=deadline(case.symptoms))
