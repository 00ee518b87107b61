"""The instrument end to end at the smoke preset, and its parts on known inputs."""

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from itertools import pairwise

import pandas as pd
import psutil
import pytest

from bench.analysis.families import gap
from bench.frontends import preset_runner
from bench.instrument import environment, lifecycle, presets, trial
from bench.instrument.process_probe import ProcessProbe, tree_cpu_seconds
from bench.instrument.store import Run
from bench.presentation import drawings, report
from bench.vocabulary import config, stats
from bench.vocabulary.config import IDEAL, Config, Grid
from bench.vocabulary.records import COLUMNS
from servers import memory, strategies, workloads
from servers.strategies import GATHER
from servers.workloads import ARTICLE

from .conftest import trial_row, wait_for

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


def test_presets_cover_both_frameworks_modes_and_the_ideal():
    for name in ("smoke", "quick"):
        configs = presets.get(name).configs()
        assert {(c.framework, c.mode) for c in configs} == {
            ("flask", "thread"),
            ("flask", "process"),
            ("fastapi", "thread"),
            ("fastapi", "process"),
            ("quart", "process"),  # the framework x server grid only
            ("litestar", "process"),
            (IDEAL, "inprocess"),
        }
        assert {c.variant for c in configs if c.framework in ("quart", "litestar")} == {"", "gunicorn-asgi", "granian"}
        assert len(configs) == len(set(configs))


def test_quick_covers_the_whole_matrix_and_the_controlled_comparisons():
    configs = presets.get("quick").configs()
    pairs = {(w, s) for w in workloads.WORKLOADS for s in strategies.STRATEGIES}
    for fw in ("flask", "fastapi", IDEAL):
        assert {(c.workload, c.strategy) for c in configs if c.framework == fw} == pairs
    assert {(c.framework, c.endpoint) for c in configs if c.framework != IDEAL and c.workload == "sleep"} == {
        ("flask", "sync"),
        ("flask", "async"),
        ("fastapi", "sync"),
        ("fastapi", "async"),
    }
    assert {(c.framework, c.variant) for c in configs if c.variant and c.variant not in presets.SERVER_VARIANTS} == {
        ("flask", "debug"),
        ("flask", "one-thread"),
        ("fastapi", "settle"),
    }
    assert all(c.mode == "process" and c.back_to_back for c in configs if c.variant)
    # Every side of the controlled comparisons is measured, each request sent twice.
    for side in gap.CHAIN:
        assert [
            c
            for c in configs
            if (c.framework, c.endpoint, c.variant, c.size, c.back_to_back)
            == (side.framework, side.endpoint, side.variant, 1000, True)
        ], side


def test_quick_measures_the_gap_at_four_sizes_from_500():
    sizes = {
        c.size
        for c in presets.get("quick").configs()
        if c.workload == "article" and c.back_to_back and c.variant == "" and c.n == 5
    }
    assert len(sizes) >= 4 and min(sizes) == 500


def test_variants_apply_only_where_they_mean_something():
    assert config.variant_allowed("flask", "process", "debug")
    assert not config.variant_allowed("fastapi", "process", "debug")
    assert not config.variant_allowed("flask", "thread", "arena1")
    assert config.variant_allowed("fastapi", "process", "arena1")


def test_article_preset_takes_the_largest_size_the_guard_admits(monkeypatch):
    article = presets.get("article")
    assert article.n == 5 and article.size is None
    monkeypatch.setattr(memory, "available_bytes", lambda: 8 * 2**30)
    resolved = presets.resolve(article).size
    assert resolved is not None and 0 < resolved < 10_000
    limit = memory.limit_bytes() - presets.SERVERS_MARGIN_BYTES

    def est(size):
        return memory.estimate_peak_bytes(ARTICLE, GATHER, n=5, size=size)

    assert est(resolved) <= limit < est(resolved + 100)
    monkeypatch.setattr(memory, "available_bytes", lambda: 2**50)
    assert presets.resolve(article).size == 10_000
    monkeypatch.setattr(memory, "available_bytes", lambda: 0)
    with pytest.raises(ValueError, match="not enough memory"):
        presets.resolve(article)


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
    assert not gather.empty and (gather["parallelism"] <= 1.0 + 1e-6).all()
    for tasks in gather["tasks"]:
        spans = json.loads(tasks)
        assert len(spans) == SMOKE.n
        assert all(b["start"] >= a["end"] for a, b in pairwise(spans))


@pytest.mark.slow
def test_smoke_report_separates_cpu_and_gives_verdicts(smoke_run):
    text = report.text(smoke_run)
    assert "server CPU s" in text and "client CPU s" in text
    comp = report.comparisons(smoke_run.trials())
    assert set(comp["mode"]) == {"thread", "process"}
    assert comp["verdict"].str.contains("FastAPI|difference").all()
    assert len([line for line in text.splitlines() if "endpoints: " in line]) == len(comp)
    assert set(comp["pairing"]) == {"native"}
    paths = drawings.write_all(smoke_run)
    names = {p.name for p in paths}
    assert {"times.png", "timeline-gather.png", "timeline-sequential.png"} <= names
    assert all(p.stat().st_size > 10_000 for p in paths)


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


