"""A real browser on the real JupyterLab: open a notebook in Debian's Chromium (driven by
Playwright, no browser download) and run it. The walkthrough: type into the form, click Draft,
and check that the rendered assessment's citations open their sources. The living case: click
an answer to the next question and see the ranking change. Each saves a screenshot."""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, apt_install

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROME_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def chromium() -> str:
    """Debian's Chromium; the test setup installs it with apt-get where it can (root)."""
    apt_install("chromium", lambda: shutil.which("chromium"))
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws"),
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    # render every cell (JupyterLab 4 skips off-screen cells by default, which hides them from a test)
    settings = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
                             "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                             *(["--allow-root"] if os.geteuid() == 0 else [])],
                            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("JupyterLab did not start: " + (tmp_path / "lab.log").read_text()[-2000:])
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_for_kernel(base: str, token: str, name: str, timeout: float = 180) -> None:
    """Until the notebook's kernel exists and is idle (the REST API, not the page, says so)."""
    import json

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sessions = json.load(urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=5))
        for sess in sessions:
            if sess.get("path", "").endswith(name) and (sess.get("kernel") or {}).get("execution_state") == "idle":
                time.sleep(2)
                return
        time.sleep(1)
    pytest.fail(f"no idle kernel for {name} after {timeout} s")


@contextlib.contextmanager
def notebook_run_in_browser(lab, notebook: str, shot_name: str, form_timeout: int, shot_dir: Path = ARTIFACTS):
    """A copy of `notebook` opened in JupyterLab in Chromium, every cell run; yields (page,
    form, screenshot path under `shot_dir`). A failure leaves browser-failure.png; the copy
    is removed."""
    from playwright.sync_api import sync_playwright

    exe = chromium()
    base, token = lab
    name = f"zz-browser-test-{secrets.token_hex(4)}.ipynb"
    copy = ROOT / "notebooks" / name
    shutil.copy(ROOT / "notebooks" / notebook, copy)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot_dir.mkdir(parents=True, exist_ok=True)
    shot = shot_dir / shot_name
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROME_FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(60_000)
                page.goto(f"{base}/lab/tree/notebooks/{name}?token={token}")
                page.wait_for_selector(".jp-Notebook", timeout=120_000)
                wait_for_kernel(base, token, name)
                page.get_by_text("Run", exact=True).first.click()
                page.locator("li[data-command='runmenu:run-all']").click()
                form = page.locator(".casekit-soap")
                form.wait_for(state="attached", timeout=form_timeout)
                yield page, form, shot
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "browser-failure.png"), full_page=True)
                raise
            finally:
                browser.close()
    finally:
        copy.unlink(missing_ok=True)
        (ROOT / "notebooks" / ".ipynb_checkpoints" / name.replace(".ipynb", "-checkpoint.ipynb")).unlink(missing_ok=True)
    assert shot.exists() and shot.stat().st_size > 10_000


def test_walkthrough_in_a_real_browser(lab, tmp_path):
    with notebook_run_in_browser(lab, "01-walkthrough.ipynb", "browser-walkthrough.png", 300_000) as (page, form, shot):
        form.scroll_into_view_if_needed()
        title = form.locator(".widget-text", has_text="Title").locator("input")
        title.fill("Lobby tasks fail to start after subnet change (typed in the browser)")
        page.locator(".casekit-cite").first.wait_for(state="attached", timeout=600_000)  # the notebook's draft cell
        draft_button = form.get_by_role("button", name="Draft assessment")
        draft_button.scroll_into_view_if_needed()
        draft_button.click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.casekit-statement')].some(e => e.textContent.includes('Summary.'))",
            timeout=300_000)
        cite = form.locator(".casekit-cite").first
        cite.scroll_into_view_if_needed()
        label = cite.inner_text().strip()
        cite.click()
        source = form.locator(".casekit-source")
        source.wait_for(state="attached", timeout=30_000)
        text = source.inner_text()
        assert text.startswith(label) and len(text) > 80, text[:200]
        assert "CASE-" in form.inner_text() or "docs/" in form.inner_text()
        form.scroll_into_view_if_needed()
        page.screenshot(path=str(shot), full_page=False)


