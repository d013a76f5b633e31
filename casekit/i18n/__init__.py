"""Every sentence casekit writes itself, one catalogue per language.

`catalogue(language)` returns the catalogue of a case's language ('en', 'zh-Hant',
'zh-Hans'; 'zh' reads as zh-Hant, anything else as English). A catalogue maps a key to a
template (`str.format` placeholders), a tuple of templates, or a dict of them; look a
template up with `t["key"]` and fill it with `t("key", name=value)`.

English is `en.TEXT`; Traditional Chinese is `zh_hant.TEXT`, written out; Simplified
Chinese is derived from the Traditional one (`hans`): character by character with OpenCC's
tables (casekit.text.hanzi.simplified), then Taiwan's words as the mainland writes them
(zh_hans.TERMS: 網路 -> 网络, 程式碼 -> 代码), so the two never drift apart. Quoted
evidence, identifiers, RFC references and the JSON's field names and vocabulary (layer,
side, status) are never looked up here: they stay as written. A computed fact
(casekit.evidence) keeps its values and is written through `Catalogue.fill`, so its words
are the catalogue's and its numbers and quoted lines are the case's.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Iterable

LANGUAGES = ("en", "zh-Hant", "zh-Hans")


@dataclass(frozen=True)
class Term:
    """A word of casekit's own among the values of a computed fact ('the affected resource',
    a unit): kept as a key, so the fact reads in the language it is written in. `item`
    picks an entry of a dict template; an item the dict lacks is written as it is."""

    key: str
    item: str | None = None


# template fields that always hold one of casekit's own words (translated by Catalogue.name)
_NAMED = {"layer": "layer", "layer2": "layer", "side": "side", "side2": "side", "hypothesis": "hypothesis", "section": "section", "kind": "kind"}


class Catalogue:
    """The templates of one language."""

    def __init__(self, language: str, table: dict[str, Any]):
        self.language = language
        self.table = table

    def __getitem__(self, key: str) -> Any:
        return self.table[key]

    def __call__(self, key: str, **kw: Any) -> str:
        if not kw:
            return self.table[key]
        return self.table[key].format(**{k: self.name(_NAMED[k], v) if k in _NAMED else v for k, v in kw.items()})

    def name(self, what: str, value: Any) -> Any:
        """casekit's own word for a layer, a side or a kind of evidence or source (`what`) in this
        language; 'network/customer' names both; anything else as given. The English names are
        the JSON vocabulary itself."""
        if not isinstance(value, str):
            return value
        if what == "hypothesis":
            layer, _, side = value.partition("/")
            return f"{self.name('layer', layer)}/{self.name('side', side)}" if side else value
        return self.table[f"name.{what}"].get(value, value)

    def fill(self, key: str, values: Iterable[tuple[str, Any]]) -> str:
        """`key`'s template filled with `values`, each Term among them looked up here first:
        one fact (casekit.evidence) written in any language."""
        return self(key, **{name: self.term(v) if isinstance(v, Term) else v for name, v in values})

    def term(self, term: Term) -> str:
        """A Term's word in this language (an item its dict lacks, such as a unit, as written)."""
        value = self.table[term.key]
        return value if term.item is None else value.get(term.item, term.item)

    def __contains__(self, key: str) -> bool:
        return key in self.table

    def keys(self):
        return self.table.keys()

    @property
    def chinese(self) -> bool:
        return self.language.startswith("zh")


def _convert(value: Any, fn) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, tuple):
        return tuple(_convert(v, fn) for v in value)
    if isinstance(value, dict):
        return {k: _convert(v, fn) for k, v in value.items()}
    return value


def code(language: str | None) -> str:
    """The catalogue a language uses: 'en', 'zh-Hant' or 'zh-Hans'."""
    lang = (language or "en").strip()
    low = lang.lower()
    if low in ("zh-hans", "zh-cn", "zh-sg", "zh-my") or low.startswith("zh-hans"):
        return "zh-Hans"
    if low.startswith("zh"):
        return "zh-Hant"
    return "en"


@functools.lru_cache(maxsize=1)
def _terms() -> tuple[re.Pattern, dict[str, str]]:
    """zh_hans.TERMS keyed by their Simplified characters, as one pattern, longest first."""
    from ..text.hanzi import simplified
    from .zh_hans import TERMS

    table = {simplified(k): v for k, v in TERMS.items()}
    return re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True)))), table


def hans(text: str) -> str:
    """A sentence of the zh-Hant catalogue as the zh-Hans catalogue writes it: Simplified
    characters and mainland words. For casekit's own sentences only (never a customer's
    text: its words are quoted as written)."""
    from ..text.hanzi import simplified

    pattern, table = _terms()
    return pattern.sub(lambda m: table[m.group(0)], simplified(text))


@functools.lru_cache(maxsize=None)
def catalogue(language: str | None = "en") -> Catalogue:
    lang = code(language)
    if lang == "en":
        from .en import TEXT
        return Catalogue("en", TEXT)
    from .zh_hant import TEXT as HANT
    if lang == "zh-Hant":
        return Catalogue("zh-Hant", HANT)
    return Catalogue("zh-Hans", _convert(HANT, hans))


EN = catalogue("en")
