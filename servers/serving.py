"""Serving an app in this process: Werkzeug or uvicorn on a socket already bound.

:func:`app_of` makes the app the options name (a framework's, or the user's own) with what
releases it; :func:`in_process` gives a blocking ``run`` and a ``stop`` to call from another
thread, so that :mod:`servers.launch` runs it on a thread of its own (thread mode) and
``python -m servers`` on its main thread, with the same code.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import frameworks
from .options import ServerOptions

#: Seconds after which Werkzeug closes an idle keep-alive connection, so that stopping
#: never waits on a client that keeps its connection open.
IDLE_CONNECTION_S = 5
#: Seconds uvicorn gives open requests to finish when it stops.
GRACEFUL_SHUTDOWN_S = 5


@dataclass(frozen=True)
class InProcess:
    """A server ready to run: ``run()`` blocks until ``stop()`` (from another thread) or an
    interrupt; either way it closes its socket before returning."""

    run: Callable[[], None]
    stop: Callable[[], None]


def app_of(options: ServerOptions) -> tuple[Any, Callable[[], None]]:
    """The app to serve, and what releases it once served: a framework's app and its process
    pool's shutdown (``app.task_pool``), or the user's own app (imported) and nothing."""
    served = options.served()
    if isinstance(served, frameworks.Framework):
        app = served.create_app(options.size, options.pool_workers, **options.app_options())
        return app, app.task_pool.shutdown
    return served.load(), lambda: None


def in_process(app: Any, sock: socket.socket, options: ServerOptions) -> InProcess:
    """Serve ``app`` on the listening ``sock`` with ``options.server`` (werkzeug or uvicorn)."""
    if options.server == "werkzeug":
        return _werkzeug(app, sock, options)
    if options.server == "uvicorn":
        return _uvicorn(app, sock, options)
    raise ValueError(f"{options.server} does not run inside this process")


def _werkzeug(app: Any, sock: socket.socket, options: ServerOptions) -> InProcess:
    from werkzeug.serving import make_server

    from .werkzeug_errors import JsonErrorHandler

    quiet = options.quiet

    class Handler(JsonErrorHandler):
        timeout = IDLE_CONNECTION_S

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            if not quiet:
                super().log_request(*args, **kwargs)

    host, port = sock.getsockname()[:2]
    srv = make_server(host, port, app, threaded=options.threaded, request_handler=Handler, fd=sock.fileno())
    sock.close()  # make_server holds its own duplicate of the listening socket

    def run() -> None:
        try:
            srv.serve_forever(poll_interval=0.1)
        finally:
            srv.server_close()  # joins the request threads

    return InProcess(run=run, stop=srv.shutdown)


def _uvicorn(app: Any, sock: socket.socket, options: ServerOptions) -> InProcess:
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level="warning" if options.quiet else "info",
        access_log=not options.quiet,
        lifespan="auto" if options.app else "on",  # a user's app may not speak the lifespan protocol
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    srv = uvicorn.Server(config)

    def run() -> None:
        try:
            srv.run(sockets=[sock])
        finally:
            sock.close()

    def stop() -> None:
        srv.should_exit = True

    return InProcess(run=run, stop=stop)
