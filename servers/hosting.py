"""What serves an app: one table of HTTP servers, what each can host, and its command line.

A server hosts an interface (WSGI or ASGI), and so every framework that speaks it (see
:mod:`servers.frameworks`). ``werkzeug`` and ``uvicorn`` with one worker run inside ``python
-m servers`` itself (and in a thread, in thread mode). Every other server runs as its own
program: ``python -m servers`` binds the listening address first (port 0 works, the port is
known before anything starts), then becomes that server with ``exec``, so that the process
launch started is the server's master process. The workers learn the app's options from
the environment (:data:`APP_ENV`). The socket reaches the server one of two ways
(:attr:`HttpServer.handoff`):

- ``fd``: a listening socket, by file descriptor (gunicorn's ``--bind fd://N``, uvicorn's
  ``--fd N``);
- ``port``: Granian takes no socket; on Linux each of its workers binds the address itself
  with ``SO_REUSEPORT``. ``python -m servers`` binds it first with the same option but does
  not listen on it, so the port is held (and known) while Granian's workers take the
  connections.

| server | hosts | what |
|---|---|---|
| ``werkzeug`` | WSGI | the development server, a thread per request (the article's Flask) |
| ``uvicorn`` | ASGI | one process (the article's FastAPI), or ``workers`` processes |
| ``gunicorn-sync`` | WSGI | gunicorn, ``workers`` processes, one request at a time each |
| ``gunicorn-gthread`` | WSGI | gunicorn, ``workers`` processes x ``threads`` threads |
| ``gunicorn-uvicorn`` | ASGI | gunicorn managing ``workers`` uvicorn worker processes |
| ``gunicorn-asgi`` | ASGI | gunicorn's own ASGI worker (since gunicorn 24), ``workers`` processes |
| ``granian`` | WSGI, ASGI | Granian (Rust), ``workers`` processes; WSGI apps on ``threads`` blocking threads each |

``gunicorn-sync`` and ``gunicorn-asgi``, and ``granian``, put every framework behind the same
server, so that a comparison of frameworks can hold the server constant.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from . import frameworks
from .names import ENV_ARTICLE_SIZE, ENV_POOL_WORKERS, ENV_SYNC_ON_LOOP, Interface

#: Seconds a gunicorn worker may spend on one request before it is restarted: the
#: article's requests can take minutes.
WORKER_TIMEOUT_S = 3600
#: Where the app's options reach worker processes: the article task's size, the pool's size.
APP_ENV = {"size": ENV_ARTICLE_SIZE, "pool_workers": ENV_POOL_WORKERS, "sync_on_loop": ENV_SYNC_ON_LOOP}
#: Seconds Granian gives a worker to stop before it kills it.
GRANIAN_KILL_TIMEOUT_S = 5


@dataclass(frozen=True)
class Launch:
    """What one server command line is made of."""

    #: ``module:attribute`` the server imports: the app, or with ``factory`` what makes it.
    target: str
    factory: bool
    interface: Interface
    #: The listening socket (``fd`` handoff), and the address it is bound to.
    fd: int
    host: str
    port: int
    workers: int
    threads: int
    quiet: bool


def uvicorn_worker_class() -> str:
    """The Uvicorn worker class for gunicorn: the uvicorn-worker package's, else uvicorn's own."""
    try:
        import uvicorn_worker  # noqa: F401 -- only asks whether the package is there

        return "uvicorn_worker.UvicornWorker"
    except ImportError:
        return "uvicorn.workers.UvicornWorker"


def _uvicorn(go: Launch) -> list[str]:
    quiet = ["--no-access-log"] if go.quiet else []
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--fd",
        str(go.fd),
        "--workers",
        str(go.workers),
        "--log-level",
        "warning",
        *quiet,
        *(["--factory"] if go.factory else []),
        go.target,
    ]


def _gunicorn(worker_class: Callable[[], str]) -> Callable[[Launch], list[str]]:
    def argv(go: Launch) -> list[str]:
        log = ["--log-level", "warning"] + ([] if go.quiet else ["--access-logfile", "-"])
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"fd://{go.fd}",
            "--workers",
            str(go.workers),
            "--worker-class",
            worker_class(),
            "--threads",
            str(go.threads),
            "--timeout",
            str(WORKER_TIMEOUT_S),
            "--graceful-timeout",
            "5",
            *log,
            go.target + ("()" if go.factory else ""),
        ]

    return argv


def _granian(go: Launch) -> list[str]:
    threads = ["--blocking-threads", str(go.threads)] if go.interface == "wsgi" else []
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        go.interface,
        "--host",
        go.host,
        "--port",
        str(go.port),
        "--workers",
        str(go.workers),
        *threads,
        "--loop",
        "asyncio",  # uvicorn's here too (no uvloop installed)
        "--workers-kill-timeout",
        str(GRANIAN_KILL_TIMEOUT_S),
        "--log-level",
        "warning",
        *([] if go.quiet else ["--access-log"]),
        *(["--factory"] if go.factory else []),
        go.target,
    ]


@dataclass(frozen=True)
class HttpServer:
    """One row of the table: a server, the interfaces it hosts, what it takes."""

    name: str
    hosts: tuple[Interface, ...]
    #: Whether it serves from ``python -m servers`` itself (and from a thread) with one worker.
    in_process: bool
    #: Whether it takes ``workers`` > 1 (worker processes).
    takes_workers: bool
    #: The interfaces whose apps it gives ``threads`` > 1 threads per worker.
    threads_for: tuple[Interface, ...] = ()
    #: Its command line as a program of its own (None: it has none).
    argv: Callable[[Launch], list[str]] | None = None
    #: How it gets the socket: a listening one by descriptor, or the port of a bound one.
    handoff: Literal["fd", "port"] = "fd"

    @property
    def takes_threads(self) -> bool:
        """Whether it takes ``threads`` > 1 for some framework."""
        return bool(self.threads_for)

    @property
    def frameworks(self) -> tuple[str, ...]:
        """The frameworks it can host, in the registry's order."""
        return tuple(f.name for f in frameworks.REGISTRY.values() if f.interface in self.hosts)

    def runs_alone(self, workers: int) -> bool:
        """Whether it runs as its own program: always, or for several workers."""
        return not self.in_process or workers > 1


