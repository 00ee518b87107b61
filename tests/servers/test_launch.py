"""Starting and stopping servers: port 0, readiness, clear start errors, nothing left behind."""

import socket
import time
from dataclasses import replace

import psutil
import pytest
import requests

from servers import backends, launch, net, orphans
from servers.launch import ServerStartError
from servers.names import MODES
from servers.options import ServerOptions
from tests.conftest import SMALL, gone, query, wait_for


@pytest.mark.slow  # seconds: make test, not make test-fast
def test_flask_debug_mode_as_the_article_ran_it():
    with launch.serve("flask", "process", size=SMALL, debug=True) as s:
        assert requests.get(s.url + "/api/multiply", timeout=30).json() == {"message": "Hello"}
        reloader, serving = s.root_pid, s.pid
        assert serving != reloader  # debug=True serves from the reloader's child process
        # It keeps serving from that child: nothing (such as a watchdog for its owner, see
        # servers.orphans) makes the reloader start it again.
        deadline = time.monotonic() + 4 * orphans.INTERVAL_S
        while time.monotonic() < deadline:
            assert requests.get(s.url + "/ping", timeout=10).json()["pid"] == serving
    assert wait_for(lambda: gone(serving) and gone(reloader), timeout=10)


@pytest.mark.parametrize("mode", MODES)
def test_port_in_use_is_a_clear_error(mode):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServerStartError, match=f"port {port} on 127.0.0.1 is already in use"):
            launch.serve("fastapi", mode, port=port, size=SMALL).start()


def test_crash_on_start_reports_the_reason(monkeypatch):
    # Options the command line refuses, handed to it past the options' own check: the server
    # process exits on start, and the error carries what it printed.
    monkeypatch.setattr(ServerOptions, "to_argv", lambda self: ["flask", "--size", "0"])
    with pytest.raises(ServerStartError, match=r"exited on start with code 2[\s\S]*size must be between 1 and"):
        launch.serve("flask", "process", size=SMALL).start()


def test_start_has_a_deadline(monkeypatch):
    def never(*args, **kwargs):
        raise requests.ConnectionError("refused")

    monkeypatch.setattr(launch.requests, "get", never)
    with pytest.raises(ServerStartError, match="did not answer"):
        launch.serve("flask", "thread", size=SMALL, timeout=0.5).start()


def test_bad_arguments_are_refused_up_front():
    with pytest.raises(ValueError, match="framework"):
        launch.serve("django")
    with pytest.raises(ValueError, match="mode"):
        launch.serve("flask", "fork")
    with pytest.raises(ValueError, match="loopback"):
        launch.serve("flask", "process", host="0.0.0.0", debug=True)
    with pytest.raises(ValueError, match="only for flask"):
        launch.serve("fastapi", "process", debug=True)


def test_start_and_stop_in_separate_steps_as_a_notebook_does():
    s = launch.serve("fastapi", "thread", size=SMALL).start()
    try:
        assert requests.get(s.url + "/ping", timeout=10).ok
    finally:
        s.stop()
    s.stop()  # a second stop is harmless


@pytest.mark.parametrize("mode", MODES)
def test_the_apps_process_pool_stops_with_the_server(mode):
    with launch.serve("fastapi", mode, size=SMALL, pool_workers=2) as s:
        data = requests.get(
            s.url + "/run", params=query(workload="sleep", strategy="processes", n=2, size=10), timeout=60
        ).json()
        workers = {t["pid"] for t in data["tasks"]}
        assert workers and s.pid not in workers
    assert wait_for(lambda: all(gone(pid) for pid in workers), timeout=10)


def test_server_variants_reach_the_server_process():
    with launch.serve("flask", "process", size=SMALL, threaded=False, env={"MALLOC_ARENA_MAX": "1"}) as s:
        environ = psutil.Process(s.pid).environ()
        assert environ.get("MALLOC_ARENA_MAX") == "1"
        assert "--no-threaded" in psutil.Process(s.pid).cmdline()
        assert requests.get(s.url + "/api/multiply", timeout=30).json() == {"message": "Hello"}
    with pytest.raises(ValueError, match="only for flask"):
        launch.serve("fastapi", threaded=False)


def test_settle_is_fastapis_only():
    with pytest.raises(ValueError, match="only for fastapi"):
        launch.serve("flask", settle=True)


def test_connections_to_our_sockets_turn_nagle_off_under_asyncio():
    """asyncio sets TCP_NODELAY only when the listening socket says TCP; without it a
    keep-alive client of uvicorn waits ~40 ms per answer for a delayed ACK."""
    import asyncio

    sock = net.bind_socket("127.0.0.1", 0)
    assert sock.proto == socket.IPPROTO_TCP

    async def check() -> int:
        seen: asyncio.Future = asyncio.get_running_loop().create_future()

        def accepted(reader, writer):
            s = writer.get_extra_info("socket")
            seen.set_result(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=sock)
        async with server:
            _, w = await asyncio.open_connection(*sock.getsockname()[:2])
            value = await asyncio.wait_for(seen, 10)
            w.close()
        return value

    assert asyncio.run(check()) != 0


def test_a_variant_reaches_the_server_process_through_its_command_line():
    with launch.serve("flask", "process", size=SMALL, variant="arena1") as s:
        assert psutil.Process(s.pid).environ().get("MALLOC_ARENA_MAX") == "1"
        assert "--variant" in psutil.Process(s.pid).cmdline()


def test_stopping_releases_the_apps_pool_even_when_the_server_thread_does_not_stop():
    s = launch.serve("fastapi", "thread", size=SMALL, pool_workers=1, timeout=0.5).start()
    assert requests.get(s.url + "/run", params=query(workload="sleep", strategy="processes", n=1, size=1)).ok
    pool, backend = s.app.task_pool, s.backend
    assert isinstance(backend, backends.ThreadBackend)
    workers, thread, serving = list(pool.pids), backend._thread, backend._serving
    assert thread is not None and serving is not None
    backend._serving = replace(serving, stop=lambda: None)  # a server that ignores its stop
    try:
        with pytest.raises(RuntimeError, match="did not stop"):
            s.stop()
        assert not pool.started and wait_for(lambda: all(gone(w) for w in workers), timeout=10)
    finally:
        serving.stop()  # the real stop, so that the test leaves no thread
        thread.join(timeout=10)
