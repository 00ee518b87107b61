"""Every framework's app over real HTTP, in thread mode: the article's routes, /run, /ping,
errors."""

import json
import re
from itertools import pairwise

import pytest
import requests

from servers import frameworks, memory, strategies
from servers.params import N_MAX
from servers.workloads import ARTICLE
from tests.conftest import ARTICLE_ROUTES, SMALL


def get(server, path, **params):
    return requests.get(server.url + path, params=params, timeout=60)


def test_the_article_route_answers_the_articles_exact_body_on_the_articles_frameworks(server):
    assert frameworks.ARTICLE_FRAMEWORKS == tuple(ARTICLE_ROUTES)
    if server.framework not in ARTICLE_ROUTES:
        with pytest.raises(ValueError, match="no article route"):
            frameworks.get(server.framework).article()
        return
    path, body = ARTICLE_ROUTES[server.framework]
    assert frameworks.get(server.framework).article() == (path, body)
    r = get(server, path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == body


def test_an_article_route_answers_only_on_its_own_framework(server):
    for other in [p for f, (p, _) in ARTICLE_ROUTES.items() if f != server.framework]:
        r = get(server, other)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_run_returns_the_timeline(server):
    r = get(server, "/run", workload="article", strategy="gather", n=4, size=SMALL)
    assert r.status_code == 200
    data = r.json()
    assert {k: data[k] for k in ("framework", "workload", "strategy", "n", "size")} == {
        "framework": server.framework,
        "workload": "article",
        "strategy": "gather",
        "n": 4,
        "size": SMALL,
    }
    tasks = data["tasks"]
    assert [t["index"] for t in tasks] == [0, 1, 2, 3]
    for t in tasks:
        assert set(t) == {"index", "start", "end", "pid", "thread", "cpu_start", "cpu_end"}
        assert t["cpu_end"] >= t["cpu_start"]
        assert t["start"] <= t["end"] and t["pid"] == server.pid
    assert data["server"]["wall_s"] >= tasks[-1]["end"] - tasks[0]["start"]
    assert data["server"]["cpu_s"] > 0


def test_the_articles_gather_is_measured_to_run_one_task_at_a_time(server):
    data = get(server, "/run", strategy="gather", n=5, size=400).json()
    tasks = data["tasks"]
    assert all(b["start"] >= a["end"] for a, b in pairwise(tasks))
    assert data["overlap"] <= 1.0 + 1e-6, "never two in progress at once (gaps between them, under load, lower it)"
    assert data["parallelism"] <= 1.05, "one thread: at most one core's worth at once (the clocks read apart)"


def test_sequential_strategy(server):
    data = get(server, "/run", strategy="sequential", n=2, size=SMALL).json()
    assert data["strategy"] == "sequential" and len(data["tasks"]) == 2


def test_ping(server):
    data = get(server, "/ping").json()
    assert data["framework"] == server.framework and data["pid"] == server.pid


def test_every_framework_sends_the_same_error_bodies():
    from servers import launch

    bodies = {}
    for fw in frameworks.FRAMEWORKS:
        with launch.serve(fw, "thread", size=SMALL) as s:
            article = [ARTICLE_ROUTES[fw][0]] if fw in ARTICLE_ROUTES else []
            bodies[fw] = [
                (r.status_code, r.json())
                for r in (
                    get(s, "/run", n="lots"),
                    get(s, "/run", n=N_MAX + 1),
                    get(s, "/run/sync", strategy="magic"),
                    get(s, "/run/async", size=0),
                    get(s, "/run", size=50_000, n=N_MAX),
                    get(s, "/nowhere"),
                    *(get(s, path, size=0) for path in article),
                )
            ]

    # The memory limit is read from the machine at each request, so it may differ by a hair.
    def steady(body):
        return re.sub(r"limit now is [0-9.]+ \w+", "limit now is X", json.dumps(body))

    common = 6
    for fw in frameworks.FRAMEWORKS:
        assert [(st, steady(b)) for st, b in bodies[fw][:common]] == [
            (st, steady(b)) for st, b in bodies["flask"][:common]
        ], fw
    assert [status for status, _ in bodies["flask"]] == [400, 400, 400, 400, 422, 404, 400]
    assert bodies["flask"][-1] == bodies["fastapi"][-1]  # the article's routes too


def test_a_request_that_does_not_fit_is_refused_before_it_allocates(server, monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 64 * 2**20)  # 64 MiB "free"
    paths = [ARTICLE_ROUTES[server.framework][0]] if server.framework in ARTICLE_ROUTES else []
    for r in [get(server, path, size=2000) for path in [*paths, "/run", "/run/sync"]]:
        assert r.status_code == 422
        err = r.json()["error"]
        assert err["code"] == "memory_limit"
        estimate = memory.estimate_peak_bytes(ARTICLE, strategies.GATHER, n=5, size=2000)
        assert f"estimated peak memory {memory.format_bytes(estimate)}" in err["message"]
        assert f"limit now is {memory.format_bytes(0.85 * 64 * 2**20)}" in err["message"]
    # Small requests still fit, and the refused ones reserved nothing.
    assert get(server, "/run", size=100, n=2).status_code == 200


def test_wrong_method_is_a_json_4xx(server):
    r = requests.post(server.url + "/run", timeout=10)
    assert r.status_code == 405 and r.json()["error"]["status"] == 405


@pytest.mark.parametrize("endpoint", ["sync", "async"])
@pytest.mark.parametrize("strategy", ["gather", "sequential", "threads", "processes"])
def test_every_strategy_in_every_endpoint_style(server, endpoint, strategy):
    # 100 ms sleeps: a thread's start takes milliseconds, tens when other tests share the cores
    # (two 30 ms sleeps read 1.5 or less then).
    r = get(server, f"/run/{endpoint}", workload="sleep", strategy=strategy, n=2, size=100)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["endpoint"] == endpoint and data["strategy"] == strategy
    pids = {t["pid"] for t in data["tasks"]}
    assert (pids == {server.pid}) == (strategy != "processes")
    if strategy in ("threads", "processes", "gather"):  # sleeps overlap in all three, and use no CPU
        assert data["overlap"] > 1.5 and data["parallelism"] < 0.5


def test_run_is_the_frameworks_native_style(server):
    native = {"flask": "sync", "fastapi": "async", "quart": "async", "litestar": "async"}[server.framework]
    assert get(server, "/run", workload="sleep", n=1, size=1).json()["endpoint"] == native


def test_blas_threads_are_validated_and_echoed(server):
    assert get(server, "/run", workload="matmul", size=20, n=1, blas_threads=2).json()["blas_threads"] == 2
    r = get(server, "/run", workload="matmul", blas_threads=0)
    assert r.status_code == 400 and r.json()["error"]["param"] == "blas_threads"


@pytest.mark.parametrize("settle", [False, True])
def test_settle_frees_the_gathered_results_before_the_answer(settle):
    """An async endpoint's answer is ready when run_on_loop returns; without settle the
    gathered tasks still hold their results at that moment (freed on the loop's next turn)."""
    import asyncio
    import gc

    from servers.job import Job
    from servers.params import RunParams

    side = 317  # lists of side**2 floats: a length nothing else here has

    async def answer_then_look():
        await Job("fastapi", RunParams("article", "gather", 3, side), "async", settle=settle).run_on_loop()
        return len([o for o in gc.get_objects() if isinstance(o, list) and len(o) == side * side])

    alive = asyncio.run(answer_then_look())
    assert (alive == 0) == settle


def test_werkzeug_answers_malformed_http_with_the_json_error_body_too():
    import socket

    from servers import launch

    with launch.serve("flask", "thread", size=SMALL) as s:
        for raw, status in (
            (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            (b"GET /ping HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
        ):
            with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
                c.sendall(raw)
                answer = b""
                while chunk := c.recv(65536):
                    answer += chunk
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(f"HTTP/1.1 {status}".encode()) and b"application/json" in head
            assert json.loads(body)["error"]["status"] == status


@pytest.mark.slow  # seconds: make test, not make test-fast
@pytest.mark.parametrize("sync_on_loop", [False, True])
def test_litestars_sync_handler_blocks_its_loop_only_when_told_to_run_on_it(sync_on_loop, monkeypatch):
    """A ping sent while /run/sync sleeps is handled during the sleep when the handler runs
    on a thread, and only after the handler returns when it runs on the event loop (both
    seen from inside the server, in this process)."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from servers import job, launch

    started, seen = threading.Event(), {}
    run_blocking, ping = job.Job.run_blocking, job.ping

    def signalling(self):
        started.set()
        try:
            return run_blocking(self)
        finally:
            seen["run returned"] = time.monotonic()

    def noting(framework):
        seen["ping handled"] = time.monotonic()
        return ping(framework)

    monkeypatch.setattr(job.Job, "run_blocking", signalling)
    monkeypatch.setattr(job, "ping", noting)
    with launch.serve("litestar", "thread", size=SMALL, sync_on_loop=sync_on_loop) as s:
        seen.clear()  # the start's own pings
        with ThreadPoolExecutor(1) as ex:
            run = ex.submit(get, s, "/run/sync", workload="sleep", n=1, size=2000)
            assert started.wait(timeout=30)
            assert get(s, "/ping").ok
            assert run.result().json()["endpoint"] == "sync"
    assert (seen["ping handled"] > seen["run returned"]) == sync_on_loop, seen
