"""Start a server and wait until it answers; stop it leaving nothing behind.

>>> with launch.serve("fastapi", mode="thread", size=500) as server:
...     requests.get(server.url + "/ping").json()

A :class:`Server` runs :class:`~servers.options.ServerOptions` with the backend of its mode
(:mod:`servers.backends`): a thread of this process, or a process of its own. ``port=0``
(the default here) picks a free port. Entering waits until ``GET /ping`` answers, up to a
deadline, and raises :class:`ServerStartError` with the reason (port in use, a crash on
start and its output, a timeout). Leaving stops the server and waits until no thread,
listening socket or process of it is left. ``start()``/``stop()`` are there for notebooks
that start a server in one cell and stop it in another, and :func:`shared` for cells that
run again.
"""

from __future__ import annotations

import atexit
import signal
import time
import warnings
from types import FrameType
from typing import Any

import requests

from . import backends
from .net import ServerStartError, base_url, exposure_warning
from .options import ServerOptions

__all__ = ["Server", "ServerOptions", "ServerStartError", "interrupt_on", "serve", "shared", "stop_all"]


class Server:
    """One server of ``options``; ``url`` and ``pid`` once started.

    ``pid`` is the process that serves requests: this process in thread mode, the
    subprocess (or, with Flask's debug reloader, its child) in process mode.
    """

    def __init__(self, options: ServerOptions, *, timeout: float = 30.0) -> None:
        self.options = options
        self.timeout = timeout
        self.url = ""
        self.port = 0
        self.pid = 0
        self.backend: backends.Backend = backends.for_options(options, timeout)

    @property
    def framework(self) -> str:
        return self.options.framework

    @property
    def mode(self) -> str:
        return self.options.mode

    @property
    def app(self) -> Any:
        """The app, in thread mode while it runs (None otherwise)."""
        return getattr(self.backend, "app", None)

    @property
    def root_pid(self) -> int:
        """The process started for this server (Flask's reloader, gunicorn's master); this
        process in thread mode."""
        return self.backend.root_pid

    def start(self) -> Server:
        """Start and wait until it answers (:meth:`answers`); raise ServerStartError otherwise. Off
        loopback, warns first (see :func:`servers.net.exposure_warning`)."""
        if self.url:
            raise RuntimeError("server already started")
        warning = exposure_warning(self.options.host)
        if warning:
            warnings.warn(warning, stacklevel=2)
        _started[id(self)] = self
        try:
            self.port = self.backend.start()
            self.url = base_url(self.options.host, self.port)
            self.pid = self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def answers(self, timeout: float = 2.0) -> bool:
        """Whether the server is started and answers ``GET /ping`` now (a user's app: any
        answer to ``GET /``)."""
        if not self.url:
            return False
        try:
            return self._serving_pid(timeout) is not None
        except requests.RequestException:
            return False

    @property
    def _ready_path(self) -> str:
        """What is asked to learn that it serves: our ``/ping``; a user's app has its own routes."""
        return "/" if self.options.app else "/ping"

    def _serving_pid(self, timeout: float) -> int | None:
        """The pid that serves, if it answers: what ``/ping`` says, or for a user's app (any
        HTTP answer will do) the process started for it; raises RequestException when nothing answers."""
        r = requests.get(self.url + self._ready_path, timeout=timeout)
        if self.options.app:
            return self.backend.root_pid
        return int(r.json()["pid"]) if r.ok else None

    def log_tail(self, lines: int = 20) -> str:
        """The last lines a server process printed ('' in thread mode)."""
        return self.backend.log_tail(lines)

    def stop(self) -> None:
        """Stop the server; leaves no thread, socket or process. Safe to call twice."""
        try:
            self.backend.stop()
        finally:
            _started.pop(id(self), None)
            self.url = ""
            self.pid = 0

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Server({self.options.command()!r}, mode={self.mode!r}, url={self.url!r})"

    def _wait_ready(self) -> int:
        """Poll until it answers (:meth:`_serving_pid`); return the serving pid."""
        deadline = time.monotonic() + self.timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            reason = self.backend.died()
            if reason:
                raise ServerStartError(reason)
            try:
                pid = self._serving_pid(timeout=2)
                if pid is not None:
                    return pid
            except requests.RequestException as e:
                last = e
            time.sleep(0.02)
        tail = self.backend.log_tail()
        raise ServerStartError(
            f"{self.options.label} did not answer {self.url}{self._ready_path} within {self.timeout:.0f} s"
            + (f" (last error: {last})" if last else "")
            + (f"\n{tail}" if tail else "")
        )


#: What :func:`serve` and :func:`shared` assume unless told: a free port, and no access log
#: (a notebook's output, or a measuring process's, is not a server's terminal).
LAUNCH_DEFAULTS: dict[str, Any] = {"port": 0, "quiet": True}


def serve(framework: str = "", mode: str = "thread", *, timeout: float = 30.0, **options: Any) -> Server:
    """A :class:`Server` of ``ServerOptions.build(framework, mode, **options)``, on a free port
    and quiet unless told otherwise; use it as a context manager: ``with serve("flask") as s: ...``,
    or for your own app ``with serve(app="mypackage.main:app", mode="process") as s: ...``."""
    return Server(ServerOptions.build(framework, mode, **{**LAUNCH_DEFAULTS, **options}), timeout=timeout)


#: Every server started and not yet stopped, stopped at the latest when Python exits (a
#: notebook's kernel restarting), so that no server process outlives its owner.
_started: dict[int, Server] = {}
#: The servers of :func:`shared`, by name.
_shared: dict[str, Server] = {}


@atexit.register
def stop_all() -> None:
    """Stop every server this process started and has not stopped."""
    for server in list(_started.values()):
        try:
            server.stop()
        except Exception:  # noqa: BLE001 -- stop the others all the same
            pass
    _shared.clear()


def shared(name: str, framework: str, mode: str = "thread", **options: Any) -> Server:
    """The started server called ``name``: the one already running if it was started with
    the same options and still answers, else a new one, after stopping the old.

    For notebooks: a cell that starts its servers with this can run again and again, and
    gets the same servers back instead of a second copy or a port already in use.
    """
    wanted = ServerOptions.build(framework, mode, **{**LAUNCH_DEFAULTS, **options})
    old = _shared.pop(name, None)
    if old is not None:
        if old.options == wanted and old.answers():
            _shared[name] = old
            return old
        old.stop()
    server = Server(wanted).start()
    _shared[name] = server
    return server


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def interrupt_on(*signums: int) -> None:
    """Make these signals (SIGTERM, SIGHUP: ``kill``, a closed terminal) stop this process the
    way Ctrl-C does, through its ``finally`` blocks, so that the servers it started stop too.
    Main thread only (Python's rule for signal handlers)."""
    for signum in signums:
        signal.signal(signum, _raise_interrupt)
