"""The notebooks: committed clean, the git filter that keeps them so, and the workshop and the
explorer executed (the article is built by the README's ``make article``: see
tests/commands/test_readme_article.py). Tests read the notebooks as git would commit them, not as a user's
JupyterLab left them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import papermill
import pytest
from nbstripout import strip_output
from papermill.translators import PythonTranslator

from bench.frontends.explore import free_threaded_here
from bench.frontends.workshop import SIZES, sizes
from servers import harness
from tests import ROOT

NOTEBOOKS = ROOT / "notebooks"
NAMES = ["article", "explore", "workshop"]
CELL_TIMEOUT_S = 300
#: What the Makefile's filter strips besides outputs and counts (its NB_STRIP_KEYS).
STRIP_KEYS = re.search(r"^NB_STRIP_KEYS := (.+)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()  # type: ignore[union-attr]


def in_git() -> bool:
    return (ROOT / ".git").exists() and shutil.which("git") is not None


def committed(name: str) -> nbformat.NotebookNode:
    """The notebook as the last commit has it (the working copy outside a git checkout)."""
    path = NOTEBOOKS / f"{name}.ipynb"
    if not in_git():
        return nbformat.read(path, as_version=4)
    text = subprocess.run(
        ["git", "show", f"HEAD:notebooks/{name}.ipynb"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return nbformat.reads(text, as_version=4)


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` as the git filter commits it: no outputs, counts or kernel metadata (in place)."""
    return strip_output(nb, keep_output=False, keep_count=False, keep_id=True, extra_keys=STRIP_KEYS)


def stripped(path: Path) -> nbformat.NotebookNode:
    """``path`` as the git filter would commit it now."""
    return strip(nbformat.read(path, as_version=4))


def test_the_three_notebooks_are_committed_stripped():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES
    for name in NAMES:
        nb = committed(name)
        dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
        assert not dirty, f"{name}.ipynb: cells {dirty} were committed with outputs"
        again = strip(nbformat.from_dict(json.loads(json.dumps(nb))))
        assert again == nb, f"{name}.ipynb was committed without the filter (run make, then git add it again)"
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), name


def test_papermill_reads_every_parameter_with_its_help(caplog):
    """Papermill parses each parameters cell line by line and only warns ("Unable to parse line",
    printed under make article) on a line it cannot read, e.g. one whose comment holds ``=``;
    every assignment must come back as a parameter."""
    for name in NAMES:
        (cell,) = [c for c in committed(name).cells if "parameters" in c.metadata.get("tags", [])]
        assigned = re.findall(r"^(\w+)\s*=", cell.source, re.M)
        with caplog.at_level("WARNING"):
            found = [p.name for p in PythonTranslator.inspect({"source": cell.source})]
        assert found == assigned, f"{name}.ipynb: papermill read {found} of {assigned}"
        assert "Unable to parse" not in caplog.text, caplog.text


@pytest.mark.slow
@pytest.mark.skipif(not in_git(), reason="not a git checkout")
def test_outputs_saved_into_a_notebook_never_reach_a_commit(tmp_path: Path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--local", str(ROOT), str(clone)], check=True)
    venv = ROOT / ".venv"
    subprocess.run(["make", "--no-print-directory", "notebook-filter", f"VENV={venv}"], cwd=clone, check=True)

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=clone, capture_output=True, text=True, check=True).stdout

    path = clone / "notebooks" / "workshop.ipynb"
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):  # what a run and an autosave leave
        cell.execution_count = i + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"output {i}\n")]
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}
    nbformat.write(nb, path)
    assert git("diff") == "", "git diff sees the outputs"
    git("add", "--all")
    assert git("status", "--porcelain") == "", "git add staged the outputs"
    nb.cells[0].source += "\n\nA sentence of mine."  # a real change still shows
    nbformat.write(nb, path)
    git("add", "--all")
    assert git("status", "--porcelain").split() == ["M", "notebooks/workshop.ipynb"]
    assert '"A sentence of mine."' in git("diff", "--cached") and "output 0" not in git("diff", "--cached")


def execute(name: str, tmp_path: Path, notebook: nbformat.NotebookNode | None = None, **parameters) -> Path:
    """Execute ``notebook`` (default: ``name`` as git would commit it) with ``parameters``."""
    source = tmp_path / f"{name}-in.ipynb"
    nbformat.write(notebook if notebook is not None else stripped(NOTEBOOKS / f"{name}.ipynb"), source)
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        str(source),
        str(out),
        parameters=parameters,
        cwd=str(NOTEBOOKS),
        kernel_name="python3",
        progress_bar=False,
        execution_timeout=CELL_TIMEOUT_S,
        log_output=False,
    )
    return out


def images(nb: nbformat.NotebookNode) -> list[dict]:
    return [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]


@pytest.mark.slow
def test_the_explorer_runs_at_the_smoke_preset(tmp_path):
    nb = nbformat.read(execute("explore", tmp_path, preset="smoke"), as_version=4)
    assert images(nb), "explore drew no figure"
    # at the smoke preset it runs under the free-threaded Python where there is one: the
    # history says what the server ran under, and its GIL stayed off
    shown = "".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells for o in c.get("outputs", []))
    if free_threaded_here():
        assert "free-threading" in shown and ">freethreaded<" in shown and ">False<" in shown, shown[-3000:]
    else:
        assert "free-threading" not in shown
    assert not any("ex.close()" in c.source for c in nb.cells if c.cell_type == "code"), "Run All keeps the servers"


# -- the workshop's solutions -------------------------------------------------------------
#: A prediction cell as the workshop gives it (empty: None) or as a learner fills it in.
PREDICTION = re.compile(r"^prediction_(\w+) = (None|[\d.]+)(\s+#.*)?$")
SOLUTION = re.compile(r"<summary>Exercise (\w+)</summary>\s+\*\*([\d.]+)\*\*")


