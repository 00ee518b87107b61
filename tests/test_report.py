"""The report's analyses on known, synthetic trials."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure as Canvas

from bench.analysis import cited_figures, figure
from bench.analysis.families import gap
from bench.instrument import presets
from bench.presentation import palette, report
from bench.vocabulary.config import IDEAL, Config


def trials(spec):
    """Rows of measured trials: spec maps a Config to its wall times."""
    rows = []
    for c, walls in spec.items():
        for w in walls:
            rows.append(
                {
                    **c.to_dict(),
                    "warmup": False,
                    "status": 200,
                    "client_wall_s": w,
                    "client_cpu_s": 0.001,
                    "client_process_cpu_s": 0.001,
                    "server_process_cpu_s": w,
                    "server_is_client_process": c.framework == IDEAL,
                    "parallelism": 1.0,
                    "peak_rss_bytes": 2**20,
                    "minor_faults": 100.0,
                    "major_faults": 0.0,
                    "b2b_wall_s": w if c.back_to_back else np.nan,
                    "server_cpu_to_idle_s": w if c.back_to_back else np.nan,
                }
            )
    return pd.DataFrame(rows)


def jitter(center, k=8, seed=0):
    return list(center * (1 + np.random.default_rng(seed).uniform(-0.02, 0.02, k)))


def article(fw, endpoint="", variant="", size=1000):
    return Config(fw, "process", "article", "gather", 5, size, endpoint, variant, back_to_back=True)


def chain(*walls, size=1000, k=8):
    """Trials of every side of the chain, the article's Flask first, at the given wall times."""
    return {
        article(side.framework, side.endpoint, side.variant, size): jitter(w, k=k, seed=i)
        for i, (side, w) in enumerate(zip(gap.CHAIN, walls, strict=True))
    }


def test_the_decomposition_names_the_step_that_makes_the_gap_and_leaves_no_rest():
    # The article's Flask, plain, on one thread, FastAPI freeing first: all 1.6; FastAPI: 1.0.
    df = trials(chain(1.6, 1.6, 1.6, 1.6, 1.0))
    found = figure.by_id(cited_figures.compute(report.measured(df), n=5, size=1000, targets=presets.QUICK_TARGETS))
    assert found["gap.isolated.settle"].low > 1.5 and found["gap.isolated.total"].value == pytest.approx(1.6, rel=0.03)
    for step in ("debug", "thread", "framework"):
        f = found[f"gap.isolated.{step}"]
        assert f.low <= 1 <= f.high, step
    assert found["gap.isolated.named"].value == pytest.approx(1.6, rel=0.04)
    rest = found["gap.isolated.rest"]
    assert rest.low <= 1 <= rest.high and rest.value == pytest.approx(1.0, rel=0.04)
    assert found["headline.isolated"].value == pytest.approx(1.6, rel=0.03) and found["headline.isolated"].met
    assert found["gap.isolated.settle"].target == 0.10 and found["gap.isolated.rest"].target is None
    assert [c.variant for c in found["gap.isolated.settle"].configs] == ["settle", ""]


def test_the_rest_is_what_no_named_change_explains():
    # The frameworks themselves make the gap: everything Flask 1.3, everything FastAPI 1.0.
    df = trials(chain(1.3, 1.3, 1.3, 1.0, 1.0))
    found = figure.by_id(cited_figures.compute(report.measured(df), n=5, size=1000))
    assert found["gap.isolated.rest"].low > 1.2 and found["gap.isolated.framework"].low > 1.2
    named = found["gap.isolated.named"]
    assert named.low <= 1 <= named.high


