"""The explorer in a real JupyterLab: ``make lab`` in a clone of the repository, Debian's
Chromium driven by Playwright, Run All, then two configurations run from the panel's own
widgets (one whose tasks overlap, one whose tasks do not)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from bench.frontends.explore import COLUMNS
from tests import ROOT
from tests.conftest import chromium
from tests.doc_commands import BIN, stop

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (it is in the lock's dev extra)")
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

#: JupyterLab and a browser: slow (make test-fast does not import this file).
pytestmark = pytest.mark.slow

#: How long the explorer may take to start its servers and run its demo, and one run.
RUN_ALL_S = 180
ONE_RUN_S = 60


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``make lab`` in a fresh clone (the project's environment, no install): its URL, and the clone."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--local", str(ROOT), str(clone)], check=True)
    for name in ("requirements.lock", "pyproject.toml"):  # older than the environment: make installs nothing
        os.utime(clone / name, (0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    env.update(PATH=f"{BIN}{os.pathsep}{env['PATH']}")
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_WORKSPACES_DIR", "JUPYTERLAB_SETTINGS_DIR"):
        env[name] = str(tmp_path / "jupyter" / name.lower())
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"VENV={BIN.parent}", "LAB_ARGS=--no-browser"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        seen: list[str] = []
        deadline = time.monotonic() + 90
        url = None
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline()
            seen.append(line)
            found = re.search(r"(http://127\.0\.0\.1:\d+/lab\?token=\w+)", line)
            url = found.group(1) if found else None
        assert url is not None, "".join(seen)[-3000:]
        yield url, clone
    finally:
        stop(proc, signal.SIGTERM)  # JupyterLab asks before it stops on one Ctrl-C
        if proc.stdout is not None:
            proc.stdout.close()


def panel_state(page: Page) -> dict[str, object]:
    """The panel's status line, its timeline image (the data URL's length and tail) and its
    history table's rows (the first cells of each)."""
    return page.evaluate(
        """() => {
        const box = document.querySelector('.widget-vbox');
        if (!box) return {status: '', image: '', rows: []};
        const labels = [...box.querySelectorAll('.widget-label')].map(e => e.textContent);
        const img = box.querySelector('.widget-output img');
        const rows = [...box.querySelectorAll('.widget-output table tbody tr')].map(
            tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim()));
        return {status: labels.find(t => / done in | failed /.test(t)) || '',
                image: img ? img.src.length + ':' + img.src.slice(-64) : '', rows: rows};
    }"""
    )


def run_from_the_panel(page: Page, *, strategy: str, workload: str, size: int) -> dict[str, object]:
    """Set the panel's strategy, workload and size, press Run, and wait for its new answer."""
    before = panel_state(page)
    box = page.locator(".widget-vbox").first
    box.locator("select").nth(0).select_option(strategy)
    box.locator("select").nth(1).select_option(workload)
    size_box = box.locator("input[type=number]").first
    size_box.fill(str(size))
    size_box.press("Enter")
    box.get_by_role("button", name="Run").click()

    def answered() -> bool:
        now = panel_state(page)
        return len(now["rows"]) > len(before["rows"]) and "done in" in str(now["status"])  # type: ignore[arg-type]

    deadline = time.monotonic() + ONE_RUN_S
    while not answered() and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    after = panel_state(page)
    assert answered(), f"no answer to Run within {ONE_RUN_S} s: {after}"
    assert after["image"] and after["image"] != before["image"], "Run drew no new timeline"
    return after


def test_the_explorer_runs_in_jupyterlab_and_draws_what_its_run_button_asks(lab, tmp_path):
    url, clone = lab
    browser_path = chromium()
    if browser_path is None:
        pytest.skip("no Chromium, and it could not be installed here (needs root and Debian's apt)")
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url.replace("/lab?", "/lab/tree/explore.ipynb?"))
            page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
            expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=60_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            deadline = time.monotonic() + RUN_ALL_S
            while not panel_state(page)["rows"] and time.monotonic() < deadline:
                page.wait_for_timeout(500)
            assert panel_state(page)["rows"], f"Run All drew no history within {RUN_ALL_S} s"
            overlapping = run_from_the_panel(page, strategy="gather", workload="sleep", size=200)
            one_by_one = run_from_the_panel(page, strategy="sequential", workload="sleep", size=200)
            page.keyboard.press("Control+s")
            expect(page.locator(".jp-mod-dirty")).to_have_count(0, timeout=30_000)  # saved
        finally:
            browser.close()
    rows = one_by_one["rows"]
    assert len(rows) == len(overlapping["rows"]) + 1  # type: ignore[arg-type]
    column, cpu = COLUMNS.index("overlap"), COLUMNS.index("parallelism")
    gathered, one_after_another = rows[-2], rows[-1]  # type: ignore[index]
    # gathered waits are in progress at once (overlap) without running at once (a wait uses no CPU)
    assert gathered[COLUMNS.index("strategy")] == "gather" and float(gathered[column]) > 2.5, gathered
    assert float(gathered[cpu]) < 1.0, gathered
    assert one_after_another[COLUMNS.index("strategy")] == "sequential" and float(one_after_another[column]) < 1.2, (
        one_after_another
    )
    assert not errors, f"the page's console had errors: {errors}"
    saved = nbformat.read(clone / "lab" / "explore.ipynb", as_version=4)
    assert any(c.get("outputs") for c in saved.cells if c.cell_type == "code"), "JupyterLab saved the outputs"
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True)
    assert status.stdout == "", f"running the explorer in make lab changed the repository: {status.stdout}"
