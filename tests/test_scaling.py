"""Speed-up against n: the n a run measures, the speed-up table, and where a curve bends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench import presets, scaling
from bench.presets import IDEAL


@pytest.mark.parametrize(
    "cores, ns",
    [(1, (1, 2)), (2, (1, 2, 4)), (3, (1, 2, 3, 4)), (6, (1, 2, 4, 6, 8)), (16, (1, 2, 4, 8, 16, 32))],
)
def test_a_scaling_run_measures_powers_of_two_up_to_twice_the_cores_and_the_core_count(cores, ns):
    assert presets.scaling_ns(cores) == ns
    p = presets.resolve(presets.get("scaling"), cores=cores)
    assert sorted({c.n for c in p.configs()}) == list(presets.scaling_ns(cores))
    assert not any(g.over_n for g in p.grids) and {c.mode for c in p.configs()} == {"process", "inprocess"}


@pytest.mark.parametrize(
    "speedups, bend",
    [
        ((1.0, 1.9, 1.95), 2),  # the process pool on 2 cores: gains to 2, then flat
        ((1.0, 1.02, 0.98), 1),  # threads of pure Python: no gain at all
        ((1.0, 2.0, 3.9), None),  # gathered sleeps: still doubling at the largest n
        ((1.0, 1.5, 2.2), None),  # more than sqrt(2) at each step is still growth
        ((1.0, 1.5, 2.0), 2),  # 2.0 / 1.5 is less than sqrt(2)
        ((1.0, 1.3, 1.4), 1),  # less than sqrt(2) from the first step
    ],
)
def test_a_curve_bends_where_doubling_n_gains_less_than_its_square_root(speedups, bend):
    assert scaling.bend([1, 2, 4], list(speedups)) == bend


def trials(times: dict[tuple[str, str, int], float], spread: float = 0.02, k: int = 6) -> pd.DataFrame:
    """Measured trials with known median times per (framework, strategy, n), article task."""
    rng = np.random.default_rng(0)
    rows = []
    for (f, st, n), t in times.items():
        for _ in range(k):
            rows.append(
                {
                    "framework": f,
                    "mode": "inprocess" if f == IDEAL else "process",
                    "variant": "",
                    "endpoint": "none" if f == IDEAL else "async",
                    "workload": "python",
                    "strategy": st,
                    "n": n,
                    "size": 100,
                    "client_wall_s": t * rng.uniform(1 - spread, 1 + spread),
                    "parallelism": 1.0,
                    "pool_workers": 2.0,
                    "task_threads": float(n if st == "threads" else 0),
                    "blas_threads": 1.0,
                }
            )
    return pd.DataFrame(rows)


def test_the_table_divides_the_ideal_one_after_another_by_each_configuration_and_names_the_bend():
    task = 0.1
    times = {(IDEAL, "sequential", n): n * task for n in (1, 2, 4)}
    times |= {("fastapi", "processes", n): n * task / min(n, 2) * 1.05 for n in (1, 2, 4)}
    times |= {("fastapi", "threads", n): n * task * 1.02 for n in (1, 2, 4)}
    t = scaling.table(trials(times))
    pool = t[(t["framework"] == "fastapi") & (t["strategy"] == "processes")].set_index("n")
    assert pool.loc[1, "speedup"] == pytest.approx(1 / 1.05, rel=0.03)
    assert pool.loc[4, "speedup"] == pytest.approx(2 / 1.05, rel=0.03)
    assert (pool["low"] <= pool["speedup"]).all() and (pool["speedup"] <= pool["high"]).all()
    assert list(pool["pool_workers"]) == [2.0, 2.0, 2.0]
    b = scaling.bends(t).set_index("framework")
    assert b.loc["fastapi", "strategy"] == "processes" and b.loc["fastapi", "bend"] == 2
    lines = scaling.sentences(t, cores=2)
    assert any(
        line.startswith("- python, fastapi: best n=1:") and "bends at n=2 (the run had 2 cores)" in line
        for line in lines
    )
    assert any("the sequential curve bends at n=1: no gain from more tasks" in line for line in lines)


def test_a_workload_measured_at_one_n_has_no_scaling_table():
    times = {(IDEAL, "sequential", 4): 0.4, ("flask", "processes", 4): 0.2}
    assert scaling.table(trials(times)).empty


@pytest.mark.slow
def test_a_smoke_run_has_a_speedup_curve_its_figures_and_its_drawing(smoke_run, tmp_path):
    from bench import figures, plots, report

    ok = report.measured(smoke_run.trials())
    t = scaling.table(ok)
    pool = t[(t["workload"] == "python") & (t["framework"] == "fastapi") & (t["strategy"] == "processes")]
    assert list(pool["n"]) == list(presets.scaling_ns(2)) or len(pool) >= 2
    assert (pool["pool_workers"] >= 1).all() and (pool["task_threads"] == 0).all()
    ids = {f.id for f in report.cited(smoke_run)}
    assert {scaling.figure_id("python", "fastapi", "processes", int(n)) for n in pool["n"]} <= ids
    assert "scaling.png" in {p.name for p in plots.write_all(smoke_run)}
    assert all(f.configs for f in figures.compute(ok, n=3, size=300) if f.id.startswith("scaling."))


def test_a_framework_s_other_endpoint_style_is_not_a_curve_of_its_own():
    times = {(IDEAL, "sequential", n): n * 0.1 for n in (1, 2, 4)}
    times |= {("fastapi", "processes", n): n * 0.05 for n in (1, 2, 4)}
    df = trials(times)
    other = df[(df["framework"] == "fastapi") & (df["n"] == 4)].assign(endpoint="sync")
    t = scaling.table(pd.concat([df, other], ignore_index=True))
    assert set(t[t["framework"] == "fastapi"]["endpoint"]) == {"async"}
