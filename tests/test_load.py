"""Load generation against loopback servers: bounds, coordinated omission, the probe."""

import asyncio
import http.server
import threading
from itertools import pairwise

import numpy as np
import pandas as pd
import psutil
import pytest
import requests

from bench.frontends import load_runner
from bench.instrument import environment
from bench.instrument.load import blocking, http_client, load_presets
from bench.instrument.load import loops as load
from bench.instrument.load.loops import Record
from bench.instrument.store import Run, runs
from bench.presentation import load_report
from servers import launch

from .conftest import wait_for


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


class Answers(http.server.BaseHTTPRequestHandler):
    """Each path answers in one of the ways HTTP/1.1 allows a body to be framed."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hel", b"lo"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path.startswith("/close"):
            self.send_response(404)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"gone")
            self.close_connection = True
        elif self.path.startswith("/badlength"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n")
            self.close_connection = True
        elif self.path.startswith("/garbage"):
            self.wfile.write(b"SMTP ready\r\n\r\n")
            self.close_connection = True
        else:
            body = self.path.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def answers():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, name="answers")
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(timeout=5)


def test_the_light_client_reads_every_framing_of_an_answer(answers):
    def one(path: str, params=None):
        sent = http_client.closed_loop(
            answers + path, params, clients=1, max_requests=3, duration_s=10, timeout_s=5, stop=threading.Event()
        )
        assert len(sent) == 3
        return [(status, error) for _, _, _, _, status, error in sent]

    assert one("/length", {"a": 1}) == [(200, "")] * 3
    assert one("/chunked") == [(200, "")] * 3
    assert one("/close") == [(404, "gone")] * 3, "a closed connection is opened again"
    garbage = one("/garbage")
    assert all(
        status == 0 and error.startswith("ProtocolError: not an HTTP/1.x status line") for status, error in garbage
    )
    assert all(status == 0 and error.startswith("ValueError") for status, error in one("/badlength"))
    assert http_client.target_of("http://h:81/run?x=1", {"n": 2}) == ("h", 81, "/run?x=1&n=2")
    with pytest.raises(ValueError, match="plain http"):
        http_client.target_of("https://h/run", None)


def test_the_light_client_runs_where_an_event_loop_already_runs(answers):
    async def in_a_notebook() -> list[http_client.Sent]:  # a kernel's cell runs with its loop running
        return http_client.closed_loop(
            answers + "/x", None, clients=2, max_requests=4, duration_s=10, timeout_s=5, stop=threading.Event()
        )

    sent = asyncio.run(in_a_notebook())
    assert sorted(seq for _, seq, *_ in sent) == [0, 1, 2, 3] and {s[4] for s in sent} == {200}


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
        ("quart", "gunicorn-asgi", 2, 1),
        ("flask", "granian", 2, 2),
        ("fastapi", "granian", 2, 1),
        ("litestar", "granian", 2, 1),
    ],
)
def test_production_servers_serve_and_stop_leaving_no_process(framework, server, workers, threads):
    with launch.serve(framework, "process", size=100, server=server, workers=workers, threads=threads) as s:
        master = psutil.Process(s.root_pid)
        tree = [master] + master.children(recursive=True)
        assert len(tree) >= 1 + workers
        r = requests.get(s.url + "/run", params={"n": "2", "strategy": "threads"}, timeout=30)
        assert r.status_code == 200 and r.json()["framework"] == framework
        assert requests.get(s.url + "/run", params={"size": -1}, timeout=30).status_code == 400
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
    both.to_csv(run.path / load_runner.REQUESTS, index=False)
    text = load_report.text(run)
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
        load_runner.run(load_presets.get("smoke"), tmp_path, progress=False)
    (folder,) = tmp_path.iterdir()
    meta = Run(folder).meta()
    assert meta["interrupted"] and not meta["completed"] and meta["ended_at"] is not None
    assert meta["requests"] == len(probe_records(5, 100)) == len(load_runner.requests_of(Run(folder)))
    with pytest.warns(UserWarning, match=f"{folder.name} \\(interrupted\\)"):
        assert runs(tmp_path, kind="load") == []