def hypothesis_order(form) -> list[str]:
    """The form's hypotheses as displayed, most likely first ('application / customer', ...)."""
    texts = form.locator(".casekit-statement").all_inner_texts()
    return [m.group(1) for t in texts if (m := re.match(r"H\d+ (\S+ / \S+),", t.strip()))]


def test_living_case_answer_button_changes_the_ranking_in_a_real_browser(lab, tmp_path):
    with notebook_run_in_browser(lab, "05-living-case.ipynb", "browser-living-case.png", 600_000) as (page, form, shot):
        no = form.locator("button.casekit-answer").filter(has_text=re.compile(r"^\s*no\s*$"))
        no.wait_for(state="attached", timeout=600_000)  # the notebook's form has drafted
        before = hypothesis_order(form)
        assert len(before) >= 2 and form.locator(".casekit-changes").count() == 0, before
        no.scroll_into_view_if_needed()
        no.click()
        changes = form.locator(".casekit-changes")
        changes.wait_for(state="attached", timeout=300_000)
        after = hypothesis_order(form)
        text = changes.inner_text()
        lead = before[0].replace(" / ", "/")
        assert after[0] != before[0] and sorted(after) == sorted(before), (before, after)
        assert text.startswith("Since the previous draft: 1 new log entry; answered") and f"ruled out: {lead} (#1" in text, text
        assert "not saved yet" in form.locator(".casekit-log").inner_text()
        changes.scroll_into_view_if_needed()
        page.screenshot(path=str(shot), full_page=False)


# ------------------------------------------------------------------ Chinese glyphs

# Each distinct Han character of the elements matching a selector, drawn alone on a canvas in
# the element's own computed font (so with the browser's font fallback, as the page draws it),
# compared as pixels. A real font gives every character its own image; without a CJK font
# every one is the same missing-glyph box (tofu) or nothing at all. `tofu` is the image of a
# code point no font has (U+10FFFD), drawn the same way.
GLYPHS_JS = """(selector) => {
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (font, ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = font; ctx.textBaseline = 'top'; ctx.fillStyle = '#000';
    ctx.fillText(ch, 8, 8);
    const px = ctx.getImageData(0, 0, 64, 64).data;
    let ink = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) ink++;
    return {image: canvas.toDataURL(), ink};
  };
  const seen = new Map();
  for (const el of document.querySelectorAll(selector)) {
    const st = getComputedStyle(el);
    const font = `${st.fontStyle} ${st.fontWeight} 40px ${st.fontFamily}`;
    for (const ch of el.textContent) {
      if (/\\p{Script=Han}/u.test(ch) && !seen.has(ch) && seen.size < 40) seen.set(ch, font);
    }
  }
  const chars = [...seen.keys()].sort();
  const drawn = chars.map(ch => draw(seen.get(ch), ch));
  const fonts = [...new Set(seen.values())];
  const tofu = draw(fonts[0] || '40px sans-serif', String.fromCodePoint(0x10FFFD)).image;
  return {chars: chars.join(''), fonts,
          distinct: new Set(drawn.map(d => d.image)).size,
          like_tofu: chars.filter((ch, i) => drawn[i].image === tofu).join(''),
          blank: chars.filter((ch, i) => drawn[i].ink === 0).join('')};
}"""


def glyph_problems(page, selector: str) -> tuple[dict, list[str]]:
    """(what GLYPHS_JS measured, what is wrong): empty when the Han characters of `selector`
    are drawn with real glyphs, each its own image, none the missing-glyph box, none blank."""
    r = page.evaluate(GLYPHS_JS, selector)
    n, problems = len(r["chars"]), []
    if n < 8:
        problems.append(f"only {n} Han characters found under {selector!r}")
    if r["distinct"] != n:
        problems.append(f"{n} distinct characters drew only {r['distinct']} distinct images (missing-glyph boxes)")
    if r["like_tofu"]:
        problems.append(f"drawn as the missing-glyph box: {r['like_tofu']}")
    if r["blank"]:
        problems.append(f"drawn blank: {r['blank']}")
    return r, problems


