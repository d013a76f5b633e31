"""Chinese text folded to one form, so Traditional and Simplified writing find each other.

`fold(text)` maps Taiwan vocabulary to the mainland words (網路 -> 網絡, 記憶體 -> 內存,
伺服器 -> 服務器), Taiwan character variants to the standard ones (啟 -> 啓), then every
Traditional character to its Simplified form (網絡 -> 网络). Folding is many-to-one, so it
is safe for matching and never shown to anyone: search and cue matching use the folded
copy, citations quote the text as written.

The tables are OpenCC's (Apache-2.0), read from the `opencc-python-reimplemented` wheel:
pure data, no converter code, loaded once on first use (about 20 ms).

This is the fold for search tokens, where a phrase may change length (記憶體 -> 内存).
Cue matching needs offsets that carry over to the text as written, so it uses
`lang.normalize_text`, a one-character-for-one copy.
"""
from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

from .lang import _HAN

HAN_RUN = re.compile(_HAN.pattern + "+")
_TABLES = ("TWPhrasesRev.txt", "TWVariantsRev.txt", "TSCharacters.txt")


def _dictionary_dir() -> Path | None:
    spec = importlib.util.find_spec("opencc")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "dictionary"
    return folder if folder.is_dir() else None


def _read(folder: Path, name: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for line in (folder / name).read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0] and parts[1]:
            table.setdefault(parts[0], parts[1].split(" ")[0])
    return table


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], int, dict[int, str]]:
    """(phrase table, its longest key, a str.translate table for single characters)."""
    folder = _dictionary_dir()
    if folder is None:  # the wheel is a declared dependency; without it, folding is identity
        return {}, 0, {}
    phrases = _read(folder, _TABLES[0])
    chars: dict[int, str] = {}
    for name in _TABLES[1:]:
        for k, v in _read(folder, name).items():
            if len(k) == 1:
                chars.setdefault(ord(k), v)
    # A variant that is itself Traditional still folds to Simplified (啟 -> 啓 -> 启).
    chars = {k: "".join(chars.get(ord(c), c) for c in v) for k, v in chars.items()}
    return phrases, max(map(len, phrases), default=0), chars


def _fold_run(run: str, phrases: dict[str, str], longest: int) -> str:
    out, i = [], 0
    while i < len(run):
        for n in range(min(longest, len(run) - i), 1, -1):
            hit = phrases.get(run[i : i + n])
            if hit:
                out.append(hit)
                i += n
                break
        else:
            out.append(run[i])
            i += 1
    return "".join(out)


def fold(text: str) -> str:
    """`text` with every Han run folded to mainland Simplified; other characters unchanged."""
    if not HAN_RUN.search(text):
        return text
    phrases, longest, chars = _tables()
    folded = HAN_RUN.sub(lambda m: _fold_run(m.group(0), phrases, longest), text)
    return folded.translate(chars)


def simplified(text: str) -> str:
    """Traditional Chinese written in Simplified characters: OpenCC's character tables only
    (not the Taiwan-to-mainland phrase table, which reads 指標 as 指针 and 儲存 as 保存 in
    casekit's sentences). casekit.i18n.hans derives casekit's own zh-Hans sentences from
    its zh-Hant ones with it, then its own short table of Taiwan words; never applied to a
    customer's text."""
    if not HAN_RUN.search(text):
        return text
    return text.translate(_tables()[2]).translate(_SIMPLIFIED_FIXES)


# Where the character table picks a form that matches but reads wrong (麼 -> 幺 in 什麼).
_SIMPLIFIED_FIXES = str.maketrans({"幺": "么"})
