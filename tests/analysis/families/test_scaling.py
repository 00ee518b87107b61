"""Speed-up against n: the n a run measures, the speed-up table, and where a curve bends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from bench.analysis.families import scaling
from bench.instrument import presets
from bench.presentation.article import speedup_against_n
from bench.vocabulary import config
from bench.vocabulary.config import IDEAL


@pytest.mark.parametrize(
    "cores, ns",
    [(1, (1, 2)), (2, (1, 2, 4)), (3, (1, 2, 3, 4)), (6, (1, 2, 4, 6, 8)), (16, (1, 2, 4, 8, 16, 32))],
)
def test_a_scaling_run_measures_powers_of_two_up_to_twice_the_cores_and_the_core_count(cores, ns):
    assert config.scaling_ns(cores) == ns
    p = presets.resolve(presets.get("scaling"), cores=cores)
    assert sorted({c.n for c in p.configs()}) == list(config.scaling_ns(cores))
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
    found = scaling.bend([1, 2, 4], list(speedups))
    assert found.at == bend and found.unresolved is None


@pytest.mark.parametrize(
    "speedups, lows, highs, at, unresolved",
    [
        # Gains clearly to 2 (1.6 / 1.06 > 1.41), then clearly flat (2.1 / 1.6 < 1.41): bends at 2.
        ((1.0, 1.9, 1.95), (0.95, 1.6, 1.7), (1.06, 2.2, 2.1), 2, None),
        # The noisy n=1 of the 1 of 9 curves read wrong from medians: 1.2 -> 1.6 grows 1.33x by
        # its medians, but between 1.6 / 1.5 and 1.9 / 0.9: unresolved at the first step.
        ((1.2, 1.6, 1.65), (0.9, 1.4, 1.5), (1.5, 1.9, 1.8), None, (1, 2)),
        # The first step gains clearly, the second's interval straddles 1.41: unresolved there.
        ((1.0, 1.9, 2.9), (0.97, 1.8, 2.2), (1.03, 2.0, 3.4), None, (2, 4)),
        # Without an interval (too few trials) the medians decide, as without any.
        ((1.0, 1.9, 1.95), (np.nan, 1.6, 1.7), (np.nan, 2.2, 2.1), 2, None),
    ],
)
def test_a_bend_is_decided_on_the_intervals_and_left_unresolved_where_they_straddle(
    speedups, lows, highs, at, unresolved
):
    found = scaling.bend([1, 2, 4], list(speedups), list(lows), list(highs))
    assert found.at == at and found.unresolved == unresolved
    words = found.words(first_n=1, max_n=4, cores=2)
    if unresolved:
        a, b = unresolved
        assert words.startswith(f"bends at n={a} or later, unresolved: from n={a} to n={b}") and "1.41x" in words
    else:
        assert words == "bends at n=2 (the run had 2 cores)"


def trials(times: dict[tuple[str, str, int], float], spread: float = 0.02, k: int = 8) -> pd.DataFrame:
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
                    "overlap": 1.0,
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
    times |= {(IDEAL, "threads", n): n * task * 1.01 for n in (1, 2, 4)}
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
    # The ideal's one-after-another is the baseline (1 by construction): never its best.
    assert any(
        line.startswith("- python, ideal:") and "the threads curve bends at n=1: no gain from more tasks" in line
        for line in lines
    )
    assert not any("sequential" in line for line in lines if line.startswith("- python, ideal:"))


def test_what_a_speed_up_is_made_of_is_read_from_the_task_timelines():
    """Synthetic trials of a pool on 2 cores: each task 0.1 s alone and 0.11 s two at a time,
    fully overlapped, 5 ms of serving per request (1 ms with no server)."""
    task, slow = 0.1, 1.1
    rows = []
    for f, outside in (("fastapi", 0.005), (IDEAL, 0.001)):
        times = {(IDEAL, "sequential", n): n * task for n in (1, 2)} if f == IDEAL else {}
        times |= {(f, "processes", 1): task + outside, (f, "processes", 2): task * slow + outside}
        df = trials(times, spread=0.0)
        pool = df["strategy"] == "processes"
        tasks = df["n"] * task * (df["n"] == 2).map({True: slow, False: 1.0})
        df["tasks_sum_s"] = df["client_wall_s"].where(~pool, tasks)
        df["tasks_window_s"] = df["client_wall_s"].where(~pool, tasks / df["n"])
        df["overlap"] = df["tasks_sum_s"] / df["tasks_window_s"]
        df["parallelism"] = df["overlap"] / slow  # two tasks at once, each slower: 1.82 cores' worth
        rows.append(df)
    t = scaling.table(pd.concat(rows, ignore_index=True))
    at2 = t[(t["n"] == 2) & (t["strategy"] == "processes")].set_index("framework")
    assert at2.loc["fastapi", "pace"] == pytest.approx(1 / slow)
    assert at2.loc["fastapi", "overlap"] == pytest.approx(2.0)
    assert at2.loc["fastapi", "outside_ms"] == pytest.approx(5.0)
    assert at2.loc[IDEAL, "outside_ms"] == pytest.approx(1.0)
    for fw, r in at2.iterrows():  # per trial the three multiply to the speed-up exactly
        assert r["pace"] * r["overlap"] * r["in_tasks"] == pytest.approx(r["speedup"]), fw
    assert scaling.n_for(t, cores=2) == 2 and scaling.n_for(t, cores=None) == 2 and scaling.n_for(t, cores=1) == 1
    lines = scaling.made_of(t, 2)
    assert "- python, fastapi, processes at n=2: 1.74x = pace 0.91 x overlap 2.00 x 0.96" in lines[0]
    words = scaling.serving_cost(t, 2)
    assert words.startswith("At n=2, processes gave python 1.74x behind fastapi and 1.80x with no server.")
    assert (
        "overlapped 2.00 at a time (2.00 with no server), ran 1.82 cores' worth at once (1.82 with no server)" in words
    )
    assert "each ran at 0.91 of its pace" in words
    assert "one after another (0.91 with no server), and" in words
    assert "serving kept 5.0 ms of each request outside its tasks (1.0 ms with no server)" in words
    assert scaling.serving_cost(t, 2, workload="sleep") == ""
    served = scaling.serving_cost(t[t["framework"] != IDEAL], 2)  # a run without the ideal's pool
    assert "with no server" not in served and "serving kept 5.0 ms of each request outside its tasks." in served


def test_a_noisy_curve_s_bend_is_unresolved_rather_than_read_from_its_medians():
    """Synthetic timings whose n=1 came out fast by its median (1.45x) and scatters by a
    factor of 4 (a shared machine's bursts): the medians grow less than sqrt(2) from n=1 to
    2, which alone would say "bends at n=1"; the intervals cannot tell."""
    times = {(IDEAL, "sequential", n): n * 0.1 for n in (1, 2, 4)}
    times |= {("fastapi", "processes", n): n * 0.1 / min(n, 2) for n in (1, 2, 4)}
    df = trials(times, spread=0.02, k=8)
    rng = np.random.default_rng(1)
    first = (df["framework"] == "fastapi") & (df["n"] == 1)
    df.loc[first, "client_wall_s"] = 0.1 / 1.45 * rng.uniform(0.4, 1.6, first.sum())
    assert scaling.bend([1, 2, 4], list(scaling.table(df).query("framework == 'fastapi'")["speedup"])).at == 1
    t = scaling.table(df)
    b = scaling.bends(t).set_index("framework").loc["fastapi"]
    assert pd.isna(b["bend"]) and b["unresolved"] == (1, 2)
    assert any(
        "the processes curve bends at n=1 or later, unresolved: from n=1 to n=2" in s for s in scaling.sentences(t, 2)
    )
    clean = scaling.bends(scaling.table(trials(times, spread=0.02, k=8))).set_index("framework").loc["fastapi"]
    assert clean["bend"] == 2 and clean["unresolved"] is None


def test_a_workload_measured_at_one_n_has_no_scaling_table():
    times = {(IDEAL, "sequential", 4): 0.4, ("flask", "processes", 4): 0.2}
    assert scaling.table(trials(times)).empty


@pytest.mark.slow
def test_a_smoke_run_has_a_speedup_curve_its_figures_and_its_drawing(smoke_run, tmp_path):
    from bench.analysis import cited_figures
    from bench.presentation import drawings, report

    ok = report.measured(smoke_run.trials())
    t = scaling.table(ok)
    pool = t[(t["workload"] == "python") & (t["framework"] == "fastapi") & (t["strategy"] == "processes")]
    assert list(pool["n"]) == list(config.scaling_ns(2)) or len(pool) >= 2
    assert (pool["pool_workers"] >= 1).all() and (pool["task_threads"] == 0).all()
    ids = {f.id for f in report.cited(smoke_run)}
    assert {scaling.figure_id("python", "fastapi", "processes", int(n)) for n in pool["n"]} <= ids
    assert "scaling.png" in {p.name for p in drawings.write_all(smoke_run)}
    assert all(f.configs for f in cited_figures.compute(ok, n=3, size=300) if f.id.startswith("scaling."))


def test_a_framework_s_other_endpoint_style_is_not_a_curve_of_its_own():
    times = {(IDEAL, "sequential", n): n * 0.1 for n in (1, 2, 4)}
    times |= {("fastapi", "processes", n): n * 0.05 for n in (1, 2, 4)}
    df = trials(times)
    other = df[(df["framework"] == "fastapi") & (df["n"] == 4)].assign(endpoint="sync")
    t = scaling.table(pd.concat([df, other], ignore_index=True))
    assert set(t[t["framework"] == "fastapi"]["endpoint"]) == {"async"}


def test_a_strategy_measured_at_one_n_draws_no_curve_and_is_not_named_the_best_one():
    """The quick preset's matrix measures the ideal's pool at n=4 only: it cannot bend."""
    times = {(IDEAL, "sequential", n): n * 0.1 for n in (1, 2, 4)}
    times |= {(IDEAL, "threads", n): n * 0.1 for n in (1, 2, 4)} | {(IDEAL, "processes", 4): 0.2}
    b = scaling.bends(scaling.table(trials(times))).set_index("framework").loc[IDEAL]
    assert b["strategy"] == "threads" and b["bend"] == 1


def test_the_scaling_captions_best_is_what_its_panel_draws_highest():
    """The scaling figure once named the ideal's pool (1.95x) its best for n=4 while its own
    panel drew the ideal's gather, measured at n=4 only (the quick preset's matrix), at 3.6x:
    the caption and the panel took two selections. Now both take :func:`bench.analysis.families.scaling.curves`,
    and the caption's claim names the highest the panel draws at the cores."""
    times = {(IDEAL, "sequential", n): n * 0.1 for n in (1, 2, 4)}
    times |= {(IDEAL, "processes", n): n * 0.1 / s for n, s in ((1, 0.9), (2, 1.7), (4, 1.95))}
    times |= {("fastapi", "gather", 4): 0.4 / 3.6}
    times |= {("fastapi", "processes", n): n * 0.1 / s for n, s in ((1, 0.8), (2, 1.5), (4, 1.8))}
    times |= {("fastapi", "threads", n): n * 0.1 / s for n, s in ((1, 0.9), (2, 1.0), (4, 1.1))}
    df = trials(times).assign(
        warmup=False,
        status=200,
        server_is_client_process=False,
        server_process_cpu_s=0.0,
        client_cpu_s=0.0,
        client_process_cpu_s=0.0,
    )
    shown = speedup_against_n.speedup_against_n(df, 8, cores=4)
    drawn: dict[str, dict[int, float]] = {}
    assert isinstance(shown.shows, Figure)
    for ax in shown.shows.axes:
        for c in ax.containers:
            assert isinstance(c, ErrorbarContainer)
            line = c.lines[0]
            assert line is not None
            xs, ys = np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float)
            drawn[str(c.get_label())] = {int(x): float(y) for x, y in zip(xs, ys, strict=True)}
    assert "gather, fastapi" not in drawn  # measured at one n: no curve
    candidates = {label: ys[4] for label, ys in drawn.items() if label.endswith(", fastapi") and 4 in ys}
    highest = max(candidates, key=lambda label: candidates[label]).split(",")[0]
    (claim,) = [c for c in shown.claims if c.id == "scaling.best.python"]
    assert claim.holds and claim.text.startswith(f"python at n=4: fastest {highest} on FastAPI"), (claim.text, drawn)
    assert highest == "processes"