def test_summary_on_known_trials():
    rows = []
    for fw, wall in (("flask", [2.0, 2.2, 1.8]), ("fastapi", [1.0, 1.1, 0.9]), (IDEAL, [1.0, 1.0, 1.0])):
        for w in wall:
            c = Config(fw, "process" if fw != IDEAL else "inprocess", "article", "sequential", 2, 10)
            rows.append(
                {
                    **c.to_dict(),
                    "warmup": False,
                    "status": 200,
                    "client_wall_s": w,
                    "client_cpu_s": 0.01,
                    "client_process_cpu_s": 0.01,
                    "server_process_cpu_s": w,
                    "server_is_client_process": fw == IDEAL,
                    "parallelism": 1.0,
                    "peak_rss_bytes": 2**20,
                    "minor_faults": 1,
                    "major_faults": 0,
                }
            )
    rows.append({**rows[0], "warmup": True, "client_wall_s": 99.0})
    rows.append({**rows[0], "status": 422, "client_wall_s": 0.001})
    df = pd.DataFrame(rows)
    s = report.summary(df).set_index("framework")
    assert s.loc["flask", "wall_s"] == 2.0 and s.loc["flask", "trials"] == 3 and s.loc["flask", "failed"] == 1
    assert s.loc["fastapi", "x_ideal"] == pytest.approx(1.0)
    assert s.loc["flask", "server_cpu_s"] == 2.0
    (comp,) = report.comparisons(df).to_dict("records")
    assert comp["fastapi_over_flask"] == pytest.approx(0.5) and "FastAPI is faster" in comp["verdict"]


def test_report_of_a_run_where_every_trial_failed(tmp_path):
    run = Run.create(tmp_path, "x")
    run.write_meta(run.new_meta("trials", environment.collect()))
    c = Config("flask", "thread", "article", "gather", 5, 9000)
    run.append(trial_row(c, status=422, error="estimated peak memory 20 GiB"))
    text = report.text(run)
    assert "1 measured trial(s) failed" in text and "estimated peak memory 20 GiB" in text
    assert drawings.write_all(run) == []


def test_probe_measures_this_process_and_survives_a_dead_one():
    with ProcessProbe(os.getpid()) as p:
        block = bytearray(64 * 2**20)  # touch 64 MiB
        block[::4096] = b"x" * len(block[::4096])
    assert p.usage.peak_rss_bytes >= 64 * 2**20 and p.usage.minor_faults >= 16_000 / 2
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with ProcessProbe(child.pid) as dead:
        pass
    assert math.isnan(dead.usage.cpu_s) and math.isnan(dead.usage.peak_rss_bytes)


def test_trials_wait_for_memory_a_server_is_still_freeing(monkeypatch):
    free = iter([0, 0, 0] + [2**40] * 10)
    monkeypatch.setattr(memory, "available_bytes", lambda: next(free))
    waited = trial.wait_for_memory(Config("fastapi", "process", "article", "gather", 5, 1000))
    assert 0.2 <= waited < 5
    monkeypatch.setattr(memory, "available_bytes", lambda: 0)
    assert trial.wait_for_memory(Config("flask", "process", "article", "gather", 5, 1000), limit_s=0.3) >= 0.3


#: A process that spins for 30 s in itself and in three children: busy on more than both
#: cores, so that it still reads busy in every 25 ms window (CPU time counts in 10 ms ticks)
#: when other tests and other programs share the cores.
SPIN = "import time\nt=time.time()\nwhile time.time()-t<30: pass"
SPINNERS = 4
START = f"subprocess.Popen([sys.executable, '-c', {SPIN!r}])"
BUSY = f"import subprocess, sys\nfor _ in range({SPINNERS - 1}): {START}\n{SPIN}"


def test_wait_until_quiet_returns_at_once_for_an_idle_process_and_waits_for_a_busy_one():
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    busy = subprocess.Popen([sys.executable, "-c", BUSY], start_new_session=True)
    try:
        assert trial.wait_until_quiet(idle.pid, limit_s=2) < 0.5
        # All spinning: started, with some CPU time of their loops.
        assert wait_for(
            lambda: len(psutil.Process(busy.pid).children()) == SPINNERS - 1 and tree_cpu_seconds(busy.pid) > 0.5
        )
        # CPU time counts in 10 ms ticks: with other programs on the cores, a window now and
        # then reads no tick of the spinners and ends the wait; one wait of three must still
        # last several windows (a wait that never waited lasts one).
        assert max(trial.wait_until_quiet(busy.pid, limit_s=0.4) for _ in range(3)) >= 0.15
    finally:
        idle.kill()
        os.killpg(busy.pid, signal.SIGKILL)
        for p in (idle, busy):
            p.wait()


def _spin(seconds: float) -> None:
    t = time.thread_time()
    while time.thread_time() - t < seconds:
        pass


def test_reading_this_process_leaves_out_the_calling_thread_and_counts_the_others():
    """A caller polling its own process (thread-mode servers are its threads) must not read
    its own polling as the tree's work; another thread's work still counts."""
    me = os.getpid()
    before = tree_cpu_seconds(me)
    _spin(0.3)
    assert tree_cpu_seconds(me) - before < 0.1
    worker = threading.Thread(target=_spin, args=(0.3,))
    before = tree_cpu_seconds(me)
    worker.start()
    worker.join()
    assert tree_cpu_seconds(me) - before >= 0.2


def test_a_grid_can_ask_for_more_repeats_and_the_schedule_gives_them_last():
    quick = presets.get("quick")
    repeats = quick.repeats_of()
    assert list(repeats) == quick.configs()
    more = {c: k for c, k in repeats.items() if k > quick.repeats}
    assert {(c.framework, c.variant) for c in more} == {
        ("flask", ""),
        ("flask", "debug"),
        ("flask", "one-thread"),
        ("fastapi", ""),
        ("fastapi", "settle"),
    }
    assert {c.n for c in more} == {quick.n} and min(more.values()) >= stats.MIN_TRIALS
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
