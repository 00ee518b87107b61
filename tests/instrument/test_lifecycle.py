"""A run's lifecycle: the schedule of its trials (interleaved, shuffled, the extra repeats
last), the preset it measures, and what it keeps of a trial that is interrupted, fails or
times out."""

from dataclasses import replace

import pytest

from bench.frontends import preset_runner
from bench.instrument import lifecycle, presets, trial
from bench.instrument.store import Run
from bench.presentation import report
from bench.vocabulary import stats
from bench.vocabulary.config import Grid

SMOKE = presets.get("smoke")


def test_schedule_interleaves_and_shuffles_reproducibly():
    configs = SMOKE.configs()
    steps = lifecycle.schedule(configs, repeats=3, warmup=1, seed=42)
    assert len(steps) == 4 * len(configs)
    assert [s.warmup for s in steps] == [True] * len(configs) + [False] * 3 * len(configs)
    rounds = [steps[i : i + len(configs)] for i in range(0, len(steps), len(configs))]
    for r in rounds:  # every round visits every configuration once
        assert sorted(s.config for s in r) == sorted(configs)
    assert len({tuple(s.config for s in r) for r in rounds}) > 1  # in shuffled orders
    assert steps == lifecycle.schedule(configs, repeats=3, warmup=1, seed=42)
    assert steps != lifecycle.schedule(configs, repeats=3, warmup=1, seed=43)


def test_a_grid_can_ask_for_more_repeats_and_the_schedule_gives_them_last():
    quick = presets.get("quick")
    repeats = quick.repeats_of()
    assert list(repeats) == quick.configs()
    more = {c: k for c, k in repeats.items() if k > quick.repeats}
    article = {c for c in more if c.workload == "article"}
    assert {(c.framework, c.variant) for c in article} == {
        ("flask", ""),
        ("flask", "debug"),
        ("flask", "one-thread"),
        ("fastapi", ""),
        ("fastapi", "settle"),
    }
    assert {c.n for c in article} == {quick.n} and min(more.values()) >= stats.MIN_TRIALS
    advice = {(c.framework, c.workload, c.strategy) for c in set(more) - article}  # what "What to do" cites
    assert advice == {
        *((f, "python", s) for f in ("flask", "fastapi") for s in ("processes", "threads")),
        *((f, w, s) for f in ("flask", "fastapi") for w, s in (("matmul", "threads"), ("sleep", "gather"))),
        *(("ideal", w, "sequential") for w in ("python", "matmul", "sleep")),
    }
    steps = lifecycle.schedule(repeats, repeats=0, warmup=1, seed=7, warm=quick.warm())
    measured = [s for s in steps if not s.warmup]
    assert {c: sum(s.config == c for s in measured) for c in repeats} == repeats
    assert {s.config for s in steps if s.warmup} == quick.warm()
    assert {c for c in quick.warm() if c.strategy == "processes"} == {c for c in repeats if c.strategy == "processes"}
    first_extra = next(i for i, s in enumerate(measured) if s.repeat == quick.repeats)
    assert all(s.config in more for s in measured[first_extra:])


def test_the_lifecycle_measures_only_a_preset_made_concrete_and_leaves_no_folder_otherwise(tmp_path):
    article = presets.get("article")  # its size is picked on the machine, by resolve()
    with pytest.raises(ValueError, match="resolve"):
        lifecycle.measure_preset(article, tmp_path, judge=lambda rows: [], progress=False)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_run_keeps_what_it_measured(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = trial.http_trial

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(trial, "http_trial", flaky)
    tiny = replace(SMOKE, repeats=2, warmup=0, grids=(Grid(modes=("thread",)),))
    with pytest.raises(KeyboardInterrupt):
        preset_runner.run_preset(tiny, out=tmp_path, seed=5, progress=False)
    (path,) = list(tmp_path.iterdir())
    run = Run(path)
    df = run.trials()
    meta = run.meta()
    assert meta["interrupted"] is True and meta["completed"] is False and meta["trials_done"] == 3
    # Every trial started has its row: the one in flight is kept, as failed and why.
    assert len(df) == meta["trials_started"] == 4
    assert list(df["status"]) == [200, 200, 200, 0] and "interrupted" in df["error"].iloc[-1]
    assert "INTERRUPTED" in report.text(run)


def test_a_trial_that_fails_in_the_measuring_is_kept_and_the_run_goes_on(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = trial.http_trial

    def faulty(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the probe could not read /proc")
        return real(*args, **kwargs)

    monkeypatch.setattr(trial, "http_trial", faulty)
    tiny = replace(SMOKE, repeats=2, warmup=0, grids=(Grid(modes=("thread",), frameworks=("flask",)),))
    run = preset_runner.run_preset(tiny, out=tmp_path, seed=5, progress=False)
    df, meta = run.trials(), run.meta()
    assert meta["completed"] is True and len(df) == meta["trials_planned"] == meta["trials_started"] == 4
    assert meta["trials_failed"] == 1
    failed = df[df["status"] != 200]
    assert len(failed) == 1 and "RuntimeError: the probe could not read /proc" in failed["error"].iloc[0]


def test_a_client_timeout_is_a_failed_trial_not_a_lost_one(tmp_path):
    slow = replace(
        SMOKE,
        repeats=1,
        warmup=0,
        request_timeout_s=0.2,
        sizes=(("sleep", 600),),
        grids=(Grid(modes=("thread",), frameworks=("fastapi",), workloads=("sleep",), strategies=("gather",)),),
    )
    run = preset_runner.run_preset(slow, out=tmp_path, seed=1, progress=False)
    (row,) = run.trials().to_dict("records")
    assert row["status"] == 0 and "Timeout" in row["error"] and run.meta()["trials_failed"] == 1
