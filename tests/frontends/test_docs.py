"""``python -m bench docs``: the documents' measured numbers are rendered from the committed
runs, a stale or unsourced number is named by file and line, and the numbers that are not
measurements match the code they come from."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.frontends import docs
from bench.presentation import rendering
from bench.presentation.rendering import Committed
from tests import ROOT


def committed_run(run_id: str, values: Sequence[tuple[float, float, float]], *, day: int = 1) -> Committed:
    """A run of the answering preset whose headline figures have ``values`` (ratio, low, high)."""
    figures = tuple(
        {"id": fid, "n": 5, "size": 1000, "ratio": r, "low": lo, "high": hi, "what": fid}
        for (fid, _), (r, lo, hi) in zip(rendering.HEADLINE, values, strict=True)
    )
    stamp = f"2026-11-{day:02d}T10:00:00+00:00"
    return Committed(run_id, rendering.ANSWER_PRESET, stamp, stamp, "a machine", {"stopped": "met"}, figures)


#: Two made-up runs, for the tests that doctor the documents (rendering the committed runs
#: takes a whole report each: the command's own test, in test_readme_bench, runs it on them).
RUNS = [
    committed_run("a", [(1.30, 1.20, 1.41), (1.00, 0.90, 1.10), (1.10, 1.02, 1.20)], day=1),
    committed_run("bb", [(1.51, 1.40, 1.62), (1.15, 1.05, 1.25), (1.05, 0.97, 1.14)], day=2),
]


def copy_of_docs(tmp_path: Path, runs: Sequence[Committed] | None = RUNS) -> Path:
    """README.md and docs/ copied (to be doctored), rendered from ``runs`` (None: from the
    committed runs, data/reference/ linked)."""
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "reference").symlink_to(ROOT / "data" / "reference")
    if runs is not None:
        docs.write(tmp_path, runs=runs)
    return tmp_path


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the first line of ``path`` that holds ``needle``."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_every_number_in_the_prose_of_the_repository_has_a_source() -> None:
    used: set[docs.Given] = set()
    problems = []
    for path in docs.documents(ROOT):
        text = (ROOT / path).read_text()
        problems += docs.regions(path, text.splitlines())[1]
        if path not in rendering.WHOLE:
            problems += docs.unsourced(path, text, docs.GIVEN, used)
    assert not problems, "\n".join(map(str, problems))
    assert used == set(docs.GIVEN), f"no document uses {set(docs.GIVEN) - used}"


def test_the_readme_renders_the_answer_and_results_every_committed_run() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "<!-- bench docs: answer -->" in readme
    results = (ROOT / "docs" / "results.md").read_text()
    for run in sorted((ROOT / "data" / "reference").iterdir()):
        if run.is_dir():
            assert f"`{run.name}`" in results


def stale_answer(readme: Path) -> int:
    """Change the first estimate in the README's answer region; the line changed."""
    lines = readme.read_text().splitlines()
    start = lines.index("<!-- bench docs: answer -->")
    i = next(i for i in range(start, len(lines)) if re.search(r"\d\.\d\d \[", lines[i]))
    lines[i] = re.sub(r"(\d)\.(\d\d) \[", lambda m: f"{(int(m.group(1)) + 1) % 10}.{m.group(2)} [", lines[i], count=1)
    readme.write_text("\n".join(lines) + "\n")
    return i + 1


UNSOURCED = "Flask took 1.7x as long here."


def unsourced_line(page: Path) -> int:
    """Add a sentence with a made-up measurement to ``page``'s prose; its line."""
    text = page.read_text()
    page.write_text(text.replace("\n\n", f"\n\n{UNSOURCED}\n\n", 1))
    return line_of(page, UNSOURCED)


def test_a_stale_number_and_an_unsourced_one_are_named_by_file_and_line(tmp_path: Path) -> None:
    root = copy_of_docs(tmp_path)
    stale = stale_answer(root / "README.md")
    added = unsourced_line(root / "docs" / "method.md")
    found = {(str(p.path), p.line): p.message for p in docs.check(root, runs=RUNS)}
    assert set(found) == {("README.md", stale), ("docs/method.md", added)}, found
    assert "'answer' is stale" in found["README.md", stale]
    assert "'1.7x' looks measured" in found["docs/method.md", added]


def test_a_changed_rendered_page_and_a_region_that_never_closes_are_named(tmp_path: Path) -> None:
    root = copy_of_docs(tmp_path)
    results = root / "docs" / "results.md"
    results.write_text(results.read_text().replace("## The committed runs", "## Runs"))
    presets = root / "docs" / "presets.md"
    presets.write_text(presets.read_text().replace("<!-- /bench docs -->\n", "", 1))
    found = {(str(p.path), p.line) for p in docs.check(root, runs=RUNS)}
    assert ("docs/results.md", line_of(results, "## Runs")) in found
    assert ("docs/presets.md", line_of(presets, "<!-- bench docs: presets -->")) in found


def test_write_renders_again_what_went_stale(tmp_path: Path) -> None:
    root = copy_of_docs(tmp_path)
    rendered = (root / "README.md").read_text()
    stale_answer(root / "README.md")
    assert docs.write(root, runs=RUNS) == [Path("README.md")]
    assert (root / "README.md").read_text() == rendered
    assert docs.check(root, runs=RUNS) == []


