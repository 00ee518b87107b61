"""Run an app in a background thread of this process, or in a subprocess.

>>> with launch.serve("fastapi", mode="thread", size=500) as server:
...     requests.get(server.url + "/ping").json()

``port=0`` picks a free port. Entering waits until ``GET /ping`` answers, up to a deadline,
and raises :class:`ServerStartError` with the reason (port in use, a crash on start and its
output, a timeout). Leaving stops the server and waits until no thread, listening socket or
process of it is left. :class:`Server` also has ``start()``/``stop()`` for notebooks that
start a server in one cell and stop it in another.
"""

from __future__ import annotations

import atexit
import errno
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import psutil
import requests

from . import production
from .workloads import ARTICLE_SIZE

Framework = Literal["flask", "fastapi"]
Mode = Literal["thread", "process"]
FRAMEWORKS: tuple[str, ...] = ("flask", "fastapi")
MODES: tuple[str, ...] = ("thread", "process")
DEFAULT_PORTS = {"flask": 5500, "fastapi": 8000}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


#: Why Flask's debug mode is refused off loopback.
DEBUG_OFF_LOOPBACK = (
    "debug mode runs Werkzeug's interactive debugger, which executes Python code sent by "
    "anyone who can reach the server: it is allowed on loopback hosts only "
    "(127.0.0.1, localhost, ::1)"
)


def exposure_warning(host: str) -> str | None:
    """The warning for a server on ``host`` that other machines may reach; None on loopback."""
    if host in LOOPBACK:
        return None
    return (
        f"listening on {host}, not on loopback: any machine that can reach this one can send "
        "requests, and each may keep its CPUs busy for minutes; use 127.0.0.1 unless you mean it"
    )


class ServerStartError(RuntimeError):
    """The server did not come up; the message says why."""


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0: a free port), or a clear ServerStartError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, as a socket from getaddrinfo would have: asyncio turns Nagle's
    # algorithm off (TCP_NODELAY) only on connections whose listening socket says TCP.
    # Without it uvicorn's keep-alive answers wait ~40 ms for delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise ServerStartError(
                f"port {port} on {host} is already in use by another program; choose another port, or 0 for a free one"
            ) from None
        raise ServerStartError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.set_inheritable(True)
    return sock


def create_app(framework: str, size: int, pool_workers: int | None = None, settle: bool = False) -> Any:
    """The framework's app (imported only when asked for), with a process pool of
    ``pool_workers`` processes (default: one per usable core) as ``app.task_pool``;
    ``settle`` is FastAPI's (see :class:`servers.job.Job`)."""
    if framework == "flask":
        from .flask_app import create_app as make_flask

        return make_flask(size, pool_workers)
    if framework == "fastapi":
        from .fastapi_app import create_app as make_fastapi

        return make_fastapi(size, pool_workers, settle)
    raise ValueError(f"unknown framework {framework!r}; choose one of {FRAMEWORKS}")


