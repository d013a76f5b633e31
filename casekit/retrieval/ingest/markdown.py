"""Markdown documents -> one chunk per heading, cited as 'docs/x.md › Heading'."""
from __future__ import annotations

import re

from ..chunks import Chunk, split_text

_HEAD = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")


def markdown_chunks(rel: str, text: str, size: int = 160, overlap: int = 40) -> list[Chunk]:
    """Chunk a document by heading (fenced code is never mistaken for a heading)."""
    title, parts, heading, buf, fence = None, [], None, [], False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        m = None if fence else _HEAD.match(line)
        if m:
            if buf and "\n".join(buf).strip():
                parts.append((heading, "\n".join(buf).strip("\n")))
            heading, buf = m.group(2), []
            if m.group(1) == "#" and title is None:
                title = heading
        else:
            buf.append(line)
    if buf and "\n".join(buf).strip():
        parts.append((heading, "\n".join(buf).strip("\n")))
    title = title or rel.rsplit("/", 1)[-1]
    chunks = []
    for n, (heading, body) in enumerate(parts):
        ref = f"{rel} › {heading}" if heading else rel
        for i, piece in enumerate(split_text(body, size, overlap)):
            chunks.append(Chunk(
                id=f"doc:{rel}#{n}.{i}", kind="doc", ref=ref, title=title, text=piece,
                meta={"source": rel, "section_title": heading or "", "group": f"doc:{rel}#{n}", "doc_type": "markdown"},
            ))
    return chunks
