"""Tables from trials, on known trials: medians and failures, the comparisons' verdicts, and the
ratios to the ideals."""

import pandas as pd
import pytest

from bench.analysis import tables
from bench.vocabulary.config import IDEAL, Config
from tests.synthetic import jitter, trials


def test_summary_on_known_trials():
    rows = []
    for fw, wall in (("flask", [2.0, 2.2, 1.8] * 3), ("fastapi", [1.0, 1.1, 0.9] * 3), (IDEAL, [1.0] * 9)):
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
                    "overlap": 1.0,
                    "peak_rss_bytes": 2**20,
                    "minor_faults": 1,
                    "major_faults": 0,
                }
            )
    rows.append({**rows[0], "warmup": True, "client_wall_s": 99.0})
    rows.append({**rows[0], "status": 422, "client_wall_s": 0.001})
    df = pd.DataFrame(rows)
    s = tables.summary(df).set_index("framework")
    assert s.loc["flask", "wall_s"] == 2.0 and s.loc["flask", "trials"] == 9 and s.loc["flask", "failed"] == 1
    assert s.loc["fastapi", "x_ideal"] == pytest.approx(1.0)
    assert s.loc["flask", "server_cpu_s"] == 2.0
    (comp,) = tables.comparisons(df).to_dict("records")
    assert comp["fastapi_over_flask"] == pytest.approx(0.5) and "FastAPI is faster" in comp["verdict"]
    few = df[df.groupby("framework").cumcount() < 3]  # three trials a configuration: no interval anywhere
    s = tables.summary(few).set_index("framework")
    assert s[["wall_low_s", "wall_high_s"]].isna().all().all() and (s["trials"] <= 3).all()
    (comp,) = tables.comparisons(few).to_dict("records")
    assert pd.isna(comp["low"]) and "too few trials for an interval" in comp["verdict"]


def test_versus_ideal_picks_the_fastest_strategy_and_the_fastest_ideal():
    df = trials(
        {
            Config("fastapi", "process", "sleep", "gather", 4, 80): jitter(0.085, seed=1),
            Config("fastapi", "process", "sleep", "sequential", 4, 80): jitter(0.33, seed=2),
            Config(IDEAL, "inprocess", "sleep", "threads", 4, 80): jitter(0.081, seed=3),
            Config(IDEAL, "inprocess", "sleep", "sequential", 4, 80): jitter(0.32, seed=4),
        }
    )
    (row,) = tables.versus_ideal(df).to_dict("records")
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
    s = tables.summary(df).set_index("framework")
    assert s.loc["flask", "x_ideal"] == pytest.approx(0.6)  # vs one after another
    assert s.loc["flask", "x_best_ideal"] == pytest.approx(1.2)  # vs the best in-process
