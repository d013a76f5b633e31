"""Language of a text (en, zh-Hant, zh-Hans) and the Chinese names of case sections.

`detect_language(text)` is the one detector: cases, documents and drafts share it.
Only prose votes, so that a Chinese case quoting English error strings is Chinese: code
(fenced blocks, `inline`), URLs, lines that start with a timestamp (pasted logs) and
machine tokens (with digits or inner punctuation: `1.2.3.4:443`, `time(s):`, paths,
CamelCaseErrors) are left out. A Han character weighs `HAN_WEIGHT` Latin letters (a
Chinese word is about 1.7 characters, an English one about 5 letters); the text is
Chinese when Han characters make up at least `CJK_SHARE` of the weighted letters (about
8% of the raw letters) and there are at least `MIN_CJK` of them. The script is chosen by
counting characters that exist only in Traditional or only in Simplified Chinese (ties go
to zh-Hant).

`canonical_section(heading)` maps a heading as written ('客觀', 'Subjective (主觀)',
'計畫：', 'objective') to its canonical English name, or None for other headings.

`normalize_text(text)` is the matching copy of a text, and `Rx` a regular expression that
reads case text through it (see "Matching case text" below): every cue, sign and
identifier pattern of casekit is an `Rx`, so English and Chinese case text, full-width
digits and ASCII tokens inside Chinese sentences are read the same way everywhere.
"""
from __future__ import annotations

import re
import sys
from typing import Iterable, Iterator

HAN_WEIGHT = 3  # one Han character counts as this many Latin letters
CJK_SHARE = 0.2  # weighted Han characters / (weighted Han characters + Latin prose letters)
MIN_CJK = 3  # fewer Han characters than this never make a text Chinese
SAMPLE = 100_000  # characters read: a language shows long before a 50 MB pasted log ends

# (Traditional-only, Simplified-only): common characters that differ between the scripts.
# Pairs whose Simplified form is also an ordinary Traditional character (后/後, 里/裡,
# 台/臺, 干/幹, 只/隻, 面/麵, 云/雲, 并/並, 划/劃, 内/內) are left out: they cannot tell.
_PAIRS = (
    "這这 時时 線线 連连 務务 錯错 無无 網网 點点 關关 開开 們们 個个 來来 說说 為为 對对 會会 "
    "發发 現现 問问 題题 經经 過过 還还 進进 與与 體体 實实 應应 設设 機机 據据 資资 訊讯 號号 "
    "碼码 請请 況况 認认 證证 動动 態态 統统 輸输 載载 東东 區区 計计 畫画 測测 試试 啟启 門门 "
    "電电 腦脑 響响 斷断 邊边 當当 間间 從从 數数 變变 雖虽 種种 長长 頁页 話话 記记 錄录 帳账 "
    "戶户 單单 庫库 節节 異异 預预 報报 歷历 嗎吗 處处 將将 讓让 給给 樣样 壓压 類类 產产 業业 "
    "義义 國国 學学 氣气 車车 頭头 見见 組组 結结 約约 紀纪 維维 護护 舊旧 權权 傳传 專专 隊队 "
    "際际 遲迟 達达 選选 擇择 絡络 議议 鑰钥 驗验 擬拟 鏡镜 檔档 憶忆 儲储 顯显 誤误 執执"
)
HANT_ONLY = frozenset(p[0] for p in _PAIRS.split())
HANS_ONLY = frozenset(p[1] for p in _PAIRS.split())

LANGUAGES = ("en", "zh", "zh-Hant", "zh-Hans")
_LANGUAGE_ALIASES = {
    "en": "en", "en-us": "en", "en-gb": "en", "english": "en",
    "zh": "zh", "chinese": "zh",
    "zh-hant": "zh-Hant", "zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "zh-mo": "zh-Hant", "zh-hant-tw": "zh-Hant",
    "zh-hans": "zh-Hans", "zh-cn": "zh-Hans", "zh-sg": "zh-Hans", "zh-hans-cn": "zh-Hans",
}

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_CODE = re.compile(r"^(```|~~~).*?(^\1[ \t]*$|\Z)|`[^`\n]+`|\b(?:https?|s3|ftp)://\S+", re.S | re.M)


