"""The production servers (gunicorn, uvicorn, Granian) serving every framework they host, and
stopping leaving no process."""

import psutil
import pytest
import requests

from servers import launch
from tests.conftest import wait_for


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
