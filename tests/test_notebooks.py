"""The notebooks: committed clean, and the workshop and the explorer executed at the smoke
preset (the article is built by the README's ``make article``: see tests/test_readme.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT_S = 300


def test_the_three_notebooks_exist_and_are_committed_without_outputs():
    names = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert names == ["article", "explore", "workshop"]
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        dirty = [
            i
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))
        ]
        assert not dirty, f"{path.name}: cells {dirty} carry outputs; commit notebooks clean"
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), path.name


def execute(name: str, tmp_path: Path, **parameters) -> Path:
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(out),
        parameters={"preset": "smoke", **parameters},
        cwd=str(NOTEBOOKS),
        kernel_name="python3",
        progress_bar=False,
        execution_timeout=CELL_TIMEOUT_S,
        log_output=False,
    )
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", ["workshop", "explore"])
def test_notebook_runs_at_the_smoke_preset(name, tmp_path):
    nb = nbformat.read(execute(name, tmp_path), as_version=4)
    images = [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert images, f"{name} drew no figure"
