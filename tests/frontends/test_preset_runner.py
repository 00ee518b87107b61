"""A preset's run, made by the smoke preset: every trial recorded with its environment, the
article's gather one task at a time, the stopping rule judging the figures the report cites,
and a second run beside the first without touching it."""

import json
import shutil
from dataclasses import replace
from itertools import pairwise

import pytest

from bench.frontends import preset_runner
from bench.instrument import presets
from bench.instrument.store import Run
from bench.presentation import report
from bench.vocabulary.config import Grid
from bench.vocabulary.records import COLUMNS

SMOKE = presets.get("smoke")


@pytest.mark.slow
def test_smoke_run_records_every_trial_and_its_environment(smoke_run):
    meta = smoke_run.meta()
    df = smoke_run.trials()
    assert meta["completed"] is True and meta["trials_done"] == meta["trials_planned"] == len(df)
    assert isinstance(meta["seed"], int) and meta["preset"]["name"] == "smoke"
    for key in ("packages", "blas", "env", "git", "cpu", "memory", "python", "started_at", "ended_at"):
        assert key in meta
    assert meta["packages"]["fastapi"] and meta["packages"]["flask"]
    assert list(df.columns) == list(COLUMNS)
    assert (df["status"] == 200).all(), df[df["status"] != 200]["error"].tolist()
    assert set(df["mode"]) == {"thread", "process", "inprocess"}
    # Thread mode shares the client's process, process mode does not; the data says which.
    same = df.groupby("mode")["server_is_client_process"].all()
    assert same["thread"] and same["inprocess"] and not df[df["mode"] == "process"]["server_is_client_process"].any()
    assert (df["client_wall_s"] > 0).all() and (df["peak_rss_bytes"] > 0).all()


@pytest.mark.slow
def test_smoke_run_timelines_show_the_article_gather_one_at_a_time(smoke_run):
    df = smoke_run.trials()
    gather = df[(df["strategy"] == "gather") & (df["workload"] == "article")]
    # one core's worth at most: a task's CPU clock and its wall clock are read one after the other,
    # which on the smoke preset's millisecond tasks puts the ratio up to some 0.2% above 1
    assert not gather.empty and (gather["parallelism"] <= 1.01).all()
    for tasks in gather["tasks"]:
        spans = json.loads(tasks)
        assert len(spans) == SMOKE.n
        assert all(b["start"] >= a["end"] for a, b in pairwise(spans))


@pytest.mark.slow
def test_the_stopping_rule_and_the_report_see_the_same_intervals(smoke_run):
    stopping = smoke_run.meta()["stopping"]
    missed = [f.id for f in report.cited(smoke_run) if f.met is False]
    assert stopping["unmet"] == missed and (stopping["stopped"] == "met") == (not missed)


@pytest.mark.slow
def test_rerunning_never_overwrites(smoke_run, tmp_path):
    tiny = replace(SMOKE, repeats=1, warmup=0, grids=(Grid(modes=("thread",), frameworks=("fastapi",)),))
    earlier = Run(shutil.copytree(smoke_run.path, tmp_path / smoke_run.path.name))  # a run of the same preset
    before = earlier.trials_path.read_bytes()
    again = preset_runner.run_preset(tiny, out=tmp_path, seed=1, progress=False)
    assert again.path != earlier.path and again.path.parent == earlier.path.parent
    assert earlier.trials_path.read_bytes() == before
