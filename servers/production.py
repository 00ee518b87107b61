"""Production servers: the command lines that serve the apps with gunicorn or uvicorn workers.

``python -m servers`` binds the listening socket itself (port 0 works, the port is known
before anything starts) and hands it to the server by file descriptor (gunicorn's
``--bind fd://N``, uvicorn's ``--fd N``), then becomes that server with ``exec``: the process
that launch started is the server's master process. The app's article size reaches the
workers through :data:`SIZE_ENV`.

| framework | server | what |
|---|---|---|
| flask | ``werkzeug`` | the development server, a thread per request (the article's) |
| flask | ``gunicorn-sync`` | gunicorn, ``workers`` processes, one request at a time each |
| flask | ``gunicorn-gthread`` | gunicorn, ``workers`` processes x ``threads`` threads |
| fastapi | ``uvicorn`` | uvicorn, one process (the article's) or ``workers`` processes |
| fastapi | ``gunicorn-uvicorn`` | gunicorn managing ``workers`` uvicorn worker processes |
"""

from __future__ import annotations

import sys

#: Environment variable carrying the article task's default size to worker processes.
SIZE_ENV = "FANOUT_ARTICLE_SIZE"

SERVERS: dict[str, tuple[str, ...]] = {
    "flask": ("werkzeug", "gunicorn-sync", "gunicorn-gthread"),
    "fastapi": ("uvicorn", "gunicorn-uvicorn"),
}
DEFAULT_SERVER = {"flask": "werkzeug", "fastapi": "uvicorn"}
#: Seconds a gunicorn worker may spend on one request before it is restarted: the
#: article's requests can take minutes.
WORKER_TIMEOUT_S = 3600


def uvicorn_worker_class() -> str:
    """The Uvicorn worker class for gunicorn: the uvicorn-worker package's, else uvicorn's own."""
    try:
        import uvicorn_worker  # noqa: F401

        return "uvicorn_worker.UvicornWorker"
    except ImportError:
        return "uvicorn.workers.UvicornWorker"


def needs_exec(framework: str, server: str, workers: int) -> bool:
    """Whether ``server`` runs as its own program (everything but the in-process defaults)."""
    return server != DEFAULT_SERVER[framework] or workers > 1


def validate(framework: str, server: str, workers: int, threads: int) -> None:
    """Raise ValueError, saying why, for a combination that does not exist."""
    if server not in SERVERS.get(framework, ()):
        raise ValueError(f"{framework} runs on {', '.join(SERVERS[framework])}, not {server!r}")
    if workers < 1 or threads < 1:
        raise ValueError("workers and threads must be at least 1")
    if server == "werkzeug" and workers > 1:
        raise ValueError("werkzeug serves from one process: use gunicorn-sync or gunicorn-gthread for workers")
    if threads > 1 and server != "gunicorn-gthread":
        raise ValueError("threads apply to gunicorn-gthread only (werkzeug makes a thread per request)")


def command(framework: str, server: str, fd: int, workers: int, threads: int, quiet: bool) -> list[str]:
    """The argv that serves ``framework`` with ``server`` on the listening socket ``fd``."""
    app = f"servers.{framework}_app:create_app()"
    log = ["--log-level", "warning"] + ([] if quiet else ["--access-logfile", "-"])
    if server == "uvicorn":
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "--fd",
            str(fd),
            "--workers",
            str(workers),
            "--factory",
            f"servers.{framework}_app:create_app",
            "--log-level",
            "warning",
        ] + (["--no-access-log"] if quiet else [])
    worker_class = {"gunicorn-sync": "sync", "gunicorn-gthread": "gthread", "gunicorn-uvicorn": uvicorn_worker_class()}[
        server
    ]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"fd://{fd}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--timeout",
        str(WORKER_TIMEOUT_S),
        "--graceful-timeout",
        "5",
        *log,
        app,
    ]
