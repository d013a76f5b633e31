"""The structure of a paste, before its words: which lines are commands and which are their
output, JSON, tables with their headers, `key: value` lines, log lines with their time and
level, and the notes a person typed between pastes.

An engineer reads a paste this way: the command line is the question and its output is the
answer, so a command is never evidence, only the context of the lines it printed; a table
row means what its header says; a JSON document's brackets say nothing; a log line's level
tells a routine line from a failure. Pure and bounded: one pass over the lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text.lang import Rx, normalize_text

# A shell prompt before a command ('$ ', '# ', 'PS C:\\> ', 'user@host:~$ ', '[root@db ~]# ').
PROMPT = re.compile(r"^\s*(?:\$|#|>|PS[^>]*>|\[[^\]]+\][$#]|[\w.-]+@[\w.-]+[:~][^$#]*[$#]|[\w.-]+[$#])\s*"
                    r"(?:sudo\s+(?:-\w+\s+)*)?(\S.*)$")
# Programs whose invocation is a command line (the first word after a prompt, or at the start
# of a fenced block without one).
PROGRAMS = re.compile(
    r"^\s*(?:aws\w*|kubectl|k|docker|podman|crictl|ctr|nerdctl|helm|eksctl|gcloud|gsutil|az|terraform|tofu|pulumi|"
    r"ansible\S*|curl|wget|dig|nslookup|host|nc|ncat|telnet|ss|netstat|ip|ifconfig|route|arp|ethtool|tcpdump|tshark|"
    r"iptables|ip6tables|nft|conntrack|ping|traceroute|tracepath|mtr|openssl|df|du|free|top|htop|vmstat|iostat|mpstat|"
    r"pidstat|sar|uptime|dmesg|journalctl|systemctl|service|cat|less|more|head|tail|grep|egrep|zgrep|awk|sed|jq|yq|ls|"
    r"stat|find|lsof|ps|pgrep|kill|ulimit|sysctl|mount|umount|lsblk|blkid|findmnt|fdisk|parted|xfs_info|tune2fs|"
    r"getent|id|whoami|env|printenv|crontab|last|who|w|date|timedatectl|hwclock|chronyc|ntpq|ntpstat|java|jcmd|jstack|"
    r"jmap|node|npm|python3?|pip3?|psql|mysql|mysqladmin|mongo|mongosh|redis-cli|kafka-\S+|rabbitmqctl|nginx|"
    r"apachectl|haproxy|envoy|git|make|cargo|go|ssh|scp|rsync|strace|perf|nvidia-smi|ceph|rados|rbd|etcdctl|"
    r"consul|vault|nomad|openstack|oc|minikube|kind|k3s|microk8s|systemd-\S+|resolvectl|nmcli|hostnamectl|"
    r"aws-iam-authenticator|ecs-cli|sam|cdk|serverless|sls|firebase|heroku|vercel|fly|doctl|ibmcloud|oci)\b")
# A command written without a prompt at the start of a fenced block: a program, then words
# or options (not a log line, not prose).
_BARE = re.compile(r"^\s*\S+(?:\s+(?:-{1,2}[\w-]+(?:[= ]\S+)?|[\w./:@=\-*'\"{}\[\],|]+))+\s*$")
# A log line: a timestamp (ISO, syslog, bracketed), then a level.
_LOG_TIME = Rx(r"^\s*(?:\[[^\]]{1,40}\]\s*)?(?:\[?\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?|"
               r"\[?[A-Z][a-z]{2}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\]?|\d{2}:\d{2}:\d{2}(?:[.,]\d+)?|"
               r"[IWEF]\d{4}\s+\d{2}:\d{2}:\d{2}|\[\s*\d+\.\d+\])")
_LEVEL = re.compile(r"(?<![\w/-])\[?(TRACE|DEBUG|INFO|INFORMATION|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRIT|CRITICAL|"
                    r"ALERT|EMERG|SEVERE|PANIC|level=(?:trace|debug|info|notice|warn|warning|error|fatal|panic))\]?(?![\w/-])",
                    re.I)
_GLOG = re.compile(r"^\s*([IWEF])\d{4}\s")
_LEVELS = {"trace": "debug", "debug": "debug", "info": "info", "information": "info", "notice": "info",
           "warn": "warn", "warning": "warn", "error": "error", "err": "error", "severe": "error", "fatal": "fatal",
           "crit": "fatal", "critical": "fatal", "alert": "fatal", "emerg": "fatal", "panic": "fatal",
           "i": "info", "w": "warn", "e": "error", "f": "fatal"}
_KV = Rx(r"""^\s*[-*(]?\s*["'`]?([A-Za-z\u4e00-\u9fff][\w .\-/`()\u4e00-\u9fff]{0,100}?)["'`]?\s*[:=](?!\d{2}\b)\s*(\S.*)$""")
_JSON_KEY = re.compile(r"""["']([\w.\-/]+)["']\s*:\s*("(?:[^"\\]|\\.)*"|[^,}\]]+)""")
_PUNCT = re.compile(r"^[\s\[\]{}(),:;\"'`|+=*~^_.-]*$")
_EMPTY = re.compile(r"^\s*(?:\[\s*\]|\{\s*\}|\(\s*\)|null|None|nil|\(none\)|\(empty\)|<none>|\"\")\s*,?\s*$", re.I)
_FRAME = re.compile(r"""^\s*(?:File "[^"]+", line \d+|at [\w.$<>]+\(|Traceback \(most recent call last\):?|\^+$|"""
                    r"""[\w.]+\.java:\d+\)?$|goroutine \d+ \[|\.\.\. \d+ more)""")
_HEADER_CELL = re.compile(r"^[A-Z][A-Z0-9_()%/.\-]*(?:\s[A-Z][A-Z0-9_()%/.\-]*)?$|^[A-Z][a-z]+(?:[A-Z][a-z]+)*$")
_MD_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class Line:
    """One line of a pasted section as an engineer reads it."""

    n: int  # line number in the section (1-based)
    text: str  # as written, right-stripped
    role: str  # command | output | log | kv | json | row | header | note | label | punct | frame | fence
    context: str = ""  # the command, or the label above, whose output this line is
    level: str | None = None  # a log line's level: debug | info | warn | error | fatal
    key: str = ""  # the key of a `key: value` or JSON line
    value: str = ""
    fields: tuple[tuple[str, str], ...] = ()  # a table row: (header, cell) pairs
    fenced: bool = False
    block: int = 0  # lines of one command's output, one JSON document or one table share a block

    @property
    def evidence(self) -> bool:
        """Can this line carry evidence? Commands are questions; brackets, headers, fences and
        stack frames say nothing on their own."""
        return self.role not in ("command", "header", "punct", "frame", "fence", "label")


@dataclass
class _State:
    context: str = ""
    fence: bool = False
    block: int = 0
    header: list[tuple[str, int, int]] = field(default_factory=list)  # (name, start, end) of the columns
    md_header: list[str] = field(default_factory=list)
    label: str = ""
    label_indent: int = 0
    continues: bool = False  # the previous command line ended with a backslash


def _columns(line: str) -> list[tuple[str, int, int]] | None:
    """A table header: two or more column names separated by two or more spaces (or a tab),
    each name in capitals or CamelCase ('NAME  READY  STATUS', 'Filesystem  Size  Used')."""
    parts = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"\S+(?: \S+)*", line.replace("\t", "    "))]
    if len(parts) < 3 or not re.search(r"\S {2,}\S|\t", line):
        return None
    names = [p[0] for p in parts]
    caps = sum(1 for x in names if _HEADER_CELL.match(x) or x.rstrip("%") in ("Use", "Use%", "Mounted on"))
    if caps < max(3, len(names) - 1) or any(ch.isdigit() for x in names for ch in x[:1]):
        return None
    return parts