def test_the_report_prints_each_figure_with_its_width_and_says_which_targets_were_missed():
    rng = np.random.default_rng(3)  # three trials a side, a 30% spread: too few for 10%
    df = trials({c: list(np.median(w) * rng.lognormal(0, 0.3, 3)) for c, w in chain(1.6, 1.6, 1.6, 1.6, 1.0).items()})
    found = cited_figures.compute(report.measured(df), n=5, size=1000, targets=presets.QUICK_TARGETS)
    stopping = {"stopped": "budget", "added_rounds": 2, "measuring_s": 150, "budget_s": 150}
    lines = report.figures_text(found, stopping)
    short = [f for f in found if f.met is False]
    assert short and lines[-1] == "NOT MET: " + "; ".join(
        f"{f.id} ±{f.half_width:.1%} (target {f.target:.0%})" for f in short
    )
    assert any("stopped because the next round would have ended past the budget" in line for line in lines)
    assert any(line.startswith("- the gap, isolated: the article's servers") for line in lines)


def test_no_decomposition_without_the_articles_two_servers():
    df = trials({Config("flask", "thread", "sleep", "threads", 2, 10): [0.1, 0.1]})
    assert [f for f in cited_figures.compute(report.measured(df), n=5, size=1000) if f.id.startswith("gap.")] == []


def test_versus_ideal_picks_the_fastest_strategy_and_the_fastest_ideal():
    df = trials(
        {
            Config("fastapi", "process", "sleep", "gather", 4, 80): jitter(0.085, seed=1),
            Config("fastapi", "process", "sleep", "sequential", 4, 80): jitter(0.33, seed=2),
            Config(IDEAL, "inprocess", "sleep", "threads", 4, 80): jitter(0.081, seed=3),
            Config(IDEAL, "inprocess", "sleep", "sequential", 4, 80): jitter(0.32, seed=4),
        }
    )
    (row,) = report.versus_ideal(df).to_dict("records")
    assert (row["best_strategy"], row["endpoint"], row["ideal_strategy"]) == ("gather", "async", "threads")
    assert row["x_ideal"] == pytest.approx(0.085 / 0.081, rel=0.03) and row["low"] <= row["x_ideal"] <= row["high"]
    served = df[(df["framework"] == "fastapi") & (df["strategy"] == "gather")]["client_wall_s"]
    ideal = df[(df["framework"] == IDEAL) & (df["strategy"] == "threads")]["client_wall_s"]
    assert row["x_ideal_fastest"] == pytest.approx(served.min() / ideal.min())
    assert (row["trials"], row["ideal_trials"]) == (len(served), len(ideal))


def test_summary_ratios_to_the_ideals():
    df = trials(
        {
            Config("flask", "process", "python", "processes", 4, 10): [0.6, 0.6],
            Config(IDEAL, "inprocess", "python", "processes", 4, 10): [0.5, 0.5],
            Config(IDEAL, "inprocess", "python", "sequential", 4, 10): [1.0, 1.0],
        }
    )
    s = report.summary(df).set_index("framework")
    assert s.loc["flask", "x_ideal"] == pytest.approx(0.6)  # vs one after another
    assert s.loc["flask", "x_best_ideal"] == pytest.approx(1.2)  # vs the best in-process


def test_environment_and_reference_tables_from_the_committed_reference():
    from pathlib import Path

    from bench.instrument import store

    committed = store.runs(Path(__file__).resolve().parent.parent / "data" / "reference")
    assert committed, "data/reference/ holds no committed run folder"
    ref = committed[0]
    env = report.environment(ref)
    values = env["value"].to_dict()
    assert values["preset"] == "quick" and int(values["usable cores"]) >= 1
    where, table = report.beside_reference(ref.trials(), ref)
    assert where.startswith("reference: quick preset on")
    assert (table["this run"] == table["reference"]).all()


def test_an_interval_that_does_not_contain_its_estimate_is_drawn_from_its_own_bounds():
    """A percentile bootstrap interval of a product of ratios over a few trials can miss its
    estimate (a smoke run's gap.*.rest did): drawn as it is, not refused by matplotlib."""
    ax = Canvas().add_subplot()
    missed = figure.Figure(
        "gap.isolated.rest", "", "isolated", 1.0, 1.05, 1.3, 0.12, None, None, 4, 1000, (("a", 12), ("b", 12))
    )
    palette.points(ax, [missed], ["rest"])
    (bar,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    ((x0, _), (x1, _)) = bar.get_segments()[0]
    assert (x0, x1) == pytest.approx((1.05, 1.3))
