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
def notebook_run_in_browser(lab, notebook: str, shot_name: str, form_timeout: int):
    """A copy of `notebook` opened in JupyterLab in Chromium, every cell run; yields (page,
    form, screenshot path). A failure leaves browser-failure.png; the copy is removed."""
    from playwright.sync_api import sync_playwright

    exe = chromium()
    base, token = lab
    name = f"zz-browser-test-{secrets.token_hex(4)}.ipynb"
    copy = ROOT / "notebooks" / name
    shutil.copy(ROOT / "notebooks" / notebook, copy)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / shot_name
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