def platform_fonts(page, selector: str) -> list[str]:
    """The fonts Chromium itself used for the text of the first element matching `selector`
    (DevTools' CSS.getPlatformFontsForNode), most glyphs first."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [f["familyName"] for f in sorted(fonts, key=lambda f: -f["glyphCount"])]


SAMPLE = "<h3 class='zh'>主觀：客戶的陳述（症狀）</h3><div class='zh'>客觀：資料、錯誤訊息與指令輸出。大廳服務換到新的私有子網路後拉不到映像檔</div>"


def without_cjk_fontconfig(tmp_path: Path) -> Path:
    """A fontconfig file with every font folder except those holding a font that covers Chinese:
    Chromium started with it has no CJK font, as on a machine without fonts-noto-cjk."""
    from conftest import cjk_font_files

    out = subprocess.run(["fc-list", ":", "file"], capture_output=True, text=True, timeout=60).stdout
    every = {Path(line.strip().rstrip(":")).parent for line in out.splitlines() if line.strip()}
    cjk = {Path(f).parent for f in cjk_font_files()}
    dirs = "".join(f"<dir>{d}</dir>" for d in sorted(every - cjk))
    conf = tmp_path / "fonts-without-cjk.conf"
    conf.write_text(f"<?xml version='1.0'?><!DOCTYPE fontconfig SYSTEM 'fonts.dtd'><fontconfig>{dirs}"
                    f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>")
    return conf


def test_the_glyph_check_tells_real_chinese_glyphs_from_missing_glyph_boxes(cjk_font, tmp_path):
    """The check the Chinese-case test relies on, on a plain page: it passes in Chromium with
    the CJK font, and fails in the same Chromium started without it (fontconfig told to skip
    the font's folder): the assertion can fail."""
    from playwright.sync_api import sync_playwright

    assert cjk_font, "fontconfig lists no font covering Chinese"
    exe = chromium()
    conf = without_cjk_fontconfig(tmp_path)
    with sync_playwright() as p:
        for env, expect_ok in ((None, True), ({**os.environ, "FONTCONFIG_FILE": str(conf)}, False)):
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROME_FLAGS, env=env)
            try:
                page = browser.new_page()
                page.set_content(f"<html><body style='font-family: sans-serif'>{SAMPLE}</body></html>")
                r, problems = glyph_problems(page, ".zh")
                used = platform_fonts(page, "h3.zh")
            finally:
                browser.close()
            print(f"{'with' if expect_ok else 'without'} the CJK font: {r}; Chromium used {used}; problems {problems}")
            if expect_ok:
                assert not problems, (problems, r, used)
            else:
                assert problems and r["distinct"] < len(r["chars"]), (r, used)


def test_chinese_case_form_renders_chinese_glyphs_in_a_real_browser(lab, cjk_font, tmp_path, screenshots):
    """Notebook 06 in JupyterLab in Chromium: its form on the Traditional-Chinese case (Chinese
    headings, labels and buttons), Draft clicked (擬定評估), the Chinese assessment drawn with
    real glyphs, not missing-glyph boxes; the screenshot is kept under the test's tmp dir."""
    with notebook_run_in_browser(lab, "06-chinese-case.ipynb", "browser-chinese-case.png", 600_000,
                                 shot_dir=tmp_path) as (page, form, shot):
        screenshots.append(shot)
        form.locator("h3", has_text="主觀").wait_for(state="attached", timeout=120_000)
        draft_button = form.get_by_role("button", name="擬定評估")
        draft_button.scroll_into_view_if_needed()
        draft_button.click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.casekit-soap .casekit-statement')].some(e => e.textContent.includes('摘要。'))",
            timeout=300_000)
        r, problems = glyph_problems(page, ".casekit-soap h3, .casekit-soap .casekit-statement")
        used = platform_fonts(page, ".casekit-soap h3")
        print(f"Chinese glyphs in the form: {r}; Chromium used {used} for the first heading")
        assert not problems, (problems, r, used)
        form.scroll_into_view_if_needed()
        top = shot.with_name("browser-chinese-form.png")
        page.screenshot(path=str(top), full_page=False)
        screenshots.append(top)
        form.locator(".casekit-statement").first.scroll_into_view_if_needed()
        page.screenshot(path=str(shot), full_page=False)
        chart = form.locator("img").last  # the timeline the Draft button draws, labelled in Chinese
        chart.wait_for(state="attached", timeout=120_000)
        chart.scroll_into_view_if_needed()
        timeline = shot.with_name("browser-chinese-chart.png")
        page.screenshot(path=str(timeline), full_page=False)
        screenshots.append(timeline)
    print(f"screenshots: {top} {shot} {timeline}")
