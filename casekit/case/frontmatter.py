"""YAML front matter: the one rule for where it starts and ends.

A file has front matter when its first line is '---'; it ends at the next line that is
'---' or '...'. The case parser reads the YAML inside; the corpus reader uses the same rule
to tell a case file from a document and to drop a document's front matter.
"""
from __future__ import annotations

import re

_ID_LINE = re.compile(r"(?m)^id\s*:")


class FrontMatterError(ValueError):
    """The front matter is opened by a '---' line and never closed (line 1)."""


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(front matter, body, line number where the body starts). The front matter is None
    when the text does not start with a '---' line; FrontMatterError when it is not closed."""
    first, _, rest = text.partition("\n")
    if first.strip() != "---":
        return None, text, 1
    lines = rest.split("\n")
    end = next((i for i, line in enumerate(lines) if line.strip() in ("---", "...")), None)
    if end is None:
        raise FrontMatterError("front matter is not closed by a '---' line")
    return "\n".join(lines[:end]), "\n".join(lines[end + 1 :]), end + 3


def names_an_id(text: str) -> bool:
    """Does the text open with front matter that has an `id:` field (a case file, even a
    broken one the case parser should report)?"""
    try:
        front, _, _ = split_front_matter(text)
    except FrontMatterError:
        front = text[:4096]  # opened, never closed: a case file if it names an id
    return front is not None and _ID_LINE.search(front) is not None


def strip_front_matter(text: str) -> str:
    """The body of a document, without its front matter (if any, and closed)."""
    try:
        return split_front_matter(text)[1]
    except FrontMatterError:
        return text
