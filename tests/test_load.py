"""Load generation against loopback servers: bounds, coordinated omission, the probe."""

from itertools import pairwise

import numpy as np
import psutil
import pytest
import requests

from bench import load
from bench.load import Record
from servers import launch

from .conftest import wait_for


@pytest.fixture(scope="module")
def fast():
    with launch.serve("fastapi", "thread", size=100) as s:
        yield s


def test_closed_loop_stops_at_its_request_count(fast):
    recs = load.closed_loop(fast.url + "/ping", clients=3, max_requests=30, duration_s=30)
    assert len(recs) == 30 and {r.client for r in recs} == {0, 1, 2}
    assert all(r.status == 200 and r.latency_s == r.end - r.start for r in recs)


def test_closed_loop_stops_at_its_duration(fast):
    recs = load.closed_loop(
        fast.url + "/run",
        {"workload": "sleep", "strategy": "sequential", "n": 1, "size": 50},
        clients=2,
        max_requests=10_000,
        duration_s=0.5,
    )
    assert 4 <= len(recs) <= 24
    assert max(r.end for r in recs) - min(r.start for r in recs) < 0.5 + 0.2


def test_open_loop_counts_latency_from_the_intended_send_time(fast, monkeypatch):
    """With one sender, requests wait to be sent; their latency must include that wait."""
    monkeypatch.setattr(load, "OPEN_LOOP_MAX_IN_FLIGHT", 1)
    recs = load.open_loop(
        fast.url + "/run",
        {"workload": "sleep", "strategy": "sequential", "n": 1, "size": 100},
        rate=20,
        max_requests=8,
        duration_s=10,
    )
    assert len(recs) == 8 and [r.seq for r in recs] == list(range(8))
    assert all(abs((b.intended - a.intended) - 0.05) < 1e-6 for a, b in pairwise(recs))
    last = recs[-1]
    assert last.latency_s > 3 * (last.end - last.start)  # mostly waiting to be sent


def test_open_loop_refuses_a_rate_of_zero():
    with pytest.raises(ValueError, match="rate"):
        load.open_loop("http://127.0.0.1:9/ping", rate=0)


def test_errors_are_counted_not_lost(fast):
    recs = load.closed_loop(fast.url + "/run", {"n": 0}, clients=2, max_requests=6, duration_s=10)
    df = load.frame(recs)
    s = load.summarize(df).iloc[0]
    assert s["requests"] == 6 and s["errors"] == 6 and "n must be between" in recs[0].error


def test_summary_on_known_records():
    recs = [
        Record("load", 0, i, float(i), float(i), float(i) + (i + 1) / 1000, (i + 1) / 1000, 200, "") for i in range(100)
    ]
    s = load.summarize(load.frame(recs)).iloc[0]
    assert s["requests"] == 100 and s["errors"] == 0
    assert s["p50_ms"] == pytest.approx(50.5) and s["max_ms"] == pytest.approx(100.0)
    assert s["p50_low_ms"] <= 50.5 <= s["p50_high_ms"]
    assert s["throughput_rps"] == pytest.approx(100 / (99.1 - 0.0), rel=1e-3)
    assert s["throughput_low_rps"] <= s["throughput_rps"] <= s["throughput_high_rps"]  # evenly spread: a point


def test_throughput_interval_is_narrow_for_a_steady_server_and_wide_for_a_bursty_one():
    steady = load.throughput_ci(np.arange(0.05, 10, 0.1), 0.0, 10.0)
    bursty = load.throughput_ci(np.concatenate([np.full(90, 0.5), np.full(10, 9.5)]), 0.0, 10.0)
    assert steady.value == pytest.approx(10.0) and bursty.value == pytest.approx(10.0)
    assert steady.high - steady.low < 0.5 < bursty.high - bursty.low
    assert np.isnan(load.throughput_ci(np.array([1.0, 2.0]), 0.0, 3.0).low)  # too few for windows


def test_blocking_probe_has_a_baseline_pings_under_load_and_the_load(fast):
    recs = load.blocking_probe(
        fast.url,
        "/run",
        {"workload": "sleep", "n": 2, "size": 50},
        heavy_clients=2,
        ping_rate=20,
        duration_s=1.0,
        baseline_s=0.3,
    )
    phases = load.frame(recs)["phase"].value_counts()
    assert set(phases.index) == {"warmup", "baseline", "ping", "heavy"} and phases["warmup"] == 1
    assert phases["ping"] <= 21 and phases["baseline"] <= 7


@pytest.mark.parametrize(
    "framework, server, workers, threads",
    [
        ("flask", "gunicorn-sync", 2, 1),
        ("flask", "gunicorn-gthread", 2, 2),
        ("fastapi", "uvicorn", 2, 1),
        ("fastapi", "gunicorn-uvicorn", 2, 1),
    ],
)
def test_production_servers_serve_and_stop_leaving_no_process(framework, server, workers, threads):
    with launch.serve(framework, "process", size=100, server=server, workers=workers, threads=threads) as s:
        master = psutil.Process(s._proc.pid)
        tree = [master] + master.children(recursive=True)
        assert len(tree) >= 1 + workers
        path = "/api/multiply" if framework == "flask" else "/api-fast/multiply"
        assert requests.get(s.url + path, timeout=30).status_code == 200
        pids = {requests.get(s.url + "/ping", timeout=10).json()["pid"] for _ in range(10)}
        assert pids <= {p.pid for p in tree}
    assert wait_for(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in tree), 15)


def test_impossible_production_combinations_are_refused():
    with pytest.raises(ValueError, match="runs on"):
        launch.Server("flask", "process", server="uvicorn")
    with pytest.raises(ValueError, match="threads apply"):
        launch.Server("fastapi", "process", threads=4)
    with pytest.raises(ValueError, match="mode='process'"):
        launch.Server("flask", "thread", server="gunicorn-sync")


def test_load_smoke_run_writes_requests_summary_figures_and_verdicts(tmp_path):
    from bench import loadrun

    run = loadrun.run(loadrun.LOAD_PRESETS["smoke"], tmp_path, progress=False)
    names = {p.name for p in run.path.iterdir()}
    assert {"requests.csv", "summary.csv", "meta.json", "probe.png", "sweep.png"} <= names
    assert run.meta()["completed"] is True
    text = loadrun.text(run)
    assert text.count("fastapi") >= 2 and ("STALLS" in text or "stays responsive" in text)
    import pandas as pd

    df = pd.read_csv(run.path / "requests.csv")
    assert set(df["part"]) == {"probe", "sweep", "overload"} and (df["status"] == 200).all()
    assert "then answered /ping" in text
