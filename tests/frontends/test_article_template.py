"""notebooks/article.html.j2: what each version of the built article shows of a cell's output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests import ROOT

#: Converting takes a second or two (nbconvert's import): make test, not make test-fast.
pytestmark = pytest.mark.slow


def converted(tmp_path: Path, *options: str) -> str:
    """A one-cell notebook, whose cell printed a line and warned on standard error, as HTML."""
    cell = nbformat.v4.new_code_cell("run()")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="warning: the machine is busy\n"),
        nbformat.v4.new_output("stream", name="stdout", text="what the reader reads\n"),
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), tmp_path / "nb.ipynb")
    template = ROOT / "notebooks" / "article.html.j2"
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--log-level=WARN", "--to", "html", "--template-file", str(template),
         str(tmp_path / "nb.ipynb"), "--output", "nb.html", *options],
        check=True, capture_output=True,
    )  # fmt: skip
    return (tmp_path / "nb.html").read_text()


def test_the_reader_s_version_leaves_out_what_cells_wrote_to_standard_error(tmp_path):
    reader = converted(tmp_path, "--no-input")
    assert "what the reader reads" in reader and "the machine is busy" not in reader
    assert "the machine is busy" in converted(tmp_path)  # the version with the code keeps it