def normalize_language(value: str) -> str | None:
    """'zh-TW' -> 'zh-Hant', 'EN' -> 'en', ...; None for a value casekit does not know."""
    return _LANGUAGE_ALIASES.get(str(value).strip().lower().replace("_", "-"))


_LOG_LINE = re.compile(r"^\s*[\[(]?(?:\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}:\d{2}|[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2})", re.M)
_SPLIT = re.compile("[\\s\u3000-\u303f\uff00-\uffef\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"""^[("'\[<]*(?:[A-Za-z\u00c0-\u024f][a-z\u00df-\u024f]*(?:'[a-z]+)?|[A-Z]+s?)[)"'\]>,.;:!?]*$""")


def _prose(text: str) -> str:
    """The text without code, URLs and pasted log lines."""
    text = _CODE.sub(" ", text)
    return "\n".join(line for line in text.split("\n") if not _LOG_LINE.match(line))


def cjk_share(text: str) -> tuple[int, float]:
    """(number of Han characters, their weighted share of the letters) in the prose of `text`."""
    prose = _prose(text[:SAMPLE])
    han = len(_HAN.findall(prose))
    latin = sum(len(w.strip("(\"'[<)]>,.;:!?")) for w in _SPLIT.split(prose) if w and _WORD.match(w))
    weighted = HAN_WEIGHT * han
    return han, (weighted / (weighted + latin) if weighted + latin else 0.0)


def detect_script(text: str) -> str | None:
    """'zh-Hant' or 'zh-Hans' by script-only characters; None when they tie (or are absent)."""
    sample = text[:SAMPLE]
    hant = sum(1 for ch in sample if ch in HANT_ONLY)
    hans = sum(1 for ch in sample if ch in HANS_ONLY)
    if hant == hans:
        return None
    return "zh-Hant" if hant > hans else "zh-Hans"


def detect_language(text: str) -> str:
    """'en', 'zh-Hant' or 'zh-Hans' for a text (see the module docstring)."""
    han, share = cjk_share(text or "")
    if han < MIN_CJK or share < CJK_SHARE:
        return "en"
    return detect_script(text) or "zh-Hant"


# ------------------------------------------------------------------ section headings

SECTION_ALIASES: dict[str, tuple[str, ...]] = {
    "Subjective": ("主觀", "主观", "主訴", "主诉"),
    "Objective": ("客觀", "客观", "徵象", "征象"),
    "Assessment": ("評估", "评估"),
    "Plan": ("計畫", "計劃", "计划"),
    "Resolution": ("解決", "解决", "解決方案", "解决方案"),
    "Log": ("紀錄", "記錄", "纪录", "记录", "日誌", "日志", "工作紀錄", "工作記錄", "工作纪录", "工作记录"),
}
_ALIAS = {name.lower(): name for name in SECTION_ALIASES}
_ALIAS.update({alias: name for name, aliases in SECTION_ALIASES.items() for alias in aliases})
_PARTS = re.compile(r"\s*(?:[(（]|[)）]|/|／|\||｜)\s*")


def canonical_section(heading: str) -> str | None:
    """The canonical English name of a heading as written, or None.

    Case-insensitive; a trailing ':' or '：' is ignored; bilingual headings such as
    'Subjective (主觀)', '主觀（Subjective）' or 'Plan / 計畫' map when their parts agree.
    """
    h = str(heading).strip().rstrip(":：").strip()
    if not h:
        return None
    hit = _ALIAS.get(h.lower())
    if hit:
        return hit
    parts = [p.rstrip(":：").strip().lower() for p in _PARTS.split(h)]
    parts = [p for p in parts if p]
    names = {_ALIAS.get(p) for p in parts}
    if len(parts) >= 2 and len(names) == 1 and None not in names:
        return names.pop()
    return None


def section_key(heading: str) -> str:
    """What two headings must share to name the same section."""
    return (canonical_section(heading) or " ".join(str(heading).split()).rstrip(":：").strip()).lower()


# ------------------------------------------------------------------ matching case text
#
# Python's `re` treats Han characters as word characters, so `\b` does not separate
# 'CannotPullContainerError' from '任務出現' before it, and `\d` is not a full-width digit.
# Case text is therefore matched on a copy (`normalize_text`) with patterns compiled with
# ASCII word semantics (`Rx`): `\b`, `\w`, `\d`, `\s` mean ASCII there, so an ASCII
# token is a word wherever it stands, and the English patterns read English text as before.
# The copy has one character for each character of the text, so a match's offsets are the
# text's offsets and `Rx` answers with the text as written (evidence quotes it verbatim).

# NFKC restricted to the forms that fold to one character: full-width ASCII ('０'-'９',
# '，', '：', '％', '（', '）', 'Ａ'...) and Unicode spaces (ideographic space, no-break spaces).
_WIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_WIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x202F: 0x20, 0x205F: 0x20, **{i: 0x20 for i in range(0x2000, 0x200B)}})

# Simplified -> Traditional for matching: the pairs above, and the characters of casekit's
# words that differ (tests/test_chinese.py checks the knowledge base's words against OpenCC when it is
# installed). A Simplified character that is also an ordinary Traditional one (只, 台, 干,
# 布, 污, 泄, 制, 表, 系...) is not mapped and the cue tables carry both forms; where a
# Simplified character has two Traditional ones the common one in the records is chosen (并 並,
# 尽 盡, 签 籤, 里 裡, 钟 鐘, 周 週). Cue words are written in Traditional.
_MORE_PAIRS = (
    "歸归 丟丢 並并 佇伫 備备 儀仪 盡尽 內内 兩两 刪删 則则 創创 劃划 協协 參参 叢丛 塊块 壞坏 寫写 寬宽 層层 "
    "帶带 幫帮 彈弹 後后 復复 憑凭 拋抛 掛挂 換换 損损 搶抢 擴扩 敗败 於于 暫暂 書书 條条 棄弃 棧栈 標标 "
    "檢检 檻槛 殺杀 決决 沒没 準准 滾滚 滿满 潰溃 灣湾 煩烦 爾尔 牆墙 狀状 獲获 環环 疊叠 監监 盤盘 稱称 "
    "穩稳 籤签 級级 終终 絕绝 綁绑 緊紧 緒绪 緩缓 縮缩 總总 續续 聯联 聽听 臨临 補补 裝装 裡里 規规 觸触 "
    "訪访 許许 評评 誌志 調调 讀读 負负 貯贮 賣卖 賴赖 購购 賽赛 蹤踪 輪轮 週周 運运 遷迁 遺遗 釋释 針针 "
    "銷销 錦锦 鐘钟 閉闭 閒闲 閘闸 閾阈 離离 韓韩 頂顶 須须 頓顿 頻频 額额 飆飙 飽饱 餘余 驟骤"
)
S2T = {ord(p[1]): ord(p[0]) for p in (_PAIRS + " " + _MORE_PAIRS).split() if len(p) == 2 and p[0] != p[1]}
_FOLD = {**_WIDTH, **S2T}


def fold_width(text: str) -> str:
    """Full-width forms and Unicode spaces as ASCII, nothing else ('９８％' -> '98%'): for text
    casekit composes from a match (a metric's name), which keeps the case's script."""
    return text if text.isascii() else text.translate(_WIDTH)


def normalize_text(text: str) -> str:
    """The matching copy of a text: full-width forms and Unicode spaces as ASCII, Simplified
    characters as Traditional. One character for one, so offsets carry over to the text."""
    return text if text.isascii() else text.translate(_FOLD)


class Found:
    """A match of an `Rx`: offsets and groups of the text as written (not of its copy)."""

    __slots__ = ("_m", "string", "re")

    def __init__(self, m: re.Match, string: str, rx: "Rx"):
        self._m, self.string, self.re = m, string, rx

    def _one(self, g, default=None):
        a, b = self._m.span(g)
        return default if a < 0 else self.string[a:b]

    def group(self, *groups):
        if not groups:
            return self._one(0)
        if len(groups) == 1:
            return self._one(groups[0])
        return tuple(self._one(g) for g in groups)

    __getitem__ = group

    def groups(self, default=None) -> tuple:
        return tuple(self._one(g, default) for g in range(1, self._m.re.groups + 1))

    def groupdict(self, default=None) -> dict:
        return {name: self._one(name, default) for name in self._m.re.groupindex}

    def start(self, g=0) -> int:
        return self._m.start(g)

    def end(self, g=0) -> int:
        return self._m.end(g)

    def span(self, g=0) -> tuple[int, int]:
        return self._m.span(g)

    @property
    def lastindex(self):
        return self._m.lastindex

    @property
    def lastgroup(self):
        return self._m.lastgroup

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<Found span={self.span()} match={self.group(0)!r}>"


class Rx:
    """A regular expression that reads case text: compiled with ASCII word semantics and
    matched on `normalize_text(text)`; matches (`Found`) hold the text as written."""

    __slots__ = ("re", "pattern", "flags", "groups", "groupindex")

    def __init__(self, pattern: str, flags: int = 0):
        self.re = re.compile(pattern, flags | re.ASCII)
        self.pattern, self.flags, self.groups, self.groupindex = pattern, self.re.flags, self.re.groups, self.re.groupindex

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Found | None:
        m = self.re.search(normalize_text(text), pos, endpos)
        return Found(m, text, self) if m else None

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Found | None:
        m = self.re.match(normalize_text(text), pos, endpos)
        return Found(m, text, self) if m else None

    def fullmatch(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Found | None:
        m = self.re.fullmatch(normalize_text(text), pos, endpos)
        return Found(m, text, self) if m else None

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[Found]:
        for m in self.re.finditer(normalize_text(text), pos, endpos):
            yield Found(m, text, self)

    def findall(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> list:
        """As `re.findall`: the whole matches, the one group, or tuples of groups."""
        out = []
        for f in self.finditer(text, pos, endpos):
            out.append(f.group(0) if not self.groups else f.group(1) if self.groups == 1 else f.groups(""))
        return out

    def sub(self, repl, text: str, count: int = 0) -> str:
        """As `re.sub` with a function (given a `Found`) or a literal replacement."""
        out, last, n = [], 0, 0
        for f in self.finditer(text):
            if count and n >= count:
                break
            out.append(text[last:f.start()])
            out.append(repl(f) if callable(repl) else repl)
            last, n = f.end(), n + 1
        out.append(text[last:])
        return "".join(out)

    def __repr__(self) -> str:
        return f"Rx({self.pattern[:60]!r})"


def cue(english: str = "", chinese: Iterable[str] = (), flags: int = 0) -> Rx:
    """One pattern for a cue in both languages: an English regex (a leading '(?i)' is kept as
    a flag) and Chinese fragments (plain words or small regexes, in Traditional characters:
    Simplified text reaches them through `normalize_text`), as alternatives. Fragments hold
    no capturing groups, so the English groups keep their numbers."""
    if english.startswith("(?i)"):
        english, flags = english[4:], flags | re.I
    parts = [f"(?:{english})"] if english else []
    zh = sorted(set(chinese), key=lambda w: (-len(w), w))
    if zh:
        parts.append("(?:" + "|".join(zh) + ")")
    return Rx("|".join(parts) or "(?!)", flags)


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def han_count(text: str) -> int:
    return len(_HAN.findall(text))
