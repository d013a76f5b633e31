"""The form's timeline chart for a Chinese case: its labels in Chinese, drawn with a font whose
character map has the characters (matplotlib's findfont for each family of each label, and
no 'Glyph missing' warning when the figure is drawn). The CJK font is installed the way
Chromium is (the `cjk_font` fixture: apt-get where root, else a skip). The same check on a
chart forced to a font without Chinese glyphs fails, so it can fail; without any CJK font the
chart falls back to English labels."""
from __future__ import annotations

import functools
import re
import subprocess
import sys
import warnings
from datetime import datetime, timezone

import pytest

from conftest import ROOT

pytest.importorskip("matplotlib")
pytest.importorskip("ipywidgets")

ZT01 = ROOT / "eval" / "cases" / "tune" / "EVAL-ZT01.md"  # Traditional Chinese, the case of notebook 06
ZS = ROOT / "eval" / "cases" / "tune" / "EVAL-ZT03.md"  # Simplified Chinese
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
METRICS = "2026-04-10T17:00 12\n2026-04-10T17:10 11\n2026-04-10T17:20 96\n2026-04-10T17:30 97\n2026-04-10T17:40 12"


@functools.lru_cache(maxsize=None)
def charmap(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def missing_glyphs(fig) -> list[str]:
    """What the figure cannot draw: each Han character of a text whose fonts (findfont for each
    family of the text's family list, the fallback order matplotlib draws with) all lack it,
    and every 'Glyph ... missing from font(s)' warning matplotlib gives while drawing."""
    from matplotlib import font_manager as fm
    from matplotlib.text import Text

    missing = []
    for text in fig.findobj(Text):
        chars = sorted(set(HAN.findall(text.get_text())))
        if not chars:
            continue
        files = []
        for family in text.get_fontfamily():
            prop = text.get_fontproperties().copy()
            prop.set_family(family)
            files.append(fm.findfont(prop))
        missing += [f"{c} of {text.get_text()!r} in {files}" for c in chars if not any(ord(c) in charmap(f) for f in files)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return missing + [str(w.message) for w in caught if "missing from font" in str(w.message)]


def chart_of(case, tmp_path):
    from casekit.widgets import SoapApp

    app = SoapApp(index_dir=tmp_path / "no-index", case=case)  # no draft: the opening and the metrics
    app.metrics.value = METRICS
    return app, app.plot()


def titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def test_a_chinese_case_chart_speaks_chinese_in_a_font_that_has_the_glyphs(cjk_font, tmp_path):
    import matplotlib.pyplot as plt

    from casekit.documents.chart import cjk_family
    from casekit.i18n import catalogue

    family = cjk_family()
    assert family, f"fontconfig lists {cjk_font} but matplotlib found no CJK family"
    for case, language in ((ZT01, "zh-Hant"), (ZS, "zh-Hans")):
        app, fig = chart_of(case, tmp_path)
        try:
            t = catalogue(language)
            assert app.language == language
            assert titles(fig) == [t["chart.timeline"], t["chart.metrics"]], titles(fig)
            texts = [x.get_text() for x in fig.findobj(lambda a: hasattr(a, "get_text"))]
            assert any(x.startswith(t["chart.opened"] + "\n") for x in texts) and t["chart.abnormal"] in texts, texts
            assert fig.axes[0].title.get_fontfamily()[-1] == family
            assert missing_glyphs(fig) == []
        finally:
            plt.close(fig)


def test_quoted_chinese_on_an_english_chart_falls_back_to_the_cjk_font(cjk_font):
    """An English case's chart keeps English labels and the default font for Latin text; a
    quoted Chinese line among its events is drawn by the CJK font (matplotlib's fallback)."""
    import matplotlib.pyplot as plt

    from casekit.documents.chart import timeline_figure

    when = datetime(2026, 4, 10, 9, 21, tzinfo=timezone.utc)
    fig = timeline_figure([(when, "錯誤：連線逾時 i/o timeout")], [], "Asia/Taipei", "en", opened=when)
    try:
        assert titles(fig) == ["Timeline (axis in UTC)"]
        assert missing_glyphs(fig) == []
    finally:
        plt.close(fig)


def test_the_glyph_check_fails_on_a_font_without_chinese_glyphs(tmp_path, monkeypatch):
    """The assertion above can fail: the same chart with DejaVu Sans (installed with matplotlib,
    no Han glyphs) standing in as the CJK font has Chinese labels that no font draws."""
    import matplotlib.pyplot as plt

    from casekit.documents import chart

    monkeypatch.setattr(chart, "cjk_family", lambda: "DejaVu Sans")
    _, fig = chart_of(ZT01, tmp_path)
    try:
        assert fig.axes[0].get_title() == "時間軸（橫軸為 UTC）"
        missing = missing_glyphs(fig)
        assert any(m.startswith("時 of ") for m in missing) and any("missing from font" in m for m in missing), missing
    finally:
        plt.close(fig)


def test_without_a_cjk_font_a_chinese_chart_keeps_english_labels(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from casekit.documents import chart

    monkeypatch.setattr(chart, "cjk_family", lambda: None)
    app, fig = chart_of(ZT01, tmp_path)
    try:
        assert app.language == "zh-Hant"  # the form stays Chinese; the browser has its own fonts
        assert titles(fig) == ["Timeline (axis in UTC)", "Metrics (abnormal window shaded)"]
        assert missing_glyphs(fig) == []
    finally:
        plt.close(fig)


def test_import_casekit_and_the_chart_module_load_no_matplotlib():
    code = ("import sys, casekit, casekit.documents.chart, casekit.widgets; "
            "print([m for m in ('matplotlib', 'matplotlib.pyplot') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "[]", (out.stdout, out.stderr[-500:])
