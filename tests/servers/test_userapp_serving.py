"""Your own app served as ours are: the example Flask and FastAPI apps behind two servers each,
loaded with ``bench load --url``; a module found in the current directory by every server's
workers; a server of one's own app that ends with the process that started it, and leaves
nothing behind when stopped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import psutil
import pytest
import requests

from servers import launch
from tests import ROOT
from tests.conftest import gone, wait_for

#: Servers in processes of their own, loaded for seconds: slow.
pytestmark = pytest.mark.slow


def family(root: int) -> list[psutil.Process]:
    master = psutil.Process(root)
    return [master, *master.children(recursive=True)]


def all_gone(processes: list[psutil.Process]) -> bool:
    return all(gone(p.pid) for p in processes)


@pytest.mark.parametrize(
    "spec, server, workers, threads",
    # one process for an ASGI app; docs/yourapp.md's commands serve the Flask app under
    # gunicorn's master and workers and under Werkzeug, and load it (tests/doc_plans.py)
    [("examples.yourapp.fastapi_app:app", "uvicorn", 1, 1)],
)
def test_an_app_of_one_s_own_serves_behind_the_server_and_bench_load_url_reports_on_it(
    spec, server, workers, threads, tmp_path
):
    with launch.serve(app=spec, mode="process", server=server, workers=workers, threads=threads) as s:
        # a master and its workers: the server answers as soon as one worker does, the others
        # may still be booting
        least = workers + (workers > 1)
        assert wait_for(lambda: len(family(s.root_pid)) >= least, timeout=30), family(s.root_pid)
        r = requests.get(s.url + "/fanout", params={"n": 3}, timeout=30)
        assert r.status_code == 200 and len(set(r.json()["digests"])) == 3
        said = subprocess.run(
            [
                sys.executable, "-m", "bench", "load", "--url", s.url + "/fanout", "--probe", s.url + "/ping",
                "--clients", "1,2", "--duration", "0.5", "--out", str(tmp_path), "--no-progress",
            ],
            capture_output=True, text=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
        assert said.returncode == 0, said.stderr
        rows = re.findall(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+[\d.]+ ", said.stdout, re.M)
        assert [(c, e) for c, _, e in rows] == [("1", "0"), ("2", "0")], said.stdout
        assert re.search(
            rf"^- {re.escape(s.url)}/ping while 2 client\(s\) load .*: (STALLS|stays responsive)", said.stdout, re.M
        )
        (folder,) = tmp_path.iterdir()
        assert f"report again: python -m bench report {folder}" in said.stdout
        tree = family(s.root_pid)
    assert wait_for(lambda: all_gone(tree), 15), [p.cmdline() for p in tree if not gone(p.pid)]


WSGI = "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'mine']\n"
ASGI = """async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"mine"})
"""


@pytest.mark.parametrize(
    "code, server, workers",
    [
        pytest.param(WSGI, "gunicorn-sync", 2, id="wsgi-gunicorn-sync"),
        pytest.param(WSGI, "granian", 1, id="wsgi-granian"),
        pytest.param(ASGI, "granian", 2, id="asgi-granian"),
        pytest.param(ASGI, "uvicorn", 2, id="asgi-uvicorn"),
    ],
)
def test_every_server_s_workers_import_the_app_from_the_current_directory(code, server, workers, tmp_path, monkeypatch):
    name = "mine_" + re.sub(r"\W", "_", tmp_path.name)  # a fresh module: one name, one import per process
    (tmp_path / f"{name}.py").write_text(code)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    with launch.serve(app=f"{name}:app", mode="process", server=server, workers=workers) as s:
        answers = {requests.get(s.url + "/", timeout=10).text for _ in range(6)}
        assert answers == {"mine"}


def test_a_server_of_one_s_own_app_ends_with_the_process_that_started_it():
    """gunicorn replaces the process that starts it: the watchdog beside it ends its group."""
    owner = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sys\nfrom servers import launch\n"
            "s = launch.serve(app='examples.yourapp.flask_app:app', mode='process', server='gunicorn-gthread', "
            "workers=2).start()\nprint(s.root_pid, flush=True)\nsys.stdin.read()\n",
        ],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    group: list[psutil.Process] = []
    try:
        assert owner.stdout is not None
        root = int(owner.stdout.readline())
        group = [p for p in psutil.process_iter() if not gone(p.pid) and _group(p.pid) == root]
        assert len(group) >= 3  # gunicorn's master, its two workers (and the watchdog)
        owner.kill()  # SIGKILL: no finally block, no atexit
        owner.wait(timeout=10)
        assert wait_for(lambda: all_gone(group), 20), [p.cmdline() for p in group if not gone(p.pid)]
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait(timeout=10)
        for p in group:  # only if the test failed
            if not gone(p.pid):
                os.kill(p.pid, signal.SIGKILL)


def _group(pid: int) -> int:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return -1
