"""Load generation against loopback servers: bounds, coordinated omission, the probe."""

from itertools import pairwise

import numpy as np
import pandas as pd
import psutil
import pytest
import requests

from bench import environment
from bench.load import blocking, runner
from bench.load import loops as load
from bench.load import presets as load_presets
from bench.load.loops import Record
from bench.store import Run, runs
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
    steady = load.throughput_ci(np.arange(0.05, 10, 0.1), start=0.0, span=10.0)
    bursty = load.throughput_ci(np.concatenate([np.full(90, 0.5), np.full(10, 9.5)]), start=0.0, span=10.0)
    assert steady.value == pytest.approx(10.0) and bursty.value == pytest.approx(10.0)
    assert steady.high - steady.low < 0.5 < bursty.high - bursty.low
    assert np.isnan(load.throughput_ci(np.array([1.0, 2.0]), start=0.0, span=3.0).low)  # too few for windows


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


@pytest.mark.slow
@pytest.mark.parametrize(
    "framework, server, workers, threads",
    [
        ("flask", "gunicorn-sync", 2, 1),
        ("flask", "gunicorn-gthread", 2, 2),
        ("fastapi", "uvicorn", 2, 1),
        ("fastapi", "gunicorn-uvicorn", 2, 1),
        ("fastapi", "gunicorn-asgi", 2, 1),
    ],
)
def test_production_servers_serve_and_stop_leaving_no_process(framework, server, workers, threads):
    with launch.serve(framework, "process", size=100, server=server, workers=workers, threads=threads) as s:
        master = psutil.Process(s.root_pid)
        tree = [master] + master.children(recursive=True)
        assert len(tree) >= 1 + workers
        path = "/api/multiply" if framework == "flask" else "/api-fast/multiply"
        assert requests.get(s.url + path, timeout=30).status_code == 200
        pids = {requests.get(s.url + "/ping", timeout=10).json()["pid"] for _ in range(10)}
        assert pids <= {p.pid for p in tree}
    assert wait_for(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in tree), 15)


def probe_records(ping_ms: float, heavy_ms: float, pings: int = 60) -> list[Record]:
    """A probe case on known latencies: pings alone take 2 ms, under load ``ping_ms`` (with
    a little spread), heavy requests ``heavy_ms``."""
    rng = np.random.default_rng(0)
    out = [Record("baseline", 0, i, i * 0.05, i * 0.05, i * 0.05 + 0.002, 0.002, 200, "") for i in range(20)]
    for i in range(pings):
        lat = ping_ms / 1000 * rng.uniform(0.95, 1.05)
        out.append(Record("ping", 0, i, 1 + i * 0.05, 1 + i * 0.05, 1 + i * 0.05 + lat, lat, 200, ""))
    for i in range(10):
        out.append(
            Record("heavy", 1, i, 1 + i * 0.3, 1 + i * 0.3, 1 + i * 0.3 + heavy_ms / 1000, heavy_ms / 1000, 200, "")
        )
    return out


@pytest.mark.parametrize(
    "ping_ms, heavy_ms, stalls",
    [
        (300, 400, True),  # pings wait most of a heavy request: a blocked loop
        (60, 400, False),  # pings slowed by sharing the cores, not waiting for the work
        (180, 400, False),  # just under half a heavy request
        (230, 400, True),  # just over half
        (45, 20, False),  # heavy requests this light: under the 50 ms floor, jitter
        (80, 20, True),  # over the floor
    ],
)
def test_the_stall_rule_on_known_latencies(ping_ms, heavy_ms, stalls):
    df = load.frame(probe_records(ping_ms, heavy_ms)).assign(config="case")
    summary = blocking.summarize(df)
    assert set(summary["stalls"]) == {stalls}
    threshold = max(blocking.STALL_MIN_MS, blocking.STALL_SHARE * heavy_ms)
    assert summary["stall_threshold_ms"].iloc[0] == pytest.approx(threshold, rel=0.02)
    (line,) = blocking.verdicts(summary)
    assert line.startswith("- case: " + ("STALLS" if stalls else "stays responsive"))


def test_each_probe_case_gets_one_verdict_and_it_is_the_summarys(tmp_path):
    both = pd.concat(
        [
            load.frame(probe_records(300, 400)).assign(config="blocked", part="probe"),
            load.frame(probe_records(10, 400)).assign(config="free", part="probe"),
        ]
    )
    run = Run.create(tmp_path, "load-test")
    run.write_meta(run.new_meta("load", environment.collect()))
    both.to_csv(run.path / runner.REQUESTS, index=False)
    text = runner.text(run)
    assert [line.split(":")[:2] for line in text.splitlines() if line.startswith("- ")] == [
        ["- blocked", " STALLS"],
        ["- free", " stays responsive"],
    ]


def test_an_interrupted_load_run_keeps_its_requests_and_says_when_it_ended(tmp_path, monkeypatch):
    def interrupted(cases, params, *, keep, **options):
        keep(
            load.frame(probe_records(5, 100)).assign(
                framework="fastapi", endpoint="async", strategy="gather", config="kept"
            )
        )
        raise KeyboardInterrupt

    monkeypatch.setattr(blocking, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runner.run(load_presets.get("smoke"), tmp_path, progress=False)
    (folder,) = tmp_path.iterdir()
    meta = Run(folder).meta()
    assert meta["interrupted"] and not meta["completed"] and meta["ended_at"] is not None
    assert meta["requests"] == len(probe_records(5, 100)) == len(runner.requests_of(Run(folder)))
    with pytest.warns(UserWarning, match=f"{folder.name} \\(interrupted\\)"):
        assert runs(tmp_path, kind="load") == []
