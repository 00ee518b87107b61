"""Servers under another Python: the ``python`` option, and the free-threaded CPython of ``.venv-ft``.

The option's tests run everywhere (the project's own interpreter stands in for another); the
free-threaded ones need ``.venv-ft`` (``make freethreaded``) and are skipped without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from servers import harness, interpreter, launch
from servers.names import ENV_SERVER_PYTHON
from servers.options import ServerOptions, from_argv
from tests import ROOT
from tests.conftest import SMALL, gone, query, wait_for
from tests.servers.test_server_lifecycle import still_listening

FT_PYTHON = interpreter.FREE_THREADED_PYTHON
#: What .venv-ft is installed from: a change to either makes ``make freethreaded`` install it again.
UP_TO_DATE_WITH = ("requirements-ft.lock", "pyproject.toml")
needs_ft = pytest.mark.skipif(
    not FT_PYTHON.exists(), reason="no .venv-ft: `make freethreaded` builds a free-threaded Python and enables these"
)


def script(folder: Path, name: str, body: str, *, executable: bool = True) -> str:
    path = folder / name
    path.write_text(body)
    path.chmod(0o755 if executable else 0o644)
    return str(path)


# -- the option, under the project's own interpreter --------------------------------------------------------


def test_another_python_is_refused_in_thread_mode():
    with pytest.raises(ValueError, match="in a process of its own: use mode='process'"):
        ServerOptions("flask", "thread", python=sys.executable)
    with pytest.raises(ValueError, match="use mode='process'"):
        launch.serve("fastapi", python=sys.executable)


@pytest.mark.parametrize(
    "kind, reason",
    [
        ("missing", "does not exist"),
        ("folder", "python .* is not a file"),
        ("not-executable", "is not executable"),
        ("not-python", "is not a Python: asked its version, it said 'no such option'"),
        ("too-old", "is Python 3.9; the servers need 3.11 or later"),
        ("bare-name", "is not on PATH"),
    ],
)
def test_a_path_that_is_no_python_to_serve_with_is_refused(tmp_path, kind, reason):
    if kind == "not-executable":
        path = script(tmp_path, "python", "#!/bin/sh\necho 3 13\n", executable=False)
    elif kind == "not-python":
        path = script(tmp_path, "python", "#!/bin/sh\necho no such option >&2\nexit 2\n")
    elif kind == "too-old":
        path = script(tmp_path, "python", "#!/bin/sh\necho 3 9\n")
    else:
        path = {"missing": str(tmp_path / "python3.13t"), "folder": str(tmp_path), "bare-name": "no-such-python"}[kind]
    with pytest.raises(ValueError, match=reason):
        ServerOptions("flask", "process", python=path)


def test_the_command_line_refuses_a_bad_python_with_a_clear_error(tmp_path):
    missing = tmp_path / "python"
    done = subprocess.run(
        [sys.executable, "-m", "servers", "flask", "--python", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert f"error: python '{missing}' does not exist" in done.stderr


def test_the_python_option_is_an_absolute_path_and_parses_back(monkeypatch, tmp_path):
    monkeypatch.chdir(Path(sys.executable).parent)
    options = ServerOptions("fastapi", "process", python=f".{os.sep}{Path(sys.executable).name}")
    assert options.python == sys.executable  # made absolute, symbolic links kept (a venv's python is one)
    assert options.to_argv() == ["fastapi", "--python", sys.executable]
    assert from_argv(options.to_argv()) == options
    assert options.to_dict()["python"] == sys.executable
    assert ServerOptions("fastapi", "process").python == ""


def test_the_interpreter_report_reads_the_gil_where_it_can(monkeypatch):
    assert interpreter.describe().split()[0] == ".".join(map(str, sys.version_info[:3]))
    assert interpreter.describe().endswith(" free-threading") == interpreter.free_threading_build()
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: False, raising=False)
    assert interpreter.report() == {"interpreter": interpreter.describe(), "gil_enabled": False}
    monkeypatch.delattr(sys, "_is_gil_enabled")  # before 3.13: there is a GIL
    assert interpreter.report()["gil_enabled"] is True


@pytest.mark.parametrize("framework", ["flask", "fastapi"])
def test_ping_and_run_report_the_interpreter_that_serves(framework):
    with launch.serve(framework, "thread", size=SMALL) as s:
        ping = requests.get(s.url + "/ping", timeout=30).json()
        run = requests.get(s.url + "/run", params=query(workload="sleep", n=2, size=5), timeout=30).json()
    assert {k: ping[k] for k in interpreter.FIELDS} == interpreter.report()
    assert {k: run["server"][k] for k in interpreter.FIELDS} == interpreter.report()


def test_python_m_servers_starts_itself_again_under_the_python_it_is_given(tmp_path):
    """Run by hand (no launcher to set the environment), ``--python`` makes the command start
    again under that Python, in the same process, and only once."""
    port_file = tmp_path / "port"
    argv = ["flask", "--port", "0", "--quiet", "--python", sys.executable, "--port-file", str(port_file)]
    env = {k: v for k, v in os.environ.items() if k != ENV_SERVER_PYTHON}
    proc = subprocess.Popen([sys.executable, "-m", "servers", *argv], env=env, start_new_session=True)
    try:
        assert wait_for(lambda: port_file.exists() or proc.poll() is not None, timeout=60), "no port reported"
        assert proc.poll() is None
        url = f"http://127.0.0.1:{port_file.read_text()}"
        assert wait_for(lambda: _answers(url), timeout=30)
        assert requests.get(url + "/ping", timeout=10).json()["pid"] == proc.pid  # exec kept the process
        assert psutil.Process(proc.pid).environ().get(ENV_SERVER_PYTHON) == sys.executable
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/ping", timeout=2).ok
    except requests.RequestException:
        return False


# -- the free-threaded CPython of .venv-ft ----------------------------------------------------------------


@pytest.fixture(scope="module", params=["flask", "fastapi"])
def ft_server(request: pytest.FixtureRequest) -> Iterator[launch.Server]:
    """Each framework in process mode under ``.venv-ft``'s free-threaded Python; once it
    stops, neither its process, nor its pool's, nor its port may be left."""
    with launch.serve(request.param, "process", size=SMALL, pool_workers=2, python=str(FT_PYTHON)) as s:
        yield s
        pids = [s.pid, *(p.pid for p in psutil.Process(s.pid).children(recursive=True))]
        port = s.port
    assert wait_for(lambda: all(gone(pid) for pid in pids), timeout=10), "a process of the server is left"
    assert still_listening([port]) == []


