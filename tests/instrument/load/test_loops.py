"""The load loops against a loopback server: closed loops bounded by count and by time, the
open loop's latency from the intended send time (no coordinated omission), errors counted,
summaries and throughput intervals on known records, the blocking probe's phases."""

from itertools import pairwise

import numpy as np
import pytest

from bench.instrument.load import loops as load
from bench.instrument.load.loops import Record
from servers import launch


@pytest.fixture(scope="module")
def fast():
    with launch.serve("fastapi", "thread", size=100) as s:
        yield s


@pytest.mark.parametrize("client", load.CLIENTS)
def test_closed_loop_stops_at_its_request_count(fast, client):
    recs = load.closed_loop(fast.url + "/ping", clients=3, max_requests=30, duration_s=30, client=client)
    assert len(recs) == 30 and {r.client for r in recs} == {0, 1, 2}
    assert all(r.status == 200 and r.latency_s == r.end - r.start for r in recs)


@pytest.mark.parametrize("client", load.CLIENTS)
def test_closed_loop_stops_at_its_duration(fast, client):
    recs = load.closed_loop(
        fast.url + "/run",
        {"workload": "sleep", "strategy": "sequential", "n": 1, "size": 50},
        clients=2,
        max_requests=10_000,
        duration_s=0.5,
        client=client,
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


@pytest.mark.parametrize("client", load.CLIENTS)
def test_errors_are_counted_not_lost(fast, client):
    recs = load.closed_loop(fast.url + "/run", {"n": 0}, clients=2, max_requests=6, duration_s=10, client=client)
    df = load.frame(recs)
    s = load.summarize(df).iloc[0]
    assert s["requests"] == 6 and s["errors"] == 6 and "n must be between" in recs[0].error


def test_an_unknown_client_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown client 'curl'; choose one of: threads, async"):
        load.closed_loop("http://127.0.0.1:9/ping", client="curl")


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
        fast.url + "/ping",
        fast.url + "/run",
        {"workload": "sleep", "n": 2, "size": 50},
        heavy_clients=2,
        ping_rate=20,
        duration_s=1.0,
        baseline_s=0.3,
    )
    phases = load.frame(recs)["phase"].value_counts()
    assert set(phases.index) == {"warmup", "baseline", "ping", "heavy"} and phases["warmup"] == 1
    assert phases["ping"] <= 21 and phases["baseline"] <= 7