def _cells(line: str, header: list[tuple[str, int, int]]) -> tuple[tuple[str, str], ...]:
    """A row cut at its header's columns (fixed width, as kubectl and df print), else split at
    runs of two or more spaces."""
    text = line.replace("\t", "    ")
    pieces = re.split(r"\s{2,}", text.strip())
    if len(pieces) == len(header):
        return tuple((h[0], p) for h, p in zip(header, pieces))
    out = []
    for i, (name, start, _) in enumerate(header):
        end = header[i + 1][1] if i + 1 < len(header) else len(text)
        out.append((name, text[start:end].strip()))
    return tuple(out)


def command_of(line: str, fenced_start: bool = False) -> str | None:
    """The command a line runs, or None: a prompt then a command, or (at the start of a fenced
    block) a bare invocation of a known program."""
    m = PROMPT.match(line)
    if m and PROGRAMS.match(m.group(1)):
        return m.group(1).strip()
    if m and not re.match(r"\s*[#>]", line):  # '$ ', 'user@host:~$ ', 'PS C:\\>': a prompt, whatever the program
        return m.group(1).strip()
    if fenced_start and PROGRAMS.match(line) and _BARE.match(line) and not _LOG_TIME.match(line):
        return line.strip()
    return None


def parse(text: str, max_lines: int | None = None) -> list[Line]:
    """The lines of a section with their roles (blank lines are left out)."""
    out: list[Line] = []
    st = _State()
    raw_lines = text.split("\n")
    if max_lines is not None:
        raw_lines = raw_lines[:max_lines]
    fence_start = False
    for n, raw in enumerate(raw_lines, 1):
        line = raw.rstrip()
        strip = line.strip()
        if strip.startswith(("```", "~~~")):
            st.fence = not st.fence
            fence_start = st.fence
            st.context, st.header, st.md_header, st.label = ("", [], [], "") if not st.fence else (st.context, [], [], "")
            st.block += 1
            out.append(Line(n, line, "fence", fenced=True))
            continue
        if not strip:
            if not st.fence:
                st.context, st.label = "", ""
            st.header, st.md_header = [], []
            st.continues = False
            continue
        if st.continues:  # '  --query ...' under 'aws ... \'
            st.context = f"{st.context} {strip}".strip()
            st.continues = strip.endswith("\\")
            out.append(Line(n, line, "command", context=st.context, fenced=st.fence, block=st.block))
            continue
        cmd = command_of(line, fence_start)
        fence_start = False
        if cmd:
            st.block += 1
            st.context, st.header, st.md_header, st.label = cmd.rstrip("\\ ").strip(), [], [], ""
            st.continues = strip.endswith("\\")
            out.append(Line(n, line, "command", context=st.context, fenced=st.fence, block=st.block))
            continue
        norm = normalize_text(line)
        ctx = f"{st.context} {st.label}".strip() if st.label else st.context
        if _FRAME.match(strip):
            out.append(Line(n, line, "frame", context=ctx, fenced=st.fence, block=st.block))
            continue
        if _EMPTY.match(strip):  # an empty result is an answer: '[]' says there is none
            out.append(Line(n, line, "output", context=ctx, fenced=st.fence, block=st.block))
            continue
        if _PUNCT.match(strip):
            out.append(Line(n, line, "punct", context=ctx, fenced=st.fence, block=st.block))
            continue
        # a label: 'worker log (i-0abc, not rebooted, still fine):', 'Limits:' above indented lines
        if norm.rstrip().endswith(":") and len(strip) < 160 and not _LOG_TIME.match(strip):
            label = re.sub("[:：]+$", "", strip)
            if not st.fence:
                st.context, st.label = label, ""
                st.block += 1
            else:
                st.label, st.label_indent = label, len(line) - len(line.lstrip())
            out.append(Line(n, line, "label", context=label, fenced=st.fence, block=st.block))
            continue
        if st.fence and st.label and len(line) - len(line.lstrip()) <= st.label_indent:
            st.label = ""
            ctx = st.context
        # markdown table
        if strip.startswith("|") and strip.endswith("|"):
            cells = [c.strip() for c in strip.strip("|").split("|")]
            if _MD_SEP.match(strip):
                out.append(Line(n, line, "punct", context=ctx, fenced=st.fence, block=st.block))
                continue
            if not st.md_header:
                st.md_header = cells
                st.block += 1
                out.append(Line(n, line, "header", context=ctx, fenced=st.fence, block=st.block))
                continue
            fields = tuple(zip(st.md_header, cells))
            out.append(Line(n, line, "row", context=ctx, fields=fields, fenced=st.fence, block=st.block))
            continue
        level = _level(strip)
        if level is not None:
            out.append(Line(n, line, "log", context=ctx, level=level, fenced=st.fence, block=st.block))
            continue
        cols = _columns(strip) if not st.header else None
        if cols:
            st.header = cols
            st.block += 1
            out.append(Line(n, line, "header", context=ctx, fenced=st.fence, block=st.block))
            continue
        if st.header:
            out.append(Line(n, line, "row", context=ctx, fields=_cells(line.lstrip() if not line[:1].isspace() else line,
                                                                       st.header), fenced=st.fence, block=st.block))
            continue
        j = _JSON_KEY.search(strip)
        if j and strip[:1] in "\"'{[":
            out.append(Line(n, line, "json", context=ctx, key=j.group(1), value=j.group(2).strip().strip("\""),
                            fenced=st.fence, block=st.block))
            continue
        kv = _KV.match(norm)
        if kv and not re.match(r"^\s*(?:https?|ftp)$", kv.group(1)):
            out.append(Line(n, line, "kv", context=ctx, key=kv.group(1).strip(), value=kv.group(2).strip(),
                            fenced=st.fence, block=st.block))
            continue
        role = "output" if (st.fence or st.context) and not is_prose(strip) else "note"
        out.append(Line(n, line, role, context=ctx, fenced=st.fence, block=st.block))
    return out


def _level(line: str) -> str | None:
    """A log line's level: a line that starts with a time and names a level ('2026-03-10T18:33:41Z
    ERROR ...', 'E1203 10:41:22 ...', '[  12.3] ...' kernel lines count as logs without level)."""
    g = _GLOG.match(line)
    if g:
        return _LEVELS[g.group(1).lower()]
    if not _LOG_TIME.match(line):
        return None
    m = _LEVEL.search(line[:120])
    if not m:
        return "none"
    word = m.group(1).lower().split("=")[-1]
    return _LEVELS.get(word, "none")


_WORD = re.compile(r"^[(\"'`]?[A-Za-z][a-z]*(?:'[a-z]+)?[)\"'`]?[.,;:!?]?$")


def is_prose(line: str) -> bool:
    """A sentence a person typed, not tool output: mostly plain words, or Chinese text."""
    if re.search(r"[\u4e00-\u9fff]{4,}", line):
        return True
    tokens = line.split()
    words = sum(1 for t in tokens if _WORD.match(t))
    return len(tokens) >= 6 and words >= 0.7 * len(tokens)
