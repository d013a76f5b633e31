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
"""
from __future__ import annotations

import re

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