def run(server: launch.Server, path: str = "/run", **params: str | int) -> requests.Response:
    return requests.get(server.url + path, params=params, timeout=120)


@needs_ft
def test_the_free_threaded_server_pings_without_its_gil(ft_server):
    ping = requests.get(ft_server.url + "/ping", timeout=30).json()
    assert ping["framework"] == ft_server.framework and ping["pid"] == ft_server.pid
    assert ping["interpreter"].endswith(" free-threading") and ping["gil_enabled"] is False
    assert psutil.Process(ft_server.pid).exe() == os.path.realpath(FT_PYTHON)


@needs_ft
@pytest.mark.parametrize("strategy", ["gather", "sequential", "threads", "processes"])
def test_the_free_threaded_server_serves_the_run_contract(ft_server, strategy):
    data = run(ft_server, workload="sleep", strategy=strategy, n=2, size=100).json()
    assert data["strategy"] == strategy and data["framework"] == ft_server.framework
    tasks = data["tasks"]
    assert sorted(t["index"] for t in tasks) == [0, 1] and all(t["end"] > t["start"] for t in tasks)
    assert ({t["pid"] for t in tasks} == {ft_server.pid}) == (strategy != "processes")
    assert (data["overlap"] > 1.5) == (strategy != "sequential")  # sleeps overlap but one after another
    assert data["parallelism"] < 0.5  # and sleeping, they ran nothing at once
    assert data["server"]["gil_enabled"] is False and data["server"]["interpreter"].endswith(" free-threading")


