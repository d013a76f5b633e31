"""Customer identifiers: resource ids, ARNs, account numbers, regions, IP addresses.

A plan step adapted from a past case must carry this customer's identifiers, never another
customer's: `scrub` replaces every identifier that this case does not contain by this
case's own identifier of the same type when there is exactly one, else by a placeholder
that says what to fill in (`<route table>`). Another customer's identifiers in this
customer's plan would be a wrong instruction and a confidentiality breach.
"""
from __future__ import annotations


from .lang import Rx

_PREFIX = {
    "i": "instance", "vol": "volume", "subnet": "subnet", "sg": "security group", "vpc": "VPC", "eni": "network interface",
    "nat": "NAT gateway", "igw": "internet gateway", "rtb": "route table", "acl": "network ACL", "ami": "AMI",
    "snap": "snapshot", "tgw": "transit gateway", "vpce": "VPC endpoint", "lt": "launch template", "eipalloc": "Elastic IP",
    "pcx": "peering connection", "db": "DB instance", "fs": "file system", "fsap": "access point", "r": "reservation",
}
REGION = r"(?:us-gov|us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d"
# `lang.Rx`: ASCII word boundaries, so an identifier inside Chinese text ('子網subnet-0c4e...的')
# is found; an ARN ends where Chinese text or full-width punctuation begins.
PATTERNS: list[tuple[str, Rx]] = [
    ("ARN", Rx(r"\barn:aws[\w-]*:[\w-]+:[\w-]*:\d{0,12}:[^\s,;)\]\"'`<>\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")),
    ("resource", Rx(r"\b(?:" + "|".join(sorted(_PREFIX, key=len, reverse=True)) + r")-[0-9a-f]{8,17}\b")),
    ("zone", Rx(r"\b" + REGION + r"[a-f]\b")),
    ("region", Rx(r"\b" + REGION + r"\b")),
    ("account id", Rx(r"(?<![\w.-])\d{12}(?![\w-])")),
    ("IP address", Rx(r"(?<![\w.§])(?<!§ )(?<!ection )(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:/\d{1,2})?(?![\w.])")),
]
# Addresses that mean the same for every customer: not identifiers.
GENERIC = {"0.0.0.0/0", "0.0.0.0", "127.0.0.1", "169.254.169.254", "255.255.255.255", "8.8.8.8", "1.1.1.1"}


def _kind(kind: str, value: str) -> str:
    if kind == "resource":
        return _PREFIX.get(value.split("-", 1)[0], "resource")
    return kind


def find(text: str) -> list[tuple[str, str]]:
    """(type, identifier) pairs in order of appearance; an ARN's parts are not repeated."""
    out: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, rx in PATTERNS:
        for m in rx.finditer(text or ""):
            if m.group(0) in GENERIC or any(a <= m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            out.append((m.start(), _kind(kind, m.group(0)), m.group(0)))
    return [(k, v) for _, k, v in sorted(out)]


def own(*texts: str) -> dict[str, list[str]]:
    """This case's identifiers by type (ARN parts count too: its region, its account)."""
    by: dict[str, list[str]] = {}
    for text in texts:
        for kind, value in find(text):
            by.setdefault(kind, [])
            if value not in by[kind]:
                by[kind].append(value)
            if kind == "ARN":
                for k2, v2 in find(value.replace(":", " ")):
                    if v2 not in by.setdefault(k2, []):
                        by[k2].append(v2)
    return by


def scrub(text: str, mine: dict[str, list[str]]) -> str:
    """`text` with every identifier that is not this case's replaced (see module doc)."""
    flat = {v for vs in mine.values() for v in vs}

    def repl(kind: str, value: str) -> str:
        if value in flat:
            return value
        candidates = mine.get(kind, [])
        if kind in ("region", "account id") and len(candidates) == 1:
            return candidates[0]
        return f"<{kind}>"

    out, last = [], 0
    spans = []
    for kind, rx in PATTERNS:
        for m in rx.finditer(text or ""):
            if m.group(0) in GENERIC or any(a <= m.start() < b for a, b, _ in spans):
                continue
            spans.append((m.start(), m.end(), repl(_kind(kind, m.group(0)), m.group(0))))
    for a, b, new in sorted(spans):
        out.append(text[last:a])
        out.append(new)
        last = b
    out.append(text[last:])
    return "".join(out)


def foreign(text: str, mine: dict[str, list[str]]) -> list[str]:
    """Identifiers in `text` that are not this case's (what a check counts: must be none)."""
    flat = {v for vs in mine.values() for v in vs}
    flat |= {z[:-1] for z in mine.get("zone", [])}  # a zone's region is the case's own too (us-east-1a: us-east-1)
    return [v for _, v in find(text) if v not in flat]