def test_an_allowance_no_document_uses_is_reported(tmp_path: Path) -> None:
    root = copy_of_docs(tmp_path)
    extra = docs.Given("4.2x, nowhere", "a test")
    problems = docs.check(root, given=(*docs.GIVEN, extra), runs=RUNS)
    assert [p.message for p in problems] == ["GIVEN '4.2x, nowhere' is used by no document"]


@pytest.mark.parametrize(
    "prose",
    ["it took 3 min 2 s", "a 12% gap", "FastAPI was 1.3x faster", "about 46.2 requests/s", "peak 3.5 GB", "0.83"],
)
def test_numbers_that_look_measured(prose: str) -> None:
    assert docs.unsourced(Path("x.md"), prose + "\n", (), set())


@pytest.mark.parametrize(
    "prose",
    [
        "n=5 tasks at size 1000 on port 8000",
        "gunicorn gthread 2x4, uvicorn x2",
        "`--duration 10` and `-t 60s` in code",
        "listens on 127.0.0.1, version 0.3.31",
        "```sh\nsleep 5 s\n```",
        "<!-- bench docs: answer -->\n1.49 [1.34, 1.58]\n<!-- /bench docs -->",
    ],
)
def test_numbers_that_do_not(prose: str) -> None:
    assert docs.unsourced(Path("x.md"), prose + "\n", (), set()) == []


def given(text: str) -> docs.Given:
    return next(g for g in docs.GIVEN if g.text == text)


def number(g: docs.Given) -> float:
    return float(re.findall(r"\d+(?:\.\d+)?", g.text)[0])


def test_the_given_parameters_are_the_codes() -> None:
    import tomllib

    from bench.frontends import explore
    from servers import memory, worktime

    assert number(given("85% of the memory available now")) / 100 == memory.USABLE_SHARE
    assert number(given("exceeds 600 s")) == number(given("up to 600 s")) == worktime.DEFAULT_LIMIT_S
    assert number(given("within a factor of 1.3")) == explore.TOLERANCE
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"].startswith(f">={given('Python 3.11').text.split()[-1]},")
    free_threaded = given("the free-threaded 3.13").text.split()[-1]
    assert f"Programming Language :: Python :: {free_threaded}" in project["classifiers"]
    assert f"DEBIAN_SOURCE=python{free_threaded}" in (ROOT / "scripts" / "freethreaded.sh").read_text()


def test_several_runs_render_each_estimate_and_the_range_across_them() -> None:
    answer = rendering.answer(RUNS).splitlines()
    isolated = next(line for line in answer if "`headline.isolated`" in line)
    assert "| 1.30 to 1.51 (2 runs) | 2 of 2 | 1.30 [1.20, 1.41]; 1.51 [1.40, 1.62] |" in isolated
    back = next(line for line in answer if "`headline.back_to_back`" in line)
    assert "| 1.00 to 1.15 (2 runs) | 1 of 2 |" in back
    assert "in 2 committed runs of the `quick` preset (made between" in answer[0]
    assert answer[-1].endswith("in the runs that measured it: Flask not measured, FastAPI not measured.")
    table = rendering.results(RUNS)
    assert (
        "| `headline.server_cpu` | 5 | 1000 | 1.05 to 1.10 (2 runs) | 1.10 [1.02, 1.20] | 1.05 [0.97, 1.14] |" in table
    )
    assert "run 1 `a`, run 2 `bb`" in table


def test_a_figure_one_run_lacks_is_said_not_measured() -> None:
    one = committed_run("a", [(1.3, 1.2, 1.4)] * 3)
    other = Committed("b", one.preset, one.started_at, one.ended_at, "m", {}, one.figures[:1])
    table = rendering.figures_table([one, other])
    row = next(line for line in table.splitlines() if "`headline.server_cpu`" in line)
    assert row.count("not measured") == 1 and "(1 run)" in row


@pytest.mark.slow
def test_the_command_exits_1_naming_the_lines_then_renders_them(tmp_path: Path) -> None:
    root = copy_of_docs(tmp_path, runs=None)
    stale = stale_answer(root / "README.md")
    added = unsourced_line(root / "docs" / "method.md")
    check = [sys.executable, "-m", "bench", "docs", "--check", "--root", str(root)]
    r = subprocess.run(check, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"README.md:{stale}: region 'answer' is stale" in r.stderr
    assert f"docs/method.md:{added}: '1.7x' looks measured" in r.stderr
    (root / "docs" / "method.md").write_text((ROOT / "docs" / "method.md").read_text())
    write = [sys.executable, "-m", "bench", "docs", "--root", str(root)]
    w = subprocess.run(write, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert w.returncode == 0 and "rendered: README.md" in w.stdout, w.stdout + w.stderr
    assert (root / "README.md").read_text() == (ROOT / "README.md").read_text()


def test_a_time_in_seconds_keeps_its_digits_and_a_ratio_two_decimals() -> None:
    assert [rendering.ratio(v) for v in (0.00268, 0.26, 1.0, 1.4851, None)] == ["0.0027", "0.26", "1.00", "1.49", "n/a"]
