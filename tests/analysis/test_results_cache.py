"""Results kept on disk: computed once for the same inputs and code, again when an input
changes, when the kept file is damaged, or always when the cache is off; a run's figures
drawn again only when its files change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.analysis import results_cache
from bench.instrument.store import Run
from bench.presentation import drawings
from tests import ROOT

REFERENCE = sorted((ROOT / "data" / "reference").glob("*/meta.json"))


def counted(calls: list[int], value: object) -> object:
    calls.append(1)
    return value


def test_a_result_is_computed_once_for_the_same_inputs_and_again_when_one_changes(tmp_path, monkeypatch):
    monkeypatch.setenv(results_cache.ENV, str(tmp_path / "cache"))
    data = tmp_path / "trials.csv"
    data.write_text("a,b\n1,2\n")
    calls: list[int] = []
    assert results_cache.kept("t", [data], lambda: counted(calls, {"x": 1})) == {"x": 1}
    assert results_cache.kept("t", [data], lambda: counted(calls, {"x": 2})) == {"x": 1} and len(calls) == 1
    assert results_cache.kept("other", [data], lambda: counted(calls, 3)) == 3 and len(calls) == 2  # another name
    data.write_text("a,b\n1,3\n")
    assert results_cache.kept("t", [data], lambda: counted(calls, {"x": 4})) == {"x": 4} and len(calls) == 3
    assert not list((tmp_path / "cache").glob("*.part"))


def test_a_damaged_file_is_computed_again_and_off_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(results_cache.ENV, str(tmp_path / "cache"))
    data = tmp_path / "meta.json"
    data.write_text("{}")
    results_cache.kept("t", [data], lambda: 1)
    (kept,) = (tmp_path / "cache").iterdir()
    kept.write_bytes(b"not a pickle")
    assert results_cache.kept("t", [data], lambda: 2) == 2 and results_cache.kept("t", [data], lambda: 3) == 2
    for off in ("off", "0", ""):
        monkeypatch.setenv(results_cache.ENV, off)
        assert results_cache.folder() is None
        calls: list[int] = []
        for _ in range(2):
            results_cache.kept("t", [data], lambda calls=calls: counted(calls, 1))  # type: ignore[misc]
        assert len(calls) == 2


def test_the_key_changes_with_the_code(monkeypatch, tmp_path):
    data = tmp_path / "x"
    data.write_text("1")
    before = results_cache.key("t", [data])
    monkeypatch.setattr(results_cache, "code_version", lambda: "another version of the code")
    assert results_cache.key("t", [data]) != before


@pytest.mark.skipif(not REFERENCE, reason="no committed reference run")
def test_a_run_s_figures_are_drawn_again_only_when_its_files_change(tmp_path, monkeypatch):
    monkeypatch.setenv(results_cache.ENV, str(tmp_path / "cache"))
    run = Run(shutil.copytree(REFERENCE[0].parent, tmp_path / REFERENCE[0].parent.name))
    drawn: list[int] = []

    def draw(r: Run) -> list[Path]:  # stands in for the drawing: one small file
        drawn.append(1)
        (r.path / "times.png").write_bytes(b"png")
        return [r.path / "times.png"]

    monkeypatch.setattr(drawings, "_draw_all", draw)
    assert drawings.write_all(run) == drawings.write_all(run) == [run.path / "times.png"] and len(drawn) == 1
    (run.path / "times.png").unlink()  # a figure deleted
    drawings.write_all(run)
    with open(run.trials_path, "a") as f:  # the trials changed
        f.write(run.trials_path.read_text().splitlines()[-1] + "\n")
    drawings.write_all(run)
    assert len(drawn) == 3
