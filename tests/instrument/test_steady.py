"""Steady state: the detector on known series, and the warm-up that asks it, in blocks of
fresh servers (the trials' timings faked, the servers real, in thread mode)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import pytest

from bench.frontends import preset_runner
from bench.instrument import presets, trial
from bench.instrument.steady import steadiness, steady
from bench.presentation import report
from bench.vocabulary.config import Config, Grid
from bench.vocabulary.records import Measurement


def test_a_flat_series_is_steady_and_a_drifting_one_is_not():
    flat = [1.0, 1.1, 0.95, 1.05, 1.0, 0.98]
    assert steady(flat, window=3, tolerance=0.15)
    falling = [1.6, 1.5, 1.4, 1.2, 1.1, 1.0]
    said = steadiness(falling, window=3, tolerance=0.15)
    assert not said.steady and said.change == pytest.approx((1.1 - 1.5) / 1.5)
    assert steady(falling, window=3, tolerance=0.3)  # within a looser tolerance


def test_one_slow_request_does_not_make_a_series_unsteady_but_a_trend_does():
    assert steady([1.0, 1.0, 1.0, 1.0, 5.0, 1.0], window=3, tolerance=0.05)
    assert not steady([1.0, 1.0, 1.0, 5.0, 5.0, 1.0], window=3, tolerance=0.05)


def test_the_detector_needs_two_windows_and_leaves_failed_trials_out():
    assert not steady([1.0] * 5, window=3) and steady([1.0] * 6, window=3)
    assert not steady([1.0, math.nan] * 3, window=3)  # three times, not six
    assert math.isnan(steadiness([1.0], window=3).change)


@pytest.mark.parametrize(("window", "tolerance"), [(0, 0.1), (3, -0.1), (3, math.nan)])
def test_the_detector_refuses_a_window_or_tolerance_that_means_nothing(window, tolerance):
    with pytest.raises(ValueError, match="window|tolerance"):
        steadiness([1.0] * 10, window=window, tolerance=tolerance)


def _faked(monkeypatch, times):
    """Every HTTP trial answers at once with ``times(framework, k)`` for its framework's k-th trial."""
    calls: Counter[str] = Counter()

    def fake(config: Config, server, *, timeout: float) -> Measurement:
        calls[config.framework] += 1
        return Measurement(status=200, client_wall_s=times(config.framework, calls[config.framework]))

    monkeypatch.setattr(trial, "http_trial", fake)


TINY = replace(
    presets.get("smoke"),
    repeats=2,
    warmup=1,
    targets=(),
    grids=(Grid(modes=("thread",), strategies=("gather",)),),
)


def test_a_server_that_drifts_is_warmed_up_until_steady_and_its_warm_up_kept_apart(tmp_path, monkeypatch):
    # Flask gets faster over its first 8 requests, then holds; FastAPI holds from the start.
    _faked(monkeypatch, lambda f, k: 0.1 if f == "fastapi" else 0.1 * 1.3 ** max(0, 8 - k))
    preset = replace(TINY, warmup_max=30, warmup_budget_s=60.0)
    run = preset_runner.run_preset(preset, out=tmp_path, seed=3, progress=False)
    meta, df = run.meta(), run.trials()
    warm = {w["framework"]: w for w in meta["warmup"]}
    assert warm["fastapi"]["probe_trials"] == 6 and warm["fastapi"]["steady"]
    assert warm["flask"]["probe_trials"] > 8 and warm["flask"]["steady"]
    warmups = df[df["warmup"]].groupby("framework").size()
    assert warmups["flask"] == warm["flask"]["warmup_trials"] and warmups["fastapi"] == 6
    # The measured trials come after every warm-up, and only as many as scheduled.
    assert df[~df["warmup"]].groupby("framework").size().tolist() == [2, 2]
    assert df[~df["warmup"]]["seq"].min() > df[df["warmup"]]["seq"].max()
    assert meta["trials_planned"] == meta["trials_done"] == len(df)


def test_a_server_that_never_settles_stops_at_the_most_warm_up_trials_and_says_so(tmp_path, monkeypatch):
    _faked(monkeypatch, lambda f, k: 0.1 * 0.8**k)
    preset = replace(TINY, warmup_max=7, warmup_budget_s=60.0)
    meta = preset_runner.run_preset(preset, out=tmp_path, seed=3, progress=False).meta()
    assert [(w["probe_trials"], w["steady"]) for w in meta["warmup"]] == [(7, False), (7, False)]
    line = report.warmup_line(meta)
    assert line is not None and line.startswith("warm-up until steady: 0 of 2 servers steady, after 7-7 warm-up")
    assert "flask/thread in block 0" in line and "fastapi/thread in block 0" in line


def test_a_fixed_warm_up_takes_no_more_trials(tmp_path, monkeypatch):
    _faked(monkeypatch, lambda f, k: 0.1 * 0.8**k)
    meta = preset_runner.run_preset(TINY, out=tmp_path, seed=3, progress=False).meta()
    assert [w["probe_trials"] for w in meta["warmup"]] == [1, 1]
    assert report.warmup_line(meta) is None


@pytest.mark.slow  # seconds: make test, not make test-fast
def test_each_block_starts_its_own_servers_and_its_trials_say_which_block(tmp_path, monkeypatch):
    _faked(monkeypatch, lambda f, k: 0.1)
    preset = replace(TINY, blocks=3, warmup_max=8, warmup_budget_s=60.0)
    run = preset_runner.run_preset(preset, out=tmp_path, seed=3, progress=False)
    meta, df = run.meta(), run.trials()
    assert sorted(Counter(s["block"] for s in meta["servers"]).items()) == [(0, 2), (1, 2), (2, 2)]
    assert [w["block"] for w in meta["warmup"]] == [0, 0, 1, 1, 2, 2]
    measured = df[~df["warmup"]]
    assert measured.groupby(["block", "framework"]).size().tolist() == [2] * 6
    # Each block warms its fresh servers up again before its measured trials.
    for _, block in df.groupby("block"):
        assert block[block["warmup"]]["seq"].max() < block[~block["warmup"]]["seq"].min()
    assert df["block"].is_monotonic_increasing


def test_a_preset_refuses_no_blocks_and_a_steady_warm_up_without_a_budget():
    with pytest.raises(ValueError, match="blocks"):
        replace(TINY, blocks=0)
    with pytest.raises(ValueError, match="warmup_budget_s"):
        replace(TINY, warmup_max=10)