SERVERS: dict[str, HttpServer] = {
    s.name: s
    for s in (
        HttpServer("werkzeug", ("wsgi",), in_process=True, takes_workers=False),
        HttpServer("uvicorn", ("asgi",), in_process=True, takes_workers=True, argv=_uvicorn),
        HttpServer("gunicorn-sync", ("wsgi",), in_process=False, takes_workers=True, argv=_gunicorn(lambda: "sync")),
        HttpServer(
            "gunicorn-gthread",
            ("wsgi",),
            in_process=False,
            takes_workers=True,
            threads_for=("wsgi",),
            argv=_gunicorn(lambda: "gthread"),
        ),
        HttpServer(
            "gunicorn-uvicorn", ("asgi",), in_process=False, takes_workers=True, argv=_gunicorn(uvicorn_worker_class)
        ),
        HttpServer("gunicorn-asgi", ("asgi",), in_process=False, takes_workers=True, argv=_gunicorn(lambda: "asgi")),
        HttpServer(
            "granian",
            ("wsgi", "asgi"),
            in_process=False,
            takes_workers=True,
            threads_for=("wsgi",),
            argv=_granian,
            handoff="port",
        ),
    )
}


def get(name: str) -> HttpServer:
    """The server called ``name``; ValueError names the known ones."""
    try:
        return SERVERS[name]
    except KeyError:
        raise ValueError(f"unknown server {name!r}; choose one of: {', '.join(SERVERS)}") from None


def hosting(framework: str) -> tuple[str, ...]:
    """The servers that can host ``framework``."""
    return for_interface(frameworks.get(framework).interface)


def for_interface(interface: Interface) -> tuple[str, ...]:
    """The servers that host apps of ``interface`` (WSGI or ASGI)."""
    return tuple(s.name for s in SERVERS.values() if interface in s.hosts)


def command(server: str, go: Launch) -> list[str]:
    """The argv that serves ``go.target`` with ``server`` on the listening socket ``go.fd``."""
    row = get(server)
    if row.argv is None:
        raise ValueError(f"{server} runs inside python -m servers; it has no command line of its own")
    return row.argv(go)
