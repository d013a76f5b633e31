"""The differential: hypotheses, findings, missing information, next question and plan.

Deterministic and model-free, so the reasoning does not depend on the model's size. Every
statement is built from a retrieved source and cites it: a hypothesis comes from past
cases (their layer, side, root cause) and documents; a finding quotes a source sentence;
a plan step is taken from a cited case's plan or a cited checklist.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .case import LAYERS, Case
from .lexical import tokenize
from .signs import Sign

# Words that point at a layer when they appear in a case's signs or a document.
LAYER_CUES: dict[str, tuple[str, ...]] = {
    "network": ("i/o timeout", "timed out", "connection refused", "connection reset", "unreachable", "servfail",
                "nxdomain", "dns", "tls", "ssl", "certificate", "handshake", "mtu", "fragment", "conntrack", "nat gateway",
                "route table", "security group", "nacl", "502", "504", "bad gateway", "gateway timeout", "keep-alive",
                "idle timeout", "dial tcp", "no route", "vpc endpoint", "subnet", "packet loss", "retransmit"),
    "os": ("kernel", "no space left on device", "inode", "df -i", "oom killer", "out of memory: killed process",
           "killed process", "chrony", "ntp", "clock", "sshd", "publickey", "systemd", "filesystem", "panic", "mount",
           "iowait", "load average", "steal", "cloud-init", "permission denied"),
    "container": ("oomkilled", "exit code: 137", "exit code 137", "crashloopbackoff", "back-off restarting", "imagepullbackoff",
                  "cannotpullcontainererror", "pending", "insufficient cpu", "insufficient memory", "pod", "kubelet",
                  "task definition", "ecs task", "container", "execution role", "configmap", "cni", "failedscheduling"),
    "storage": ("burstbalance", "burst balance", "volumequeuelength", "queue length", "iops", "throughput", "ebs", "gp2",
                "gp3", "efs", "percentiolimit", "burstcreditbalance", "disk latency", "await", "slow down", "volume"),
    "application": ("exception", "stack trace", "traceback", "hikaripool", "connection pool", "deploy", "release",
                    "rollback", "heap", "memory leak", "config", "500", "internal server error", "null", "regression"),
    "capacity": ("throttlingexception", "throttling", "rate exceeded", "limitexceeded", "quota", "vcpulimitexceeded",
                 "insufficientinstancecapacity", "toomanyrequests", "429", "concurrency", "provisionedthroughputexceeded",
                 "requestlimitexceeded", "scaling", "max size", "credits"),
    "provider": ("aws health", "health dashboard", "availability zone", "az impairment", "hardware", "retirement",
                 "degraded", "underlying host", "service event", "scheduled event", "instance status check"),
}
CHANGE_WORDS = re.compile(r"(?i)\b(chang\w*|deploy\w*|upgrad\w*|updat\w*|migrat\w*|moved|rolled|release\w*|terraform|"
                          r"config\w*|modif\w*|new version|patch\w*|renew\w*|replac\w*|switch\w*)\b")
HEALTHY_WORDS = re.compile(r"(?i)\b(other (?:region|az|environment|cluster|account|instances?)|staging|works (?:fine )?(?:on|in|from)|"
                           r"healthy|unaffected|still running|fine in|old subnets?|same .* works|comparison)\b")
REPRO_WORDS = re.compile(r"(?i)\b(reproduc\w*|repro|every time|always|intermittent\w*|curl|steps to|can trigger|consistently)\b")
NEED_WORDS = re.compile(r"(?i)\b(need|want|please|workaround|fix|rca|root cause|restore|asap|before|deadline|help)\b")
TIME_IN_TEXT = re.compile(r"(?i)\b(\d{1,2}(?::\d{2})\s*(?:am|pm)?|\d{1,2}\s*(?:am|pm)|noon|midnight)\b")
TZ_IN_TEXT = re.compile(r"(?i)\b(utc|gmt|[a-z]+/[a-z_]+|[+-]\d{2}:?\d{2}|cet|cest|est|edt|pst|pdt|cst|cdt|jst|ist|sgt|aest|"
                        r"bst|hkt|kst|taipei|tokyo|berlin|london|sydney|singapore|local time|\w+ time)\b")
BASELINE_WORDS = re.compile(r"(?i)\b(normal(?:ly)?|baseline|usual(?:ly)?|before|yesterday|last week|typical(?:ly)?|was \d|from \d+.* to \d+)\b")


@dataclass
class Source:
    """A numbered source a draft may cite (S1, S2, ...): a retrieved chunk or a sign."""

    id: str
    kind: str  # case | doc | sign
    ref: str
    title: str
    text: str
    score: float
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "ref": self.ref, "title": self.title, "text": self.text,
                "score": round(self.score, 4)}


@dataclass
class Hypothesis:
    text: str
    layer: str
    side: str
    likelihood: float
    citations: list[str]
    supporting_signs: list[str]
    contradicting_signs: list[str]
    basis: str = ""  # the deterministic text (kept when prose replaces `text`)

    def to_dict(self) -> dict:
        return {"text": self.text, "layer": self.layer, "side": self.side, "likelihood": round(self.likelihood, 3),
                "citations": self.citations, "supporting_signs": self.supporting_signs,
                "contradicting_signs": self.contradicting_signs}


def _lc(s: str) -> str:
    return " ".join(s.lower().split())


def layer_profile(texts: list[str]) -> dict[str, float]:
    """How strongly a set of texts points at each layer (cue hits, one per cue)."""
    blob = _lc(" \n ".join(texts))
    return {layer: float(sum(1 for cue in cues if cue in blob)) for layer, cues in LAYER_CUES.items()}


def sign_layers(sign: Sign) -> set[str]:
    t = _lc(sign.text)
    return {layer for layer, cues in LAYER_CUES.items() if any(cue in t for cue in cues)}


def _sign_in(sign: Sign, blob: str) -> bool:
    """Does a source's text carry this sign's signature?"""
    t = _lc(sign.text)
    if sign.kind in ("exception", "code", "exit_code", "http_status"):
        key = t.replace("http ", "") if sign.kind == "http_status" else t
        return key.split()[0] in blob if sign.kind == "http_status" else key in blob
    if sign.kind in ("error", "kernel", "warning"):
        toks = [x for x in tokenize(sign.text) if not any(c.isdigit() for c in x) and len(x) > 3]
        if not toks:
            return False
        hits = sum(1 for x in set(toks) if x in blob)
        return hits >= max(2, math.ceil(0.5 * len(set(toks))))
    return False


# --------------------------------------------------------------------------- hypotheses


def hypotheses(case: Case, signs: list[Sign], sources: list[Source], full_text: dict[str, str],
               sign_ids: dict[Sign, str], relevant: bool, top: int = 4) -> list[Hypothesis]:
    """Ranked hypotheses from the retrieved past cases and documents.

    Candidates are (layer, side) groups of past cases; each scores the retrieval score of
    its cases times the sign overlap, plus how strongly the case's own signs point at its
    layer. Documents add support (and can stand alone when no case matches a layer).
    """
    if not relevant:
        return []
    profile = layer_profile([s.text for s in signs] + [case.title])
    total_cues = sum(profile.values()) or 1.0
    groups: dict[tuple[str, str], dict] = {}
    for src in sources:
        if src.kind != "case":
            continue
        layer = src.meta.get("layer") if src.meta.get("layer") in LAYERS else "unknown"
        side = src.meta.get("side") or "unknown"
        blob = full_text.get(src.id, "")
        matched = [s for s in signs if _sign_in(s, blob)]
        g = groups.setdefault((layer, side), {"cases": [], "score": 0.0, "matched": {}, "docs": []})
        g["cases"].append(src)
        # the best case carries the group; more cases of the same kind add a little
        # (a populous layer must not outvote one close match)
        s = src.score * (1.0 + 0.25 * min(len(matched), 4))
        g["score"] = max(g["score"], s) + 0.25 * min(g["score"], s)
        for s in matched:
            g["matched"][s] = True
    # documents: attach to the layer their text points at most
    for src in sources:
        if src.kind != "doc":
            continue
        prof = layer_profile([src.title, src.ref, src.text])
        layer = max(LAYERS[:-1], key=lambda L: (prof.get(L, 0), -LAYERS.index(L)))
        if prof.get(layer, 0) == 0:
            continue
        owners = [k for k in groups if k[0] == layer]
        if owners:
            for k in owners:
                groups[k]["docs"].append(src)
        elif profile.get(layer, 0) >= 2:  # a layer the signs point at, but no case matched it
            g = groups.setdefault((layer, "unknown"), {"cases": [], "score": 0.0, "matched": {}, "docs": []})
            g["docs"].append(src)
            g["score"] += 0.5 * src.score
    if not groups:
        return []
    scored = []
    for (layer, side), g in groups.items():
        cue = profile.get(layer, 0.0) / total_cues
        score = g["score"] * (1.0 + 2.0 * cue)
        scored.append((score, layer, side, g))
    scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    scored = scored[:top]
    mass = sum(s for s, *_ in scored) or 1.0
    out: list[Hypothesis] = []
    for score, layer, side, g in scored:
        cases = sorted(g["cases"], key=lambda s: -s.score)
        docs = sorted(g["docs"], key=lambda s: -s.score)[:2]
        if cases:
            lead = cases[0]
            rc = (lead.meta.get("root_cause") or lead.title).rstrip(".")
            also = f" (also seen in {', '.join(c.ref for c in cases[1:3])})" if len(cases) > 1 else ""
            text = f"{_layer_phrase(layer, side)}, as in {lead.ref}: {rc}{also}."
        else:
            text = f"{_layer_phrase(layer, side)}: the signs match {docs[0].ref}."
        supporting = [s for s in signs if s in g["matched"] or (layer in sign_layers(s) and s.kind != "resource")]
        others = {s for (L, _), og in groups.items() if L != layer for s in og["matched"]}
        contradicting = [s for s in signs if s not in supporting and (s in others or (sign_layers(s) and layer not in sign_layers(s)))
                         and s.kind in ("error", "exception", "code", "http_status", "exit_code", "kernel")]
        cites = [c.id for c in cases[:3]] + [d.id for d in docs]
        cites += [sign_ids[s] for s in supporting if s in sign_ids][:3]
        out.append(Hypothesis(text=text, layer=layer, side=side, likelihood=score / mass, citations=cites,
                              supporting_signs=[s.text for s in supporting][:6],
                              contradicting_signs=[s.text for s in contradicting][:4], basis=text))
    # likelihoods rounded for the JSON; order is by score, ties broken by layer name
    return out


def _layer_phrase(layer: str, side: str) -> str:
    sides = {"customer": "customer-side", "provider": "provider-side", "third-party": "third-party", "unknown": "side unknown"}
    names = {"network": "network", "os": "operating-system", "container": "container", "storage": "storage",
             "application": "application", "capacity": "capacity or quota", "provider": "provider-platform",
             "unknown": "unclassified"}
    s = sides.get(side, side)
    return f"A {s} {names.get(layer, layer)} problem" if side != "unknown" else f"A {names.get(layer, layer)} problem ({s})"


# --------------------------------------------------------------------------- findings

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"(])")


def sentences(text: str) -> list[str]:
    flat = " ".join(x.strip() for x in text.split("\n") if x.strip() and not x.strip().startswith("```"))
    return [s.strip() for s in _SENT.split(flat) if 25 <= len(s.strip()) <= 320]


def findings(case: Case, signs: list[Sign], sources: list[Source], sign_ids: dict[Sign, str], limit: int = 4) -> list[dict]:
    """Quotes: the sentence of each top source that best matches the case's signs and symptoms.

    A finding's text is a verbatim sentence of its cited source, so it is supported by
    construction; its sign link is cited too.
    """
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
        linked = [sign_ids[s] for s in signs if s in sign_ids and _sign_in(s, _lc(best))][:2]
        out.append({"text": f"{src.ref} ({src.kind}): \"{best}\"", "citations": [src.id, *linked], "quote": best})
    return out


# --------------------------------------------------------------------------- missing information


def missing_information(case: Case, signs: list[Sign], hyps: list[Hypothesis]) -> list[dict]:
    """Checklist items absent from the case, each with why it matters for the current hypotheses."""
    subj, obj = case.symptoms, case.objective
    text = f"{case.title}\n{subj}\n{obj}"
    kinds = {s.kind for s in signs}
    lead = f"{hyps[0].layer}/{hyps[0].side}" if hyps else "any hypothesis"
    alt = f" vs {hyps[1].layer}/{hyps[1].side}" if len(hyps) > 1 else ""
    out = []
    times = TIME_IN_TEXT.findall(subj)
    if not case.opened and not times:
        out.append({"text": "When exactly did it start, and in which timezone?",
                    "why": "Without a time window with timezone, logs and metrics cannot be lined up with the report."})
    elif times and not TZ_IN_TEXT.search(subj) and not case.timezone:
        out.append({"text": f"Which timezone is '{times[0].strip()}' in?",
                    "why": "The reported time has no timezone; it must be converted to UTC before it is compared with logs."})
    if "resource" not in kinds and not case.resources:
        out.append({"text": "Which resources are affected (instance, task, volume, load balancer IDs or ARNs, region)?",
                    "why": "Resource IDs let us pull the provider-side metrics and events for exactly what failed."})
    if not kinds & {"error", "exception", "code", "http_status", "exit_code", "kernel"}:
        out.append({"text": "What is the exact error message (copied, not paraphrased), with its timestamp?",
                    "why": f"An exact error string is the fastest way to confirm or rule out {lead}{alt}."})
    if "metric" not in kinds:
        out.append({"text": "Which metrics show the problem, in the normal and in the abnormal state (values with units)?",
                    "why": "A performance complaint is subjective until a metric pins down what changed and by how much."})
    elif not BASELINE_WORDS.search(text):
        out.append({"text": "What do the same metrics look like in the normal state (baseline)?",
                    "why": "Abnormal readings mean little without the normal ones to compare against."})
    if not CHANGE_WORDS.search(text):
        out.append({"text": "What changed shortly before the start (deployments, configuration, network, IAM, scaling)?",
                    "why": f"A recent change is the usual suspect; it would point at a customer-side cause rather than {lead if hyps and hyps[0].side != 'customer' else 'the provider'}."})
    if not HEALTHY_WORDS.search(text):
        out.append({"text": "Is there a comparable healthy environment (another AZ, region, cluster or older version) that works?",
                    "why": "Comparing a healthy and a broken setup narrows the scope to what differs between them."})
    if not REPRO_WORDS.search(text):
        out.append({"text": "What is the simplest way to reproduce it (a single request, command or test)?",
                    "why": "A reproduction turns each hypothesis into a quick check and proves the fix."})
    if not NEED_WORDS.search(subj):
        out.append({"text": "What does the customer need first: a fix, a workaround, or a root-cause report?",
                    "why": "The real need decides whether we mitigate first or dig first."})
    return out


# --------------------------------------------------------------------------- next question

QUESTIONS = [
    # (question, why-it-splits, predicate over a hypothesis: True = answer 'yes' is consistent)
    ("Did anything change in the hour before it started (deployment, configuration, network, IAM, scaling)?",
     lambda h: h.side in ("customer", "unknown")),
    ("Does AWS Health (or the provider status page) show an open event for this account, region or Availability Zone?",
     lambda h: h.layer == "provider" or h.side == "provider"),
    ("From an affected host or task, does a direct check of the dependency succeed (e.g. `curl -v`, `nc -vz host 443`, `dig`)?",
     lambda h: h.layer != "network"),
    ("Are containers being killed or never starting (exit code 137, OOMKilled, CrashLoopBackOff, Pending)?",
     lambda h: h.layer == "container"),
    ("Are the volume or file-system metrics at their limits (BurstBalance, VolumeQueueLength, IOPS, throughput)?",
     lambda h: h.layer == "storage"),
    ("Do API calls return throttling or limit errors (ThrottlingException, LimitExceeded, 429), or is a quota at its maximum?",
     lambda h: h.layer == "capacity"),
    ("Does the host itself show trouble (`dmesg | tail`, `df -h`, `df -i`, `free -m`)?",
     lambda h: h.layer == "os"),
    ("Does the problem go away with the previous application version or configuration?",
     lambda h: h.layer == "application"),
]


def _entropy(ps: list[float]) -> float:
    return -sum(p * math.log2(p) for p in ps if p > 0)


def next_question(hyps: list[Hypothesis], missing: list[dict]) -> dict:
    """The question whose answer best splits the hypothesis mass (expected information gain)."""
    if not hyps:
        if missing:
            return {"text": missing[0]["text"], "why": "No retrieved source matches this case yet; " + missing[0]["why"]}
        return {"text": "What exactly fails, since when (with timezone), and with which error message?",
                "why": "No retrieved source matches this case; the basic facts come first."}
    total = sum(h.likelihood for h in hyps) or 1.0
    ps = [h.likelihood / total for h in hyps]
    prior = _entropy(ps)
    best = None
    for n, (question, yes) in enumerate(QUESTIONS):
        p_yes = sum(p for p, h in zip(ps, hyps) if yes(h))
        if p_yes <= 0 or p_yes >= 1:
            continue
        post = p_yes * _entropy([p / p_yes for p, h in zip(ps, hyps) if yes(h)]) + \
            (1 - p_yes) * _entropy([p / (1 - p_yes) for p, h in zip(ps, hyps) if not yes(h)])
        gain = prior - post
        key = (-round(gain, 6), n)
        if best is None or key < best[0]:
            yes_side = [f"{h.layer}/{h.side}" for h in hyps if yes(h)]
            no_side = [f"{h.layer}/{h.side}" for h in hyps if not yes(h)]
            best = (key, question, gain, p_yes, yes_side, no_side)
    if best is None:
        return {"text": QUESTIONS[0][0], "why": "All current hypotheses agree on the layer; a recent change would confirm the cause."}
    _, question, gain, p_yes, yes_side, no_side = best
    return {"text": question,
            "why": (f"It splits the hypotheses {round(p_yes * 100)}% / {round((1 - p_yes) * 100)}% by likelihood "
                    f"(yes keeps {', '.join(yes_side)}; no keeps {', '.join(no_side)}): "
                    f"an expected {gain:.2f} of {prior:.2f} bits of uncertainty removed.")}


# --------------------------------------------------------------------------- plan

RESTART = re.compile(r"(?i)\b(restart\w*|reboot\w*|stop/start|redeploy\w*|replace the instance|recycle\w*|roll(?:ing)? restart)\b")
MITIGATE = re.compile(r"(?i)\b(workaround|mitigat\w*|temporar\w*|roll ?back|revert\w*|fail ?over|shift traffic|scale (?:out|up)|"
                      r"increase|raise|remove the|disable|drain)\b")
IP_CHANGE = re.compile(r"(?i)\b(new (?:elastic )?ip|change the ip|replace the (?:nlb|load balancer|instance)|new load balancer|"
                       r"re-?create|stop/start|release the (?:elastic )?ip)\b")


def _steps(text: str) -> list[str]:
    """Numbered or bulleted steps of a Plan/Resolution section."""
    steps = []
    for line in text.split("\n"):
        m = re.match(r"^\s*(?:\d+[.)]|[-*])\s+(.*\S)", line)
        if m and len(m.group(1)) > 15:
            steps.append(re.sub(r"\s+", " ", m.group(1)).strip())
    return steps


def plan(case: Case, hyps: list[Hypothesis], sources: list[Source], case_sections: dict[str, dict[str, str]],
         industry_doc: Source | None, checklist_docs: list[Source], nq: dict, limit: int = 7) -> list[dict]:
    """Ordered steps from the top hypotheses' past resolutions and matching checklists,
    adapted to the industry. Each step cites the source it was taken from."""
    by_id = {s.id: s for s in sources}
    industry = (case.industry or "other").lower()
    steps: list[dict] = []
    seen: set[str] = set()

    def add(text: str, cites: list[str], kind: str) -> None:
        key = _lc(text)[:80]
        if key not in seen and cites:
            seen.add(key)
            steps.append({"text": text, "citations": cites, "kind": kind})

    if industry_doc is not None:
        rule = {
            "gaming": "Look for a workaround that keeps running game sessions up before anything that restarts them",
            "iot": "Keep fixed IP addresses and endpoints stable: devices in the field may point at them",
            "crypto": "Mitigate first: the fastest safe action that restores trading comes before root-cause work",
            "finance": "Work inside the change window and record every action for audit",
            "ecommerce": "Protect checkout first: mitigate before peak traffic, then dig",
            "media": "Protect the running pipeline's throughput; queue or reroute work before changing infrastructure",
            "saas": "Contain the blast radius to the affected tenants before wider changes",
        }.get(industry)
        if rule:
            add(f"{rule} ({industry_doc.ref}).", [industry_doc.id], "mitigate")
    fast = industry in ("gaming", "crypto", "ecommerce", "iot")  # mitigation before diagnosis
    for rank, h in enumerate(hyps[:2]):
        case_steps: list[tuple[str, str]] = []
        for cid in h.citations:
            src = by_id.get(cid)
            if src is not None and src.kind == "case":
                case_steps = [(step, cid) for step in _steps(case_sections.get(src.ref, {}).get("Plan", ""))[:3]]
                lead = src.ref
                break
        doc = next((by_id[c] for c in h.citations if c in by_id and by_id[c].kind == "doc"), None)
        check = (f"Run the checks in {doc.ref} to {'confirm' if rank == 0 else 'rule out'} the {h.layer} hypothesis.", doc.id) if doc else None
        if rank == 0:
            mitigations = [(t, c) for t, c in case_steps if MITIGATE.search(t)]
            others = [(t, c) for t, c in case_steps if not MITIGATE.search(t)]
            ordered = (mitigations + ([check] if check else []) + others) if fast else \
                (([check] if check else []) + case_steps)
            for text, cid in ordered:
                add(text if text.startswith("Run the checks") else f"From {lead}: {text}", [cid], "step")
        elif check:
            add(check[0], [check[1]], "step")
    for doc in [d for d in checklist_docs[:1] if not any(d.id in st["citations"] for st in steps)]:
        add(f"Work through {doc.ref} and record each result in the work log.", [doc.id], "step")
    if hyps:
        add(f"Ask the customer: {nq['text']}", hyps[0].citations[:1], "step")
    for s in steps:
        if s["kind"] != "step":
            continue
        if RESTART.search(s["text"]) and industry == "gaming":
            s["text"] += " (gaming: only after a workaround is in place, in a maintenance window; a restart drops players)"
        if IP_CHANGE.search(s["text"]) and industry == "iot":
            s["text"] += " (IoT: keep the same IP addresses; devices may have them pinned)"
    return steps[:limit]
