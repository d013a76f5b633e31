"""A record of the knowledge base: one named rule, as data.

A record says what a line means when it matches: its `kind` (a change, an absence, a
healthy statement, a layer's signature, a contradiction ...), the `layer` it points at (if
any), its English pattern and its Chinese words, the reason it gives (for a contradiction),
and example lines it must match and counter-example lines it must not (`tests/test_rules.py`
runs every record's examples). Records are YAML, in casekit/rules/data/ and in a team's own
folders (casekit.rules.load).

Fields::

    name: change.api-call          # unique; a team's record of the same name replaces casekit's
    kind: change                   # see KINDS
    layer: network                 # the layer it points at, when it does
    en: '\\b(?:deployed|rollout)\\b' # a regex, case-insensitive unless it starts with (?-i)
    words: [nxdomain, servfail]    # plain words (substrings of the lowercased, folded line)
    zh: ['部署', '上線']            # Chinese words or small regexes (Traditional; Simplified is folded)
    weight: 1.0                    # how strongly it points (signatures, contradictions)
    why: against.timeout           # a contradiction's reason: a catalogue key (casekit.i18n)
    applies: {layers: [...], not_layers: [...], sides: [...], lead: 'regex'}  # whom a contradiction rules out
    examples: ['a line it must match']
    counter: ['a line it must not match']
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from ..case.model import LAYERS
from ..text.lang import Rx, cue, normalize_text

KINDS = {
    # what a line of data is
    "meta": "a statement about what was or was not attached, not about the system: not evidence",
    "routine": "a routine line: context, not evidence",
    "healthy": "a measurement or component stated as normal: is-not evidence that weakens the layers it names",
    "works_elsewhere": "the same thing works for a peer (another zone, host, version): is-not evidence on scope",
    "absence": "something the system needs is missing: an empty result, no route, not found",
    "state_off": "a state that is off: inactive, failed, disabled, false, masked, not synchronized",
    "saturated": "a value at its limit: exhausted, 100 %, 0 left, full, maximum reached",
    "limit": "words that name a limit (a usage beside it can be compared with it)",
    "change": "a change made to the system: deploy, apply, config push, mutating API call, scaling",
    "not_change": "looks like a change but is not one: a query, a data statement, a notice",
    "scheduled": "a provider's scheduled or pending event: a notice, not a change and not a failure",
    "provider_event": "the provider confirms a failure on its side",
    "error": "words of a failure",
    "warning": "words of a warning",
    "config_key": "a key that names configuration",
    "timeout_key": "a key that names a timeout",
    "signature": "a precise signature of one layer (an error code, a metric, a component)",
    "contradiction": "a line that rules a kind of hypothesis out",
    "question": "a question that splits the hypotheses: whom 'yes' keeps, and lines that already answer it",
    # what the customer says (Subjective)
    "deadline": "the customer's own deadline",
    "reproduction": "a reproduction or how often it happens",
    "need": "what the customer needs",
    "baseline": "a normal or previous state to compare with",
    "timezone_words": "words that name a timezone",
    # the plan
    "restart": "a step that restarts something",
    "ip_change": "a step that changes an address",
    "mitigation": "a step that mitigates",
}


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    layer: str | None = None
    en: str = ""
    words: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()
    weight: float = 1.0
    why: str = ""
    applies: tuple[tuple[str, Any], ...] = ()
    examples: tuple[str, ...] = ()
    counter: tuple[str, ...] = ()
    source: str = "casekit"
    extra: tuple[tuple[str, Any], ...] = field(default=(), compare=False)

    @functools.cached_property
    def rx(self) -> Rx:
        english = self.en
        if english and not english.startswith(("(?i)", "(?-i)")):
            english = "(?i)" + english
        elif english.startswith("(?-i)"):
            english = english[5:]
        return cue(english, self.zh)

    @functools.cached_property
    def _words(self) -> tuple[str, ...]:
        return tuple(" ".join(normalize_text(w).lower().split()) for w in self.words)

    def search(self, text: str):
        """The first match in `text` (a `Found`, or a word's position as True), else None."""
        if self.en or self.zh:
            m = self.rx.search(text)
            if m:
                return m
        if self._words:
            low = " ".join(normalize_text(text).lower().split())
            if any(w in low for w in self._words):
                return True
        return None

    def count(self, folded: str) -> int:
        """How many of the record's words a folded text holds (one count per word; a pattern counts once)."""
        n = sum(1 for w in self._words if w in folded)
        if (self.en or self.zh) and self.rx.search(folded):
            n += 1
        return n

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.applies).get(key, dict(self.extra).get(key, default))


class RuleError(ValueError):
    """A record that cannot be used (the loader names its file)."""


_FIELDS = {"name", "kind", "layer", "en", "words", "zh", "weight", "why", "applies", "examples", "counter"}


def make(data: dict, source: str) -> Rule:
    """A checked Rule from one YAML mapping; extra keys are kept (a kind may need them)."""
    if not isinstance(data, dict):
        raise RuleError("a record must be a mapping")
    name = str(data.get("name") or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
        raise RuleError(f"record name {name!r} is not a name (letters, digits, '.', '_', '-')")
    kind = data.get("kind")
    if kind not in KINDS and not str(kind).startswith("x-"):
        raise RuleError(f"{name}: unknown kind {kind!r} (one of {', '.join(sorted(KINDS))}, or x-... for your own)")
    layer = data.get("layer")
    if layer is not None and layer not in LAYERS:
        raise RuleError(f"{name}: unknown layer {layer!r}")

    def strings(key: str) -> tuple[str, ...]:
        v = data.get(key) or ()
        if isinstance(v, str):
            v = (v,)
        if not all(isinstance(x, str) for x in v):
            raise RuleError(f"{name}: {key} must be strings")
        return tuple(v)

    en = data.get("en") or ""
    if not isinstance(en, str):
        raise RuleError(f"{name}: en must be a string (a regex)")
    applies = data.get("applies") or {}
    if not isinstance(applies, dict):
        raise RuleError(f"{name}: applies must be a mapping")
    rule = Rule(name=name, kind=kind, layer=layer, en=en, words=strings("words"), zh=strings("zh"),
                weight=float(data.get("weight", 1.0)), why=str(data.get("why") or ""),
                applies=tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in applies.items())),
                examples=strings("examples"), counter=strings("counter"), source=source,
                extra=tuple(sorted((k, v) for k, v in data.items() if k not in _FIELDS)))
    if not (rule.en or rule.words or rule.zh):
        raise RuleError(f"{name}: a record needs en, words or zh")
    try:
        rule.rx
    except re.error as e:
        raise RuleError(f"{name}: bad pattern: {e}") from None
    return rule