@needs_ft
def test_the_gil_stays_off_after_numpy_and_python_work_on_threads(ft_server):
    for workload in ("matmul", "python", "article"):
        r = run(ft_server, workload=workload, strategy="threads", n=2, size=100)
        assert r.status_code == 200, r.text
        assert r.json()["server"]["gil_enabled"] is False, workload
    assert requests.get(ft_server.url + "/ping", timeout=30).json()["gil_enabled"] is False


@needs_ft
def test_the_free_threaded_server_answers_bad_input_with_the_json_400(ft_server):
    r = run(ft_server, n="lots")
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["status"] == 400 and error["param"] == "n"
    assert run(ft_server, "/run/sync", strategy="magic").json()["error"]["param"] == "strategy"


@needs_ft
@pytest.mark.slow
@pytest.mark.alone
def test_pure_python_threads_use_both_cores_without_the_gil():
    """The point of the build: two pure-Python tasks on two threads keep both cores busy, so
    the server's CPU time over its wall time passes what one core allows."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: nothing to run in parallel")
    with launch.serve("flask", "process", size=SMALL, python=str(FT_PYTHON)) as s:
        run(s, workload="python", strategy="threads", n=2, size=200)  # the first request's imports
        server = run(s, workload="python", strategy="threads", n=2, size=2000).json()["server"]
    assert server["cpu_s"] / server["wall_s"] > 1.3, server


def test_the_free_threaded_python_is_named_where_make_freethreaded_makes_it():
    assert FT_PYTHON == ROOT / ".venv-ft" / "bin" / "python"
    assert interpreter.free_threaded_python() == (str(FT_PYTHON) if FT_PYTHON.exists() else None)


@needs_ft
def test_make_freethreaded_again_does_nothing_and_says_so():
    stamp = ROOT / ".venv-ft" / ".installed"
    if not (stamp.exists() and all(stamp.stat().st_mtime > (ROOT / f).stat().st_mtime for f in UP_TO_DATE_WITH)):
        pytest.skip(".venv-ft is older than its lock: make freethreaded installs it again")
    done = subprocess.run(
        ["bash", "scripts/freethreaded.sh"], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert ".venv-ft is up to date" in done.stderr and "GIL disabled" in done.stderr
    assert "(nothing to do)" in done.stderr


def test_make_freethreaded_says_so_where_neither_route_works(tmp_path):
    """No download (uv fails at once, as it does offline) and no apt-get: a clear error, at once."""
    clone = tmp_path / "clone"
    (clone / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "freethreaded.sh", clone / "scripts")
    for name in UP_TO_DATE_WITH:
        shutil.copy(ROOT / name, clone)
    bin_dir = tmp_path / "bin"  # this machine's programs but apt-get's
    bin_dir.mkdir()
    for folder in ("/usr/local/bin", "/usr/bin", "/bin"):
        for program in Path(folder).iterdir():
            if not program.name.startswith("apt") and not (bin_dir / program.name).exists():
                (bin_dir / program.name).symlink_to(program)
    uv = script(tmp_path, "uv", "#!/bin/sh\necho 'error: Failed to download: dns error' >&2\nexit 1\n")
    env = {**os.environ, "PATH": str(bin_dir), "UV": uv, "FT_CACHE": str(tmp_path / "cache")}
    env.pop("FT_PYTHON", None)
    done = subprocess.run(
        ["bash", "scripts/freethreaded.sh"], cwd=clone, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "uv could not install 3.14t: error: Failed to download: dns error" in done.stderr
    assert "error: no uv download and no apt-get here" in done.stderr
    assert not (clone / ".venv-ft").exists()


def test_an_ideal_runner_lives_in_a_session_of_its_own_and_ends_with_its_input():
    """A Ctrl-C meant for its owner (a notebook kernel's process group, interrupted before it
    shuts down) does not reach it; it answers, and leaves when asked."""
    with harness.IdealRunner(sys.executable) as runner:
        pid = runner.pid
        assert os.getsid(pid) == pid != os.getsid(0)
        answer = runner.run("sleep", "sequential", n=2, size=5)
        assert len(answer["tasks"]) == 2 and answer["gil_enabled"] is True
    assert wait_for(lambda: gone(pid), timeout=10)
