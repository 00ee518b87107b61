"""Framework x server: the cells, the figures' ids, and the verdicts the article computes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.analysis import figure
from bench.analysis.families import framework_server as fs
from bench.instrument import presets
from bench.instrument.load import blocking
from bench.instrument.load.load_presets import probe_cases
from bench.presentation import report
from bench.vocabulary import sides
from bench.vocabulary.stats import MIN_TRIALS
from servers import frameworks, harness


def test_each_family_is_one_server_per_framework_and_a_valid_server_variant():
    expected = {
        "flask": ("werkzeug", "gunicorn-sync", "granian"),
        "fastapi": ("uvicorn", "gunicorn-asgi", "granian"),
        "quart": ("uvicorn", "gunicorn-asgi", "granian"),
        "litestar": ("uvicorn", "gunicorn-asgi", "granian"),
    }
    assert tuple(expected) == frameworks.FRAMEWORKS
    for f, servers in expected.items():
        assert tuple(fs.server_of(f, family) for family in sides.FAMILIES) == servers
        for family in sides.FAMILIES:
            o = harness.ServerOptions.build(f, "process", variant=sides.variant(f, family))
            assert o.workers == 1 and o.threads == 1  # one worker each: what the comparison holds constant


def test_the_grid_measures_every_framework_behind_every_family():
    smoke = presets.resolve(presets.get("smoke"))
    cells = {
        (c.framework, c.variant)
        for c in smoke.configs()
        if c.mode == "process" and c.strategy == "gather" and c.back_to_back and c.size == smoke.size
    }
    wanted = {(f, sides.variant(f, family)) for f in frameworks.FRAMEWORKS for family in sides.FAMILIES}
    assert wanted <= cells
    assert len(probe_cases()) == len(frameworks.FRAMEWORKS) * len(sides.FAMILIES)
    assert all(c.endpoint == harness.NATIVE_ENDPOINT[c.framework] for c in probe_cases())


def fig(value: float, low: float, high: float) -> figure.Figure:
    return figure.Figure("x", "", "isolated", value, low, high, 0.0, None, None, 5, 500, (("a", 12), ("b", 12)))


@pytest.mark.parametrize(
    "value, low, high, verdict",
    [
        (0.80, 0.70, 0.90, "faster"),
        (1.30, 1.20, 1.45, "slower"),
        (1.01, 0.97, 1.05, "same"),
        (1.00, 0.80, 1.30, "unresolved"),
        (1.00, np.nan, np.nan, "unresolved"),
    ],
)
def test_a_ratio_is_a_difference_no_difference_or_unresolved(value, low, high, verdict):
    c = fs.Comparison("id", "server", "isolated", "flask", "own", value, low, high)
    assert c.verdict == verdict


def test_the_conclusion_counts_what_each_side_resolved_and_names_the_largest_difference():
    by = {fid: fig(1.01, 0.98, 1.04) for fid, *_ in fs.figure_ids("isolated")}
    by["fxs.isolated.framework.granian.quart"] = fig(1.50, 1.30, 1.70)
    by["fxs.isolated.server.flask.gunicorn"] = fig(1.10, 0.70, 1.60)
    words = fs.conclusion(by)
    n_server = sum(1 for _, held, *_ in fs.figure_ids("isolated") if held == "server")
    n_framework = len(fs.figure_ids("isolated")) - n_server
    assert (
        f"With the server held constant (each framework over FastAPI behind the same server), {n_server} ratios"
        in words
    )
    assert "1 resolved as a difference (largest first: Quart takes 1.50x FastAPI's time on granian" in words
    assert "Together: 1.01x to 1.50x." in words
    assert f"{n_server - 1} resolved as no difference beyond 10%" in words
    assert f"With the framework held constant (each server over the framework's own), {n_framework} ratios" in words
    assert "1 unresolved (their intervals include 1 yet still allow a difference of up to 60%" in words
    assert fs.conclusion({}) == (
        "With the server held constant: not measured in this run. With the framework held constant: not measured "
        "in this run."
    )


def test_the_probe_table_reads_the_cells_from_the_probe_summary():
    cases = probe_cases(("flask",))
    rows = []
    for case, p99 in zip(cases, (20.0, 900.0, 30.0), strict=True):
        rows.append({"config": case.label, "phase": "ping", "p99_ms": p99, "p99_low_ms": p99 * 0.9})
        rows[-1] |= {"p99_high_ms": p99 * 1.1, "stalls": p99 > 500, "stall_threshold_ms": 500.0, "requests": 20}
    table = fs.probe_table(pd.DataFrame(rows))
    assert list(table["server"]) == ["werkzeug", "gunicorn-sync", "granian"]
    assert list(table["stalls"]) == [False, True, False]
    assert list(table["threshold_ms"]) == [500.0] * 3 and list(table["pings"]) == [20] * 3
    words = fs.conclusion({}, table)
    assert "it waits for the heavy work in 1 of 3 cells (Flask on gunicorn-sync)" in words
    assert blocking.Case("flask", "sync", "gather", "granian").label == "flask [granian] sync endpoint, gather"


@pytest.mark.slow
def test_a_smoke_run_has_every_framework_server_figure(smoke_run):
    found = figure.by_id(report.cited(smoke_run))
    ids = [fid for m in fs.MEASURES for fid, *_ in fs.figure_ids(m)]
    assert sorted(f for f in found if f.startswith("fxs.")) == sorted(ids)
    smoke = presets.get("smoke")
    times = fs.times(report.measured(smoke_run.trials()), n=smoke.n, size=smoke.size or 0)
    assert len(times) == len(frameworks.FRAMEWORKS) * len(sides.FAMILIES) and (times["trials"] > 0).all()
    few = times["trials"] < MIN_TRIALS  # no interval from fewer than 8 trials
    assert times.loc[few, ["isolated_low_s", "isolated_high_s"]].isna().all().all()
    enough = times[~few]
    assert (enough["isolated_low_s"] <= enough["isolated_s"]).all()
    assert (enough["isolated_s"] <= enough["isolated_high_s"]).all()
