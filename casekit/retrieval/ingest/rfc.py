"""RFC plain text -> one chunk per section, cited as 'RFC 7231 §6.6.5 504 Gateway Timeout'.

Page furniture (form feeds, footers '[Page N]', headers 'RFC 7231 ... June 2014', and RFC
791's date/title header blocks) is stripped; the table of contents is not a source. A
heading is accepted only when its number follows the previous heading (a sibling, a child
or an ancestor's sibling), which rejects numbered lists and TOC lines.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..chunks import Chunk, split_text

_NUMBER = re.compile(r"^(?:Request for Comments|RFC):\s*(\d+)", re.M)
_FOOTER = re.compile(r"\[Page [0-9ivxlc]+\]\s*$", re.I)
_HEADER = re.compile(r"^RFC \d+\s{2,}.*\s(?:19|20)\d{2}\s*$")
# col 0, or centred (RFC 791's top-level headings); indented 1-9 is body text (lists)
_HEADING = re.compile(r"^(|\s{10,40})(\d+(?:\.\d+)*|[A-Z](?:\.\d+)+)\.?\s{1,4}([A-Za-z0-9\"'(][^\n]*?)\s*$")
_APPENDIX = re.compile(r"^Appendix ([A-Z])\.?\s+(.+?)\s*$")
_LEADER = re.compile(r"\.{3,}\s*[0-9ivx]*\s*$")
_UNNUMBERED_KEEP = ("Abstract",)
_UNNUMBERED_END = ("Status of This Memo", "Status of this Memo", "Copyright Notice", "Table of Contents",
                   "Authors' Addresses", "Author's Address", "Authors' Address", "Index",
                   "Full Copyright Statement", "Acknowledgments", "Acknowledgements", "Contributors")


def looks_like_rfc(text: str, name: str = "") -> int | None:
    """The RFC number if this text is an RFC, else None."""
    m = _NUMBER.search(text[:6000])
    if m:
        return int(m.group(1))
    m = re.fullmatch(r"rfc(\d+)\.txt", name.lower())
    return int(m.group(1)) if m and "RFC" in text[:6000] else None


def clean(text: str) -> list[str]:
    """Lines of the RFC with page headers, footers and form feeds removed."""
    out: list[str] = []
    header_left = 0  # lines of page header still to drop after a form feed
    in_header = False
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.replace("\f", "").rstrip()  # rstrip alone would eat the form feed too
        if "\f" in raw:
            header_left, in_header = 3, False
            if not line.strip():
                continue
        if header_left:
            if not line.strip():
                if in_header:
                    header_left = 0
                continue
            if len(line) < 80:
                in_header, header_left = True, header_left - 1
                continue
            header_left = 0
        if _FOOTER.search(line) or _HEADER.match(line):
            continue
        out.append(line)
    return out


def _key(num: str) -> tuple | None:
    """Sortable key of a section number; letters (appendices) come after all digits."""
    parts = num.split(".")
    if any(p.isdigit() and (int(p) >= 1000 or len(p) > 3) for p in parts):
        return None  # '11110001': a bit pattern in a table, not a section
    return tuple(int(p) if p.isdigit() else ord(p) - ord("A") + 10_000 for p in parts)


def _follows(prev: tuple | None, cur: tuple) -> bool:
    if prev is None:
        return cur == (1,)
    if len(cur) == len(prev) + 1 and cur[:-1] == prev and cur[-1] == 1:
        return True  # first child
    for depth in range(len(prev), 0, -1):  # next sibling of prev or of an ancestor
        if len(cur) == depth and cur[:-1] == prev[: depth - 1] and cur[-1] == prev[depth - 1] + 1:
            return True
    return len(cur) == 1 and cur[0] >= 10_000 and (prev[0] < 10_000 or cur[0] == prev[0] + 1)


def sections(text: str) -> list[tuple[str, str, str]]:
    """(number, title, body) for every section, in order; number '' for the Abstract."""
    lines = clean(text)
    found: list[tuple[str, str, list[str]]] = []
    prev: tuple | None = None
    current: list[str] | None = None
    for line in lines:
        m = _HEADING.match(line)
        a = _APPENDIX.match(line)
        if a and not _LEADER.search(line):
            num, title = a.group(1), a.group(2)
        elif m and not _LEADER.search(line) and len(line) < 100:
            num, title = m.group(2), m.group(3)
        else:
            num = None
        if num is not None and _key(num) is not None and _follows(prev, _key(num)):
            prev = _key(num)
            current = []
            found.append((num, title.strip(), current))
            continue
        stripped = line.strip()
        if line and not line[0].isspace() and stripped in _UNNUMBERED_KEEP + _UNNUMBERED_END:
            current = [] if stripped in _UNNUMBERED_KEEP else None
            if current is not None:
                found.append(("", stripped, current))
            continue
        if current is not None:
            current.append(line)
    return [(n, t, _dedent("\n".join(b))) for n, t, b in found]


def _dedent(body: str) -> str:
    body = re.sub(r"\n{3,}", "\n\n", body).strip("\n")
    lines = body.split("\n")
    indents = [len(x) - len(x.lstrip()) for x in lines if x.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(x[cut:] for x in lines)


def rfc_chunks(path: Path, text: str, number: int, size: int = 160, overlap: int = 40) -> list[Chunk]:
    """Chunks of one RFC: a section per chunk, long ones split with overlap."""
    title = _title(text) or f"RFC {number}"
    chunks = []
    for num, sec_title, body in sections(text):
        if not body.strip():
            continue
        ref = f"RFC {number} §{num} {sec_title}" if num else f"RFC {number} {sec_title}"
        for i, piece in enumerate(split_text(body, size, overlap)):
            chunks.append(Chunk(
                id=f"rfc:{number}#{num or sec_title.lower()}#{i}", kind="doc", ref=ref, title=title, text=piece,
                meta={"source": str(path), "rfc": number, "section": num, "section_title": sec_title,
                      "group": f"rfc:{number}#{num or sec_title.lower()}", "doc_type": "rfc"},
            ))
    return chunks


def _title(text: str) -> str | None:
    """The RFC's title: the first non-blank line(s) after the header block."""
    lines = text[:6000].replace("\f", "").split("\n")
    start = next((i for i, x in enumerate(lines) if _NUMBER.match(x.strip()) or _NUMBER.match(x)), None)
    if start is None:
        return None
    i = start
    while i < len(lines) and lines[i].strip():
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    title = []
    while i < len(lines) and lines[i].strip() and len(title) < 2:
        title.append(lines[i].strip())
        i += 1
    return " ".join(title) or None
