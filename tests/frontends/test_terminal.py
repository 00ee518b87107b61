"""What a user sees in the terminal: make article's progress and result without a library's
noise, and make test's closing lines (its time, then the counts CI reads)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from bench.frontends import notebook
from tests import ROOT, tally
from tests.terminal import noise


def test_noise_is_a_library_s_warning_or_a_bar_redrawn_in_place():
    said = [
        "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication ...",
        "[NbConvertApp] WARNING | Alternative text is missing on 11 image(s).",
        "/x.py:3: DeprecationWarning: the old way",
        "Executing:  20%|██        | 9/45 [00:07<00:19,  1.85cell/s]",
    ]
    progress = ["[1:02] 2. Measured properly", "smoke run: 19/196 trials in 10 s (flask/process article/gather)"]
    assert noise("\n".join(said + progress)) == said


def test_a_section_is_a_level_one_or_two_heading_of_a_markdown_cell():
    md = nbformat.v4.new_markdown_cell
    assert notebook.heading(md("Some prose.\n## 2. Measured properly\nmore")) == "2. Measured properly"
    assert notebook.heading(md("# The title")) == "The title"
    assert notebook.heading(md("### Did the tasks run in parallel?")) is None
    assert notebook.heading(md("#hashtag")) is None
    assert notebook.heading(nbformat.v4.new_code_cell("## 2. a comment")) is None


def test_parameters_are_read_as_papermill_s_command_line_reads_them():
    assert [notebook.value(t) for t in ("3", "0.5", "True", "None", "smoke", "/data/runs")] == [
        3,
        0.5,
        True,
        None,
        "smoke",
        "/data/runs",
    ]


def figure_cell(alt: str | None) -> nbformat.NotebookNode:
    metadata = "" if alt is None else f", metadata={{'image/png': {{'alt': {alt!r}}}}}"
    source = f"""
        %matplotlib inline
        from IPython.display import display
        from matplotlib.figure import Figure
        fig = Figure(figsize=(2, 2))
        fig.add_subplot().plot([0, 1], [x, 2 * x])
        display(fig{metadata})
        """
    return nbformat.v4.new_code_cell(textwrap.dedent(source))


def small_notebook(path: Path, *, alt: str | None) -> Path:
    """A notebook with a parameter ``x``, two sections, a figure (with ``alt`` as its
    alternative text) and a cell that fails unless x == 2."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A small article"),
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_markdown_cell("## 1. A figure"),
        figure_cell(alt),
        nbformat.v4.new_markdown_cell("## 2. A check"),
        nbformat.v4.new_code_cell("assert x == 2, f'x is {x}, not 2'"),
    ]
    nbformat.write(nb, path)
    return path


def execute(source: Path, target: Path, x: int) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bench.frontends.notebook", str(source), str(target), "--cwd", str(source.parent)]
    return subprocess.run([*command, "-p", "x", str(x)], capture_output=True, text=True, timeout=180, cwd=ROOT)


def to_html(build: Path) -> subprocess.CompletedProcess[str]:
    """make article's conversion of ``build``/article.ipynb, both pages."""
    command = ["make", "--no-print-directory", "-j2", "article-html", "article-reader-html", f"BUILD={build}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=ROOT)


@pytest.mark.slow
def test_a_figure_without_alternative_text_is_noise_and_a_failing_cell_fails_the_command(tmp_path):
    source = small_notebook(tmp_path / "small.ipynb", alt=None)
    build = tmp_path / "build"
    build.mkdir()
    failed = execute(source, build / "article.ipynb", x=3)
    assert failed.returncode == 1
    assert "AssertionError: x is 3, not 2" in failed.stderr and "a cell failed" in failed.stderr, failed.stderr
    html = to_html(build)  # what ran up to the failing cell: the figure, without alternative text
    assert any("Alternative text is missing" in line for line in noise(html.stdout + html.stderr)), html.stderr


#: A JUnit XML report as pytest's --junitxml writes it (xdist's too): 2 passed, 1 failed, 1
#: error, 2 skipped (pytest reports an expected failure as skipped).
JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest"
errors="1" failures="1" skipped="2" tests="6" time="1.5" timestamp="2026-12-01T10:00:00" hostname="h">
<testcase classname="tests.test_some" name="test_a" time="0.1" /></testsuite></testsuites>"""


def junit_report(folder: Path) -> Path:
    report = folder / "report.xml"
    report.write_text(JUNIT)
    return report


def test_the_tally_sums_every_call_and_ends_with_the_counts_alone_on_its_line(tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    reports = [junit_report(first), junit_report(second)]
    assert tally.counts(reports[0]) == {"passed": 2, "failed": 2, "skipped": 2}
    assert tally.main(["--seconds", "252", *map(str, reports)]) == 0
    assert capsys.readouterr().out.splitlines() == ["make test: 4 min 12 s", "tests: 4 passed, 4 failed, 4 skipped"]
    assert tally.main(["--seconds", "9", str(reports[0]), str(tmp_path / "missing.xml")]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[-1] == "tests: 2 passed, 2 failed, 2 skipped" and "missing.xml" in err
