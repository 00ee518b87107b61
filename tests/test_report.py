"""The report's analyses on known, synthetic trials."""

import numpy as np
import pandas as pd
import pytest

from bench import ablation, report, story
from bench.presets import IDEAL, Config


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
                }
            )
    return pd.DataFrame(rows)


def jitter(center, k=8, seed=0):
    return list(center * (1 + np.random.default_rng(seed).uniform(-0.02, 0.02, k)))


def article(fw, endpoint="", variant=""):
    return Config(fw, "process", "article", "gather", 5, 1000, endpoint, variant)


def test_ablation_names_the_factor_that_closes_the_gap():
    df = trials(
        {
            article("fastapi"): jitter(1.0, seed=1),
            article("flask"): jitter(1.6, seed=2),
            article("flask", variant="one-thread"): jitter(1.0, seed=3),
            article("flask", variant="debug"): jitter(1.6, seed=4),
            article("fastapi", "sync"): jitter(1.55, seed=5),
        }
    )
    t = ablation.table(report.measured(df)).set_index("config")
    assert t.loc["Flask threaded (the article's, without debug)", "vs_fastapi"] == pytest.approx(1.6, rel=0.03)
    text = "\n".join(ablation.findings_text(report.measured(df)))
    assert "the gap itself: Flask threaded (the article's, without debug) is slower" in text
    assert "one thread instead of one per request: Flask on one thread is faster" in text
    assert "Flask on one thread against FastAPI: no detectable difference" in text
    assert "debug mode: no detectable difference" in text
    assert "FastAPI's def endpoint (another thread) against its async def: FastAPI def endpoint" in text
    assert "malloc" not in text  # not measured, not claimed


def test_the_storys_causes_come_from_the_findings_themselves():
    df = trials(
        {
            article("fastapi"): jitter(1.0, seed=1),
            article("flask"): jitter(1.6, seed=2),
            article("flask", variant="debug"): jitter(1.6, seed=4),
        }
    )
    found = ablation.findings(report.measured(df))
    assert [f.comparison for f in found] == [
        ablation.Comparison("the gap itself", ablation.FLASK, ablation.FASTAPI),
        ablation.Comparison("debug mode", ablation.FLASK_DEBUG, ablation.FLASK),
    ]
    text = story.causes(df, "Figure 5")
    assert text.splitlines()[0] == "**Controlled comparisons (Figure 5), one change at a time:**"
    assert "*n=5, size=1000:*" in text
    assert [line for line in text.splitlines() if line.startswith("- ")] == [
        f"- {f.comparison.what}: {f.verdict}" for f in found
    ] + ["- memory pressure: at most 0 major page faults per request at this size (no swapping)"]


def test_no_ablation_without_the_articles_two_servers():
    df = trials({Config("flask", "thread", "sleep", "threads", 2, 10): [0.1, 0.1]})
    assert ablation.findings(report.measured(df)) == [] and ablation.findings_text(report.measured(df)) == []
    assert story.causes(df, "Figure 5") == "This run has no controlled comparisons of the article's two servers."


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


def test_gap_explained_names_the_change_that_leaves_no_gap():
    df = trials(
        {
            article("fastapi"): jitter(1.0, seed=1),
            article("flask"): jitter(1.3, seed=2),
            article("flask", variant="one-thread"): jitter(1.3, seed=3),
            article("fastapi", variant="settle"): jitter(1.3, seed=4),
        }
    )
    g = {gap.change: gap.closes for gap in ablation.gaps_after_changes(report.measured(df))}
    assert g == {
        "none: the article's servers (Flask without debug)": False,
        "Flask on one thread": False,
        "FastAPI freeing the results before it replies": True,
    }
    text = story.gap_explained(df, "Figure 5")
    assert text.endswith("with: FastAPI freeing the results before it replies. The others leave it in place.")


def test_environment_and_reference_tables_from_the_committed_reference():
    from pathlib import Path

    from bench.store import Run

    ref = Run(Path(__file__).resolve().parent.parent / "data" / "reference")
    env = report.environment(ref)
    values = env["value"].to_dict()
    assert values["preset"] == "quick" and int(values["usable cores"]) >= 1
    where, table = report.beside_reference(ref.trials(), ref)
    assert where.startswith("reference: quick preset on")
    assert (table["this run"] == table["reference"]).all()
