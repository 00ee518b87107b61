"""Faults inside a request, and requests that would run for too long: clear JSON errors for
that request only, and the server goes on."""

from __future__ import annotations

import os
import signal
import threading
import warnings

import psutil
import pytest
import requests

from servers import launch, net, worktime
from servers.workloads import PYTHON, SLEEP
from tests.conftest import SMALL, gone, query, wait_for


@pytest.mark.parametrize("endpoint", ["sync", "async"])
def test_a_pool_worker_killed_mid_request_fails_that_request_and_the_pool_recovers(server, endpoint):
    pool = server.app.task_pool
    url = f"{server.url}/run/{endpoint}"
    assert (
        requests.get(url, params=query(workload="sleep", strategy="processes", n=2, size=10), timeout=60).status_code
        == 200
    )
    victims = list(pool.pids)
    busy0 = psutil.Process(victims[0]).cpu_times().user
    answer: dict[str, requests.Response] = {}

    def long_request() -> None:  # two ~3 s tasks of pure Python, one per worker
        answer["r"] = requests.get(
            url, params=query(workload="python", strategy="processes", n=2, size=50_000), timeout=60
        )

    t = threading.Thread(target=long_request)
    t.start()
    try:  # kill a worker once it is computing this request's task
        assert wait_for(lambda: psutil.Process(victims[0]).cpu_times().user > busy0 + 0.1, timeout=20)
        os.kill(victims[0], signal.SIGKILL)
    finally:
        t.join(timeout=60)
    r = answer["r"]
    assert r.status_code == 503
    err = r.json()["error"]
    assert err["code"] == "pool_worker_died" and "restarted" in err["message"]
    assert wait_for(lambda: all(gone(p) for p in victims), timeout=10)  # the broken pool's workers end
    ok = requests.get(url, params=query(workload="sleep", strategy="processes", n=2, size=10), timeout=60)
    assert ok.status_code == 200 and set(pool.pids).isdisjoint(victims)
    assert requests.get(server.url + "/ping", timeout=10).ok


def test_a_request_whose_work_is_too_long_is_refused_before_it_runs(server):
    r = requests.get(server.url + "/run", params=query(workload="python", n=64, size=PYTHON.max_size), timeout=10)
    assert r.status_code == 422
    err = r.json()["error"]
    estimate = worktime.estimate_s(PYTHON, 64, PYTHON.max_size)
    assert err["code"] == "work_limit" and f"estimated work {estimate:.3g} s" in err["message"]
    ok = requests.get(server.url + "/run", params=query(workload="sleep", n=2, size=10), timeout=10)
    assert ok.json()["server"]["estimated_work_s"] == pytest.approx(worktime.estimate_s(SLEEP, 2, 10))


def test_the_work_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(worktime.ENV_LIMIT, "0.5")
    assert worktime.limit_s() == 0.5
    worktime.check(SLEEP, 2, 250)
    with pytest.raises(worktime.WorkRefused, match="exceeds the limit of 0.5 s"):
        worktime.check(SLEEP, 3, 250)
    for bad in ("", "soon", "-1", "0"):
        monkeypatch.setenv(worktime.ENV_LIMIT, bad)
        assert worktime.limit_s() == worktime.DEFAULT_LIMIT_S


def test_an_unexpected_error_is_a_json_500_and_the_server_goes_on(server, monkeypatch):
    from servers import job

    def broken(self):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(job.Job, "run_blocking", broken)
    monkeypatch.setattr(job.Job, "run_on_loop", broken)
    for path in ("/run/sync", "/run/async"):
        r = requests.get(server.url + path, params=query(workload="sleep", n=1, size=1), timeout=10)
        assert r.status_code == 500
        assert (
            r.json()["error"]["code"] == "internal_error" and "ZeroDivisionError: a bug" in r.json()["error"]["message"]
        )
    assert requests.get(server.url + "/ping", timeout=10).ok


def test_a_server_off_loopback_warns_and_debug_there_is_refused():
    with pytest.raises(ValueError, match="executes Python code sent by anyone"):
        launch.serve("flask", "process", host="0.0.0.0", debug=True)
    assert net.exposure_warning("127.0.0.1") is None and net.exposure_warning("::1") is None
    s = launch.serve("fastapi", "thread", host="0.0.0.0", size=SMALL)
    with pytest.warns(UserWarning, match="not on loopback"):
        s.start()
    try:
        assert requests.get(f"http://127.0.0.1:{s.port}/ping", timeout=10).ok
    finally:
        s.stop()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        launch.serve("fastapi", "thread", size=SMALL).start().stop()  # loopback: no warning