def solutions(nb: nbformat.NotebookNode) -> dict[str, float]:
    """Each exercise's answer, as the solutions at the end of the workshop give it."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return {k: float(v) for k, v in SOLUTION.findall(text)}


def predicting(nb: nbformat.NotebookNode, answers: dict[str, float]) -> nbformat.NotebookNode:
    """The workshop with every prediction cell set to ``answers``."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        found = PREDICTION.match(cell.source.strip()) if cell.cell_type == "code" else None
        if found:
            cell.source = f"prediction_{found.group(1)} = {answers[found.group(1)]}"
    return nb


def verdicts(nb: nbformat.NotebookNode) -> list[str]:
    """Every check's sentence in an executed workshop, in order: printed, or the check cell's value."""
    text = "\n".join(
        o.get("text", "") or o.get("data", {}).get("text/plain", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    return [line for line in text.splitlines() if line.startswith(("Holds:", "Not quite:", "No measured", "Skipped:"))]


def test_the_workshop_gives_each_prediction_one_number_in_its_solutions():
    nb = stripped(NOTEBOOKS / "workshop.ipynb")
    asked = [m.group(1) for c in nb.cells if c.cell_type == "code" for m in [PREDICTION.match(c.source.strip())] if m]
    answers = solutions(nb)
    assert asked and sorted(asked) == sorted(answers), (asked, answers)
    checks = [c for c in nb.cells if c.cell_type == "code" and "check(prediction_" in c.source]
    assert len(checks) == len(asked), "every prediction has its check"


def test_the_exercise_without_the_gil_says_how_to_get_the_interpreter_and_skips_where_there_is_none(
    monkeypatch, capsys
):
    """Its measuring cell, run with the workshop's own setup where the clone has no .venv-ft:
    no request is sent, and the sentence in place of the verdict names ``make freethreaded``."""
    nb = stripped(NOTEBOOKS / "workshop.ipynb")
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    setup = next(c for c in code if "workshop.sizes(" in c)
    cell = next(c for c in code if 'python="freethreaded"' in c)
    monkeypatch.setattr(harness, "free_threaded_python", lambda: None)
    names: dict[str, object] = {"requests_per_exercise": 1, "trials": 2, "scale": 1.0, "prediction_7b": 1.8}
    exec("\n".join(line for line in setup.splitlines() if not line.startswith("%")), names)  # noqa: S102

    class NoRequests:
        def run(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("a request was sent without a free-threaded Python")

    names["ex"] = NoRequests()
    capsys.readouterr()
    exec(cell, names)  # noqa: S102
    said = capsys.readouterr().out.strip()
    assert said.startswith("Skipped:") and "`make freethreaded`" in said and "a7b" not in names


#: Requests per exercise, and task sizes (times the notebook's), where only the verdicts'
#: presence is checked (the notebook's own, for verdicts that must hold, read the fastest of
#: more requests of longer tasks).
FEW_REQUESTS = 2
SMALLER = 0.3


def _workshop_with_its_solutions(tmp_path: Path, **parameters: float) -> list[str]:
    """The workshop run with the solutions entered as predictions (and ``parameters``): every
    check gives its verdict and every exercise draws its timeline; returns the verdicts."""
    nb = stripped(NOTEBOOKS / "workshop.ipynb")
    answers = solutions(nb)
    done = nbformat.read(execute("workshop", tmp_path, predicting(nb, answers), **parameters), as_version=4)
    said = verdicts(done)
    assert len(said) == len(answers), said
    # the exercise without the GIL measures where .venv-ft is, and says how to get it where not
    skipped = [s for s in said if s.startswith("Skipped:")]
    assert len(skipped) == (0 if free_threaded_here() else 1) and all("make freethreaded" in s for s in skipped)
    assert all(s.startswith(("Holds:", "Not quite:")) for s in said if s not in skipped), said
    assert images(done), "the workshop drew no timeline"
    return said


@pytest.mark.slow
def test_the_workshop_runs_with_its_solutions_entered_as_predictions(tmp_path, deep):
    """Every check gives its verdict and every exercise draws its timeline (whether each
    verdict holds is timed: the next test, in ``make test-deep``)."""
    if deep:
        pytest.skip("make test-deep runs the workshop in the next test, alone")
    _workshop_with_its_solutions(tmp_path, requests_per_exercise=FEW_REQUESTS, trials=FEW_REQUESTS, scale=SMALLER)


@pytest.mark.slow
@pytest.mark.alone
def test_the_workshop_s_solutions_hold_when_entered_as_predictions(tmp_path, deep):
    """Every verdict of the solutions holds: a timed check of this machine's two cores, so
    it runs alone and only in ``make test-deep`` (``--deep``), where nothing else runs. On
    2026-12-01 it failed in every run here; on 2026-12-06, with the workshop's Part 1 and
    Exercise 8, it passed three runs in a row, alone (1 min 40 s to 1 min 43 s each)."""
    if not deep:
        pytest.skip("timed on both cores: make test-deep")
    said = _workshop_with_its_solutions(tmp_path)
    wrong = [s for s in said if not s.startswith(("Holds:", "Skipped:"))]
    assert not wrong, f"the solutions' own numbers did not hold: {wrong}"


def test_the_workshop_s_task_sizes_scale_and_refuse_a_scale_of_zero():
    assert sizes() == SIZES and all(1 <= v <= SIZES[w] // 2 + 1 for w, v in sizes(0.5).items())
    assert sizes(1e-9) == dict.fromkeys(SIZES, 1)
    with pytest.raises(ValueError, match="scale must be above 0"):
        sizes(0)
