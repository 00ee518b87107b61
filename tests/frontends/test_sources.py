"""The article's runs given as folders: checked before the article reads them."""

import json
import shutil
from pathlib import Path

import pytest

from bench.frontends import sources
from bench.instrument.store import CHECKOUT, REFERENCE, runs
from bench.vocabulary.records import RunDataError


@pytest.fixture()
def committed(tmp_path: Path) -> Path:
    """A copy of a committed trials run."""
    found = runs(CHECKOUT / REFERENCE)
    if not found:
        pytest.skip("no committed run in data/reference")
    copy = tmp_path / found[0].path.name
    shutil.copytree(found[0].path, copy)
    return copy


def rewrite(folder: Path, **fields: object) -> None:
    meta = json.loads((folder / "meta.json").read_text())
    meta.update(fields)
    (folder / "meta.json").write_text(json.dumps(meta))


def test_a_complete_run_of_the_right_kind_is_read_as_it_is(committed: Path):
    assert sources.given(committed, "trials").path == committed


def test_a_run_of_another_kind_is_refused_naming_the_folder_and_both_kinds(committed: Path):
    with pytest.raises(RunDataError, match=rf"{committed} is a trials run; the article needs a load run here"):
        sources.given(committed, "load")


def test_an_unfinished_run_is_refused(committed: Path):
    rewrite(committed, completed=False, interrupted=True)
    with pytest.raises(RunDataError, match=rf"{committed} is not a completed run"):
        sources.given(committed, "trials")


def test_a_folder_without_a_run_is_refused(tmp_path: Path):
    with pytest.raises(RunDataError, match=str(tmp_path)):
        sources.given(tmp_path, "trials")


def test_the_article_s_runs_given_as_folders_are_used_without_measuring(committed: Path, tmp_path: Path):
    """Both given (relative to the root): nothing is measured, nothing is written under out."""
    load = tmp_path / "load"
    shutil.copytree(committed, load)
    rewrite(load, kind="load")
    trials, many = sources.article_runs(
        "quick", root=tmp_path, out="runs", progress=False, run=committed.name, load="load"
    )
    assert (trials.path, many.path) == (committed, load) and not (tmp_path / "runs").exists()
    assert sources.scope(trials) == (int(trials.meta()["preset"]["n"]), int(trials.meta()["preset"]["size"]))


def test_a_load_run_of_a_url_is_refused_for_the_article(committed: Path):
    rewrite(committed, kind="load", load_url={"url": "http://127.0.0.1:8000/fanout"})
    with pytest.raises(RunDataError, match=rf"{committed} loaded a URL \(bench load --url\); the article needs"):
        sources.given(committed, "load")
