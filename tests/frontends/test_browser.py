"""The notebooks in a real JupyterLab: ``make lab`` in a clone of the repository, Debian's
Chromium driven by Playwright. The explorer: Run All, then two configurations run from the
panel's own widgets (one whose tasks overlap, one whose tasks do not). The workshop, as a
learner goes through it: Run All on a quick pass, read Part 1's by-hand experiment, then edit
the function of one's own, run it again, and read its speed-ups."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
    # every cell rendered, as a reader scrolling through sees it: by default JupyterLab renders
    # only the cells in view, and a test reads cells far apart
    tracker = (
        Path(env["JUPYTERLAB_SETTINGS_DIR"]) / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    )
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
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
        const code = box.querySelector('pre');
        const rows = [...box.querySelectorAll('.widget-output table tbody tr')].map(
            tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim()));
        return {status: labels.find(t => / done in | failed /.test(t)) || '',
                image: img ? img.src.length + ':' + img.src.slice(-64) : '', rows: rows,
                code: code ? code.textContent : ''};
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

    def answered() -> bool:  # the history's new row, the status and the new timeline (drawn in that order)
        now = panel_state(page)
        grown = len(now["rows"]) > len(before["rows"])  # type: ignore[arg-type]
        return grown and "done in" in str(now["status"]) and bool(now["image"]) and now["image"] != before["image"]

    deadline = time.monotonic() + ONE_RUN_S
    while not answered() and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    after = panel_state(page)
    assert answered(), f"no answer to Run within {ONE_RUN_S} s: {after}"
    assert after["image"] and after["image"] != before["image"], "Run drew no new timeline"
    # the lines above the panel are what the click ran, to copy into a cell
    assert f"ex.run('fastapi', {strategy!r}, {workload!r}, n=4, size={size}," in str(after["code"]), after["code"]
    return after


@contextmanager
def notebook_page(url: str, notebook: str, errors: list[str], *, console: bool = False) -> Iterator[Page]:
    """A Chromium page on ``notebook`` in JupyterLab at ``url``, its notebook shown; the page's
    errors (and its console's, with ``console``) appended to ``errors``; closed on leaving."""
    browser_path = chromium()
    if browser_path is None:
        pytest.skip("no Chromium, and it could not be installed here (needs root and Debian's apt)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            if console:
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url.replace("/lab?", f"/lab/tree/{notebook}?"))
            page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
            yield page
        finally:
            browser.close()


def test_the_explorer_runs_in_jupyterlab_and_draws_what_its_run_button_asks(lab, tmp_path):
    url, clone = lab
    errors: list[str] = []
    with notebook_page(url, "explore.ipynb", errors, console=True) as page:
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


def cell_with(page: Page, text: str):  # noqa: ANN201 -- a Playwright Locator
    """The notebook's code cell whose source holds ``text``."""
    return page.locator(".jp-CodeCell", has=page.locator(".cm-content", has_text=text)).first


def in_view(page: Page, text: str):  # noqa: ANN201 -- a Playwright Locator
    """:func:`cell_with`, scrolled into view: JupyterLab renders only the cells a reader can see."""
    cell = cell_with(page, text)
    cell.scroll_into_view_if_needed()
    return cell


def idle(page: Page, timeout_s: float) -> None:
    """Wait until the kernel is idle (after at least one moment busy)."""
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=timeout_s * 1000)


#: The workshop's quick pass, as a learner on a slow laptop would set it in its first code cell.
QUICK_PASS = "requests_per_exercise = 2\ntrials = 3\nscale = 0.3\n"
#: What the learner types as their own function: a blocking wait, which lets go of the GIL.
THEIR_OWN = (
    "def mine():\n    time.sleep(0.05)\n\n\ndef theirs():\n    time.sleep(0.05)\n\n\n"
    "for name, fn in (('mine', mine), ('theirs', theirs)):\n    harness.register_own(fn, name=name)\n"
)
WORKSHOP_S = 300


def type_into(page: Page, cell_text: str, source: str) -> None:
    """Replace the source of the code cell holding ``cell_text`` with ``source``, as typed."""
    editor = cell_with(page, cell_text).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)


def test_the_workshop_runs_in_jupyterlab_and_measures_a_function_the_learner_edits(lab, tmp_path):
    url, clone = lab
    errors: list[str] = []
    with notebook_page(url, "workshop.ipynb", errors) as page:
        idle(page, 60)
        type_into(page, "requests_per_exercise = ", QUICK_PASS)
        # Part 1 top to bottom, then the cell that makes Part 2's servers; then, skipping the
        # exercises between (the papermill test runs them all), the learner's own function
        cell_with(page, "ex = Explorer(").locator(".cm-content").click()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Above Selected Cell", exact=True).click()
        made = in_view(page, "one_pair = ").locator(".jp-OutputArea-output")
        expect(made.first).to_be_visible(timeout=WORKSHOP_S * 1000)  # Part 1's last cell ran
        cell_with(page, "ex = Explorer(").locator(".cm-content").click()
        page.keyboard.press("Shift+Enter")
        # Part 1, by hand: the code shown, the article's %time, a DataFrame, a plot, the pairs' words
        assert "def multiply" in in_view(page, "article.code()").inner_text()
        assert "Wall time" in in_view(page, "%time r = requests.get(flask.url").inner_text()
        assert in_view(page, "df.head(4)").locator("table").count() == 1
        assert in_view(page, 'values="wall_s").plot(').locator("img").count() == 1
        said = in_view(page, "one_pair = ").inner_text()
        assert "one pair at a time" in said and "too few trials for an interval" in said  # from 3 trials: none
        # the learner's own function: edited, registered again, measured again
        type_into(page, "def mine():", THEIR_OWN)
        page.keyboard.press("Shift+Enter")  # run the edited cell, then the cells that measure it
        for _ in range(2):
            page.keyboard.press("Shift+Enter")
        deadline = time.monotonic() + 180
        while not _waits_together(in_view(page, "own = pd.DataFrame(rows)").inner_text()) and (
            time.monotonic() < deadline
        ):
            page.wait_for_timeout(1000)
        after = in_view(page, "own = pd.DataFrame(rows)").inner_text()
        page.keyboard.press("Control+s")
    # mine now waits: its 4 threads wait together, where its pure-Python version took turns
    assert _waits_together(after), after
    assert not errors, f"the page had errors: {errors}"


def _waits_together(table: str) -> bool:
    """Whether the speed-up table's ``threads`` rows say both functions, behind both
    frameworks, ran their 4 tasks' waits together (above 2.5)."""
    threads = [line.split()[1:3] for line in table.splitlines() if line.split()[:1] == ["threads"]]
    return len(threads) == 2 and all(float(v) > 2.5 for row in threads for v in row)
