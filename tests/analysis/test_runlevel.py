import math
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bench.analysis import cited_figures, runlevel
from bench.analysis.figure import Figure
from bench.instrument.store import CHECKOUT, REFERENCE, Run, runs
from bench.vocabulary.stats import Z95


def figure(fid: str, value: float, se: float) -> Figure:
    """A ratio with a 95% interval of ``se`` (log scale) either side."""
    low, high = value * math.exp(-Z95 * se), value * math.exp(Z95 * se)
    return Figure(
        fid, fid, "isolated", value, low, high, (high - low) / 2 / value, None, None, 4, 1000, (("a", 12), ("b", 12))
    )


MEASURES = ("isolated", "back_to_back", "server_cpu")


def simulated_runs(*, runs_: int, between: float, within: float, seed: int = 1) -> list[list[Figure]]:
    """Runs of the headline's three timed measures, each scattered around a fixed true value
    by ``within`` (what each run's interval says) and, beyond it, by ``between`` from run to run."""
    g = np.random.default_rng(seed)
    truth = dict(zip(MEASURES, (1.5, 1.2, 1.25), strict=True))
    out = []
    for _ in range(runs_):
        out.append(
            [
                figure(f"headline.{m}", truth[m] * math.exp(g.normal(0, between) + g.normal(0, within)), within)
                for m in MEASURES
            ]
        )
    return out


@pytest.mark.parametrize("between", [0.05, 0.12])
def test_the_spread_between_runs_is_recovered_beyond_what_their_intervals_explain(between):
    level = runlevel.spreads(simulated_runs(runs_=150, between=between, within=0.04))
    assert set(level) == {"headline.time"}
    s = level["headline.time"]
    assert s.spread == pytest.approx(between, rel=0.2) and s.figures == 3 and s.df == 149 and s.runs == 150
    assert s.low < s.spread < s.high


def test_one_shifted_run_among_agreeing_ones_raises_the_spread_and_its_interval_says_how_little_is_known():
    """Five runs that agree and a sixth off by 12%: the spread does not discount the shifted run
    as an outlier (a robust scale would, and the next such run would fall outside every
    interval); with six runs, its 95% interval spans a wide range."""
    agreeing = simulated_runs(runs_=6, between=0.0, within=0.02, seed=4)
    calm = runlevel.spreads(agreeing)["headline.time"]
    shifted = [
        *agreeing[:5],
        [replace(f, value=f.value * 1.12, low=f.low * 1.12, high=f.high * 1.12) for f in agreeing[5]],
    ]
    raised = runlevel.spreads(shifted)["headline.time"]
    assert raised.spread > calm.spread + 0.03 and raised.df == 5
    assert raised.high > 2 * raised.spread and raised.low < raised.spread
    # the shifted run's estimate lies inside a prediction from another run with this spread added
    (a, b) = (
        runlevel.widened(shifted[0], {"headline.time": raised})[0],
        runlevel.widened(shifted[5], {"headline.time": raised})[0],
    )
    half = raised.quantile * math.sqrt(2 * 0.02**2 + 2 * raised.spread**2)
    assert abs(math.log(b.value / a.value)) < half


def test_runs_that_differ_only_as_their_intervals_say_add_nothing_much():
    level = runlevel.spreads(simulated_runs(runs_=150, between=0.0, within=0.05))
    assert level["headline.time"].spread < 0.02


def test_one_run_gives_no_run_level_medians_are_left_out_and_measures_group_as_they_should():
    assert runlevel.spreads(simulated_runs(runs_=1, between=0.1, within=0.05)) == {}
    two = [[figure("cpu.server", 0.1, 0.05)], [figure("cpu.server", 0.2, 0.05)]]
    assert runlevel.spreads(two) == {}
    assert runlevel.group("gap.back_to_back.thread") == "gap.time.thread"
    assert runlevel.group("headline.peak_memory") == "headline.peak_memory"
    assert runlevel.group("best.python.flask") == "best.python.flask"


def test_a_widened_interval_adds_the_run_level_on_each_side_and_keeps_the_runs_own():
    own = figure("headline.isolated", 1.5, 0.05)
    level = {"headline.time": runlevel.Spread("headline.time", 0.1, 0.05, 0.3, 3, 6)}
    (w,) = runlevel.widened([own], level)
    t5 = 2.570581836  # Student's t, 97.5th percentile, 5 degrees of freedom: six runs less one
    assert level["headline.time"].quantile == pytest.approx(t5, abs=1e-8)
    expected = math.sqrt((Z95 * 0.05) ** 2 + (t5 * 0.1) ** 2)
    assert math.log(w.high / w.value) == pytest.approx(expected)
    assert math.log(w.value / w.low) == pytest.approx(expected)
    assert (w.own_low, w.own_high, w.run_spread, w.run_df) == (own.low, own.high, 0.1, 5)
    assert w.half_width == own.half_width and w.value == own.value
    median, other = figure("cpu.server", 0.1, 0.05), figure("gap.isolated.total", 1.2, 0.05)
    assert runlevel.widened([median, other], level) == [median, other]


@pytest.mark.slow  # the bootstraps of two committed runs: seconds
def test_cited_figures_of_a_preset_with_committed_runs_carry_their_run_level(tmp_path: Path):
    """Two committed runs of one preset: each cited ratio's interval is at least its own and
    holds the run spread of its group; a preset without two committed runs gets none."""
    committed = runs(CHECKOUT / REFERENCE)
    quick = [r for r in committed if r.meta()["preset"]["name"] == "quick"]
    if len(quick) < 2:
        pytest.skip("needs two committed quick runs in data/reference")
    reference = tmp_path / "reference"
    for r in quick[:2]:
        shutil.copytree(r.path, reference / r.path.name)
    level = cited_figures.run_level("quick", reference)
    assert level and all(s.runs == 2 and s.spread >= 0 for s in level.values())
    found = runlevel.widened(cited_figures.own(Run(reference / quick[0].path.name)), level)
    widened_ = [f for f in found if f.run_spread > 0]
    assert widened_, "no figure got a run level"
    for f in widened_:
        assert f.low <= f.own_low and f.high >= f.own_high
        assert f.run_spread == level[runlevel.group(f.id)].spread
    assert cited_figures.run_level("smoke", reference) == {}
