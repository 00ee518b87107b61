"""What serves an app: one table of HTTP servers, what each can host, and its command line.

``werkzeug`` and ``uvicorn`` with one worker run inside ``python -m servers`` itself (and in
a thread, in thread mode). Every other server runs as its own program: ``python -m servers``
binds the listening socket (port 0 works, the port is known before anything starts), hands
it to the server by file descriptor (gunicorn's ``--bind fd://N``, uvicorn's ``--fd N``) and
becomes that server with ``exec``, so that the process launch started is the server's master
process. The workers learn the app's options from the environment (:data:`APP_ENV`).

| server | hosts | what |
|---|---|---|
| ``werkzeug`` | flask | the development server, a thread per request (the article's) |
| ``uvicorn`` | fastapi | one process (the article's), or ``workers`` processes |
| ``gunicorn-sync`` | flask | gunicorn, ``workers`` processes, one request at a time each |
| ``gunicorn-gthread`` | flask | gunicorn, ``workers`` processes x ``threads`` threads |
| ``gunicorn-uvicorn`` | fastapi | gunicorn managing ``workers`` uvicorn worker processes |
| ``gunicorn-asgi`` | fastapi | gunicorn's own ASGI worker (since gunicorn 24), ``workers`` processes |

``gunicorn-sync`` and ``gunicorn-asgi`` put Flask and FastAPI behind the same server, so that a
comparison of the two can hold the server constant.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from .names import ENV_ARTICLE_SIZE, ENV_POOL_WORKERS

#: Seconds a gunicorn worker may spend on one request before it is restarted: the
#: article's requests can take minutes.
WORKER_TIMEOUT_S = 3600
#: Where the app's options reach worker processes: the article task's size, the pool's size.
APP_ENV = {"size": ENV_ARTICLE_SIZE, "pool_workers": ENV_POOL_WORKERS}


@dataclass(frozen=True)
class Launch:
    """What one server command line is made of."""

    framework: str
    fd: int
    workers: int
    threads: int
    quiet: bool

    @property
    def factory(self) -> str:
        return f"servers.{self.framework}_app:create_app"


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
        "--factory",
        go.factory,
        "--log-level",
        "warning",
        *quiet,
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
            f"{go.factory}()",
        ]

    return argv


@dataclass(frozen=True)
class HttpServer:
    """One row of the table: a server, the frameworks it hosts, what it takes."""

    name: str
    hosts: tuple[str, ...]
    #: Whether it serves from ``python -m servers`` itself (and from a thread) with one worker.
    in_process: bool
    #: Whether it takes ``workers`` > 1 (worker processes).
    takes_workers: bool
    #: Whether it takes ``threads`` > 1 (threads per worker).
    takes_threads: bool
    #: Its command line as a program of its own (None: it has none).
    argv: Callable[[Launch], list[str]] | None = None

    def runs_alone(self, workers: int) -> bool:
        """Whether it runs as its own program: always, or for several workers."""
        return not self.in_process or workers > 1


SERVERS: dict[str, HttpServer] = {
    s.name: s
    for s in (
        HttpServer("werkzeug", ("flask",), in_process=True, takes_workers=False, takes_threads=False),
        HttpServer("uvicorn", ("fastapi",), in_process=True, takes_workers=True, takes_threads=False, argv=_uvicorn),
        HttpServer(
            "gunicorn-sync",
            ("flask",),
            in_process=False,
            takes_workers=True,
            takes_threads=False,
            argv=_gunicorn(lambda: "sync"),
        ),
        HttpServer(
            "gunicorn-gthread",
            ("flask",),
            in_process=False,
            takes_workers=True,
            takes_threads=True,
            argv=_gunicorn(lambda: "gthread"),
        ),
        HttpServer(
            "gunicorn-uvicorn",
            ("fastapi",),
            in_process=False,
            takes_workers=True,
            takes_threads=False,
            argv=_gunicorn(uvicorn_worker_class),
        ),
        HttpServer(
            "gunicorn-asgi",
            ("fastapi",),
            in_process=False,
            takes_workers=True,
            takes_threads=False,
            argv=_gunicorn(lambda: "asgi"),
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
    return tuple(s.name for s in SERVERS.values() if framework in s.hosts)


def command(server: str, go: Launch) -> list[str]:
    """The argv that serves ``go.framework`` with ``server`` on the listening socket ``go.fd``."""
    row = get(server)
    if row.argv is None:
        raise ValueError(f"{server} runs inside python -m servers; it has no command line of its own")
    return row.argv(go)