@dataclass
class Server:
    """One server of ``framework`` in ``mode``; ``url`` and ``pid`` once started.

    ``pid`` is the process that serves requests: this process in thread mode, the
    subprocess (or, with Flask's debug reloader, its child) in process mode.
    """

    framework: str
    mode: str = "thread"
    host: str = "127.0.0.1"
    port: int = 0
    size: int = ARTICLE_SIZE
    debug: bool = False
    env: Mapping[str, str] | None = None
    timeout: float = 30.0
    pool_workers: int | None = None
    #: Flask only: Werkzeug's thread per request (True, as app.run does) or one thread.
    threaded: bool = True
    #: FastAPI only: free the gathered results before answering (see servers.job.Job).
    settle: bool = False
    #: The HTTP server: "" for the framework's own (werkzeug, uvicorn), or a production
    #: server of servers.production (process mode only), with its workers and threads.
    server: str = ""
    workers: int = 1
    threads: int = 1
    url: str = field(default="", init=False)
    pid: int = field(default=0, init=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _app: Any = field(default=None, init=False, repr=False)
    _stopper: Any = field(default=None, init=False, repr=False)
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _log: Any = field(default=None, init=False, repr=False)
    _tmpdir: tempfile.TemporaryDirectory[str] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.framework not in FRAMEWORKS:
            raise ValueError(f"unknown framework {self.framework!r}; choose one of {FRAMEWORKS}")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; choose one of {MODES}")
        if self.debug and self.framework != "flask":
            raise ValueError("debug reproduces the article's Flask debug=True; only for flask")
        if self.debug and self.mode != "process":
            raise ValueError("Flask's debug reloader needs its own process: use mode='process'")
        if self.debug and self.host not in LOOPBACK:
            raise ValueError(DEBUG_OFF_LOOPBACK)
        if not self.threaded and self.framework != "flask":
            raise ValueError("threaded=False is Werkzeug's one-thread server: only for flask")
        if self.settle and self.framework != "fastapi":
            raise ValueError("settle is for FastAPI's async endpoints: only for fastapi")
        self.server = self.server or production.DEFAULT_SERVER[self.framework]
        production.validate(self.framework, self.server, self.workers, self.threads)
        if self.settle and production.needs_exec(self.framework, self.server, self.workers):
            raise ValueError("settle applies to the single-process uvicorn server only")
        if production.needs_exec(self.framework, self.server, self.workers) and self.mode != "process":
            raise ValueError(f"{self.server} with {self.workers} worker(s) runs in its own process: mode='process'")

    # -- public -------------------------------------------------------------------------
    def start(self) -> Server:
        """Start and wait until ``/ping`` answers; raise ServerStartError otherwise. Off
        loopback, warns first (see :func:`exposure_warning`)."""
        if self.url:
            raise RuntimeError("server already started")
        warning = exposure_warning(self.host)
        if warning:
            warnings.warn(warning, stacklevel=2)
        _started[id(self)] = self
        try:
            if self.mode == "thread":
                self._start_thread()
            else:
                self._start_process()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def answers(self, timeout: float = 2.0) -> bool:
        """Whether the server is started and answers ``GET /ping`` now."""
        if not self.url:
            return False
        try:
            return requests.get(self.url + "/ping", timeout=timeout).ok
        except requests.RequestException:
            return False

    def stop(self) -> None:
        """Stop the server; leaves no thread, socket or process. Safe to call twice."""
        try:
            if self._stopper is not None:
                self._stopper()
            if self._thread is not None:
                self._thread.join(timeout=self.timeout)
                if self._thread.is_alive():
                    raise RuntimeError(f"{self.framework} server thread did not stop")
            if self._app is not None:
                self._app.task_pool.shutdown()
            if self._proc is not None:
                self._stop_process()
        finally:
            _started.pop(id(self), None)
            self._stopper = None
            self._thread = None
            self._app = None
            self._proc = None
            if self._log is not None:
                self._log.close()
                self._log = None
            if self._tmpdir is not None:
                self._tmpdir.cleanup()
                self._tmpdir = None
            self.url = ""

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- thread mode --------------------------------------------------------------------
    def _start_thread(self) -> None:
        sock = bind_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._app = app = create_app(self.framework, self.size, self.pool_workers, self.settle)
        if self.framework == "flask":
            self._thread, self._stopper = _werkzeug_thread(app, sock, self.threaded)
        else:
            self._thread, self._stopper = _uvicorn_thread(app, sock)
        self._thread.start()
        self.url = base_url(self.host, self.port)

    # -- process mode -------------------------------------------------------------------
    def _start_process(self) -> None:
        self._tmpdir = tempfile.TemporaryDirectory(prefix="fanout-server-")
        port_file = Path(self._tmpdir.name) / "port"
        self._log = open(Path(self._tmpdir.name) / "server.log", "w+b")
        cmd = (
            [
                sys.executable,
                "-m",
                "servers",
                self.framework,
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--size",
                str(self.size),
                "--port-file",
                str(port_file),
                "--quiet",
                "--parent-pid",
                str(os.getpid()),
            ]
            + (["--debug"] if self.debug else [])
            + (["--pool-workers", str(self.pool_workers)] if self.pool_workers else [])
            + ([] if self.threaded else ["--no-threaded"])
            + (["--settle"] if self.settle else [])
            + ["--server", self.server, "--workers", str(self.workers), "--threads", str(self.threads)]
        )
        env = {**os.environ, **(self.env or {})}
        self._proc = subprocess.Popen(
            cmd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.timeout
        while True:
            self._check_alive()
            text = port_file.read_text().strip() if port_file.exists() else ""
            if text.isdigit():
                self.port = int(text)
                break
            if time.monotonic() > deadline:
                raise ServerStartError(f"{self.framework} did not report its port in {self.timeout:.0f} s")
            time.sleep(0.02)
        self.url = base_url(self.host, self.port)

    def _check_alive(self) -> None:
        if self._proc is not None and self._proc.poll() is not None:
            raise ServerStartError(
                f"{self.framework} server exited on start with code {self._proc.returncode}:\n" + self.log_tail()
            )

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the subprocess printed ('' in thread mode)."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return "\n".join(self._log.read().decode(errors="replace").splitlines()[-lines:])

    def _stop_process(self) -> None:
        assert self._proc is not None
        serving = self.pid if self.pid and self.pid != self._proc.pid else None
        for sig, wait in ((signal.SIGTERM, self.timeout), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(self._proc.pid, sig)  # the process group is the server's own
            except ProcessLookupError:
                pass
            try:
                self._proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        if serving is not None:  # Flask's reloader child, in the same process group
            try:
                psutil.Process(serving).wait(timeout=10)
            except (psutil.NoSuchProcess, psutil.TimeoutExpired):
                pass

    # -- readiness ----------------------------------------------------------------------
    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            self._check_alive()
            if self._thread is not None and not self._thread.is_alive():
                raise ServerStartError(f"{self.framework} server thread died on start")
            try:
                r = requests.get(self.url + "/ping", timeout=2)
                if r.ok:
                    self.pid = int(r.json()["pid"])
                    return
            except requests.RequestException as e:
                last = e
            time.sleep(0.02)
        raise ServerStartError(
            f"{self.framework} did not answer {self.url}/ping within {self.timeout:.0f} s"
            + (f" (last error: {last})" if last else "")
            + (f"\n{self.log_tail()}" if self._log else "")
        )


#: Every server started and not yet stopped, stopped at the latest when Python exits (a
#: notebook's kernel restarting), so that no server process outlives its owner.
_started: dict[int, Server] = {}
#: The servers of :func:`shared`, by name, with the arguments each was started with.
_shared: dict[str, tuple[Server, tuple[Any, ...]]] = {}


@atexit.register
def stop_all() -> None:
    """Stop every server this process started and has not stopped."""
    for server in list(_started.values()):
        try:
            server.stop()
        except Exception:  # noqa: BLE001 -- stop the others all the same
            pass
    _shared.clear()


def shared(name: str, framework: str, mode: str = "thread", **kwargs: Any) -> Server:
    """The started server called ``name``: the one already running if it was started with
    the same arguments and still answers, else a new one, after stopping the old.

    For notebooks: a cell that starts its servers with this can run again and again, and
    gets the same servers back instead of a second copy or a port already in use.
    """
    key = (framework, mode, tuple(sorted(kwargs.items())))
    old = _shared.get(name)
    if old is not None:
        server, old_key = old
        if old_key == key and server.answers():
            return server
        server.stop()
        del _shared[name]
    server = Server(framework, mode, **kwargs).start()
    _shared[name] = (server, key)
    return server


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def interrupt_on(*signums: int) -> None:
    """Make these signals (SIGTERM, SIGHUP: ``kill``, a closed terminal) stop this process the
    way Ctrl-C does, through its ``finally`` blocks, so that the servers it started stop too.
    Main thread only (Python's rule for signal handlers)."""
    for signum in signums:
        signal.signal(signum, _raise_interrupt)


def serve(framework: str, mode: str = "thread", **kwargs: Any) -> Server:
    """A :class:`Server`, to use as a context manager: ``with serve("flask") as s: ...``."""
    return Server(framework, mode, **kwargs)


def base_url(host: str, port: int) -> str:
    """``http://host:port``, with an IPv6 host in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _werkzeug_thread(app: Any, sock: socket.socket, threaded: bool = True) -> tuple[threading.Thread, Any]:
    from werkzeug.serving import make_server

    from .werkzeug_errors import JsonErrorHandler

    class QuietHandler(JsonErrorHandler):
        # Idle keep-alive connections close after this many seconds, so that stopping
        # never waits on a client that keeps its connection open.
        timeout = 5

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    host, port = sock.getsockname()[:2]
    srv = make_server(host, port, app, threaded=threaded, request_handler=QuietHandler, fd=sock.fileno())
    sock.close()  # make_server holds its own duplicate of the listening socket

    def stop() -> None:
        srv.shutdown()
        srv.server_close()  # joins the request threads

    thread = threading.Thread(
        target=srv.serve_forever, kwargs={"poll_interval": 0.1}, name=f"werkzeug-{port}", daemon=True
    )
    return thread, stop


def _uvicorn_thread(app: Any, sock: socket.socket) -> tuple[threading.Thread, Any]:
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5)
    srv = uvicorn.Server(config)

    def run() -> None:
        try:
            srv.run(sockets=[sock])
        finally:
            sock.close()

    def stop() -> None:
        srv.should_exit = True

    port = sock.getsockname()[1]
    return threading.Thread(target=run, name=f"uvicorn-{port}", daemon=True), stop
