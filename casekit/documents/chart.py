"""The timeline chart of a case (the form's Timeline and metrics): the case's events on a UTC
axis, each labelled with its time in the customer's timezone, and the pasted metrics with the
abnormal window shaded. matplotlib loads here, when a chart is drawn, never on `import casekit`.

The chart's own words come from the catalogue of the case's language. Chinese words need a
font with Chinese glyphs, and matplotlib's default (DejaVu Sans) has none: `cjk_family` looks
one up with matplotlib's font manager (a family of `CJK_FAMILIES` first, else any installed
font whose character map holds `PROBE`), and the chart falls back to it for every character
the default font lacks, so quoted Chinese lines render too. Without such a font the chart's
own labels stay English rather than a row of empty boxes. Nothing is downloaded: on Debian,
`apt-get install fonts-noto-cjk` provides one (the test setup installs it).
"""
from __future__ import annotations

import contextlib
import functools
from datetime import datetime
from typing import Any, Iterable

# Families known to cover Chinese, the most common on Linux first (Debian's fonts-noto-cjk
# names its .ttc collections by their first face, "Noto Sans CJK JP"), then macOS and Windows.
CJK_FAMILIES = ("Noto Sans CJK TC", "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK KR", "Noto Sans TC",
                "Noto Sans SC", "Source Han Sans TC", "Source Han Sans SC", "Source Han Sans", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing TW", "AR PL UKai TW", "PingFang TC",
                "PingFang SC", "Heiti TC", "Microsoft JhengHei", "Microsoft YaHei", "SimHei", "Arial Unicode MS",
                "Noto Serif CJK TC", "Noto Serif CJK SC", "Noto Serif CJK JP")
# Characters a chart of a Chinese case writes (its labels in both scripts and common words of
# quoted lines): a font is chosen only when its character map has every one of them.
PROBE = "時間軸指標陰影異常開案时间轴指标阴影异常开单主觀客觀錯誤连接"


def covers(path: str, text: str) -> bool:
    """Whether the font file at `path` (its first face) has a glyph for every character of `text`."""
    from matplotlib.ft2font import FT2Font

    try:
        charmap = FT2Font(str(path)).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(c) in charmap for c in set(text) if not c.isspace())


@functools.lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None. Looked up once per
    process (`cjk_family.cache_clear()` looks again). Fonts installed after matplotlib cached
    its font list are added to its font manager for this process."""
    from matplotlib import font_manager as fm

    found = _pick(fm)
    if found is None:  # matplotlib's cached list may predate the font: scan the system's font folders
        known = {f.fname for f in fm.fontManager.ttflist}
        for path in sorted(set(fm.findSystemFonts()) - known):
            with contextlib.suppress(Exception):
                fm.fontManager.addfont(path)
        found = _pick(fm)
    return found


def _pick(fm: Any) -> str | None:
    files: dict[str, set[str]] = {}
    for f in fm.fontManager.ttflist:
        files.setdefault(f.name, set()).add(f.fname)
    names = sorted(files)
    for name in [n for n in CJK_FAMILIES if n in files] + [n for n in names if n not in CJK_FAMILIES]:
        if not any(covers(path, PROBE) for path in sorted(files[name])):
            continue
        try:  # the file a chart will draw with: the family's regular face
            path = fm.findfont(fm.FontProperties(family=name), fallback_to_default=False)
        except ValueError:
            continue
        if covers(path, PROBE):
            return name
    return None


def chart_fonts(language: str | None) -> tuple[str, list[str]]:
    """(the language the chart's labels are written in, the font families to draw them with):
    the case's language and the default family falling back to a CJK font when one is
    installed; English and the default family when a Chinese case meets no CJK font."""
    import matplotlib

    from ..i18n import catalogue

    default = list(matplotlib.rcParams["font.family"])
    family = cjk_family()
    if family is None:
        return "en", default
    return catalogue(language).language, [*default, family]


def timeline_figure(events: Iterable[tuple[datetime, str]], points: Iterable[tuple[datetime, float]], tz_name: str,
                    language: str | None = "en", opened: datetime | None = None):
    """The chart as a matplotlib Figure (pyplot's, so a notebook shows it with plt.show()):
    `events` are (aware time, label) pairs, `opened` the case's opening time, `points` the
    metrics (aware time, value); labels show each time in `tz_name` as well."""
    import matplotlib.pyplot as plt

    from ..i18n import catalogue
    from ..text.time import zone

    lang, families = chart_fonts(language)
    t, tz = catalogue(lang), zone(tz_name or "UTC")
    events = list(events) + ([(opened, t["chart.opened"])] if opened else [])
    points = sorted(points)
    with plt.rc_context({"font.family": families}):
        fig, axes = plt.subplots(1, 2 if points else 1, figsize=(11 if points else 6, 2.8), squeeze=False)
        ax = axes[0][0]
        for i, (when, label) in enumerate(sorted(events)):
            ax.plot([when], [0], "o")
            ax.annotate(f"{label}\n{when.astimezone(tz):%H:%M} {tz_name}", (when, 0), xytext=(0, 10 + 18 * (i % 3)),
                        textcoords="offset points", fontsize=7, ha="center")
        ax.set_yticks([])
        ax.set_title(t["chart.timeline"])
        if points:
            ax2 = axes[0][1]
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            ax2.plot(xs, ys, "-o")
            mean = sum(ys) / len(ys)
            sd = (sum((y - mean) ** 2 for y in ys) / len(ys)) ** 0.5
            bad = [x for x, y in zip(xs, ys) if sd and abs(y - mean) > sd]
            if bad:
                ax2.axvspan(min(bad), max(bad), color="red", alpha=0.15, label=t["chart.abnormal"])
                ax2.legend()
            ax2.set_title(t["chart.metrics"])
        fig.autofmt_xdate()
    return fig
