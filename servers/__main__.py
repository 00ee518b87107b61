"""``python -m servers flask|fastapi``: the article's two terminals.

python -m servers flask           # Werkzeug dev server, http://127.0.0.1:5500
python -m servers flask --debug   # as the article ran it: app.run(debug=True)
python -m servers fastapi         # uvicorn, http://127.0.0.1:8000
python -m servers flask --server gunicorn-gthread --workers 2 --threads 4
python -m servers fastapi --server gunicorn-uvicorn --workers 2
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from . import launch, orphans, params, production, workloads


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= params.SIZE_MAX:
        raise argparse.ArgumentTypeError(f"must be between 1 and {params.SIZE_MAX}, got {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m servers", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("framework", choices=launch.FRAMEWORKS)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--port", type=_port, default=None, help="port (default 5500 for flask, 8000 for fastapi; 0 picks a free one)"
    )
    p.add_argument(
        "--size",
        type=_size,
        default=workloads.ARTICLE_SIZE,
        help=f"array side of the article's task (default {workloads.ARTICLE_SIZE}, the article's)",
    )
    p.add_argument(
        "--debug",
        action="store_true",
        help="flask only: app.run(debug=True) as the article did (reloader and debugger; loopback only)",
    )
    p.add_argument(
        "--pool-workers",
        type=int,
        default=None,
        help="processes in the pool of the 'processes' strategy (default: one per usable core)",
    )
    p.add_argument(
        "--threaded",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="flask only: a thread per request, as app.run does (default), or one thread",
    )
    p.add_argument(
        "--settle",
        action="store_true",
        help="fastapi only: free the gathered results before answering (not the article's)",
    )
    p.add_argument(
        "--server",
        default=None,
        help="flask: werkzeug (default), gunicorn-sync, gunicorn-gthread; fastapi: uvicorn (default), gunicorn-uvicorn",
    )
    p.add_argument("--workers", type=int, default=1, help="worker processes (production servers)")
    p.add_argument("--threads", type=int, default=1, help="threads per worker (gunicorn-gthread)")
    p.add_argument("--quiet", action="store_true", help="no access log, no task lines")
    p.add_argument("--port-file", type=Path, help=argparse.SUPPRESS)  # for launch.Server
    p.add_argument(
        "--parent-pid",
        type=int,
        default=None,  # for launch.Server: end with it
        help=argparse.SUPPRESS,
    )
    return p


def _announce(args: argparse.Namespace, port: int) -> None:
    if args.port_file is not None and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        tmp = args.port_file.with_suffix(".tmp")
        tmp.write_text(str(port))
        tmp.replace(args.port_file)
    print(
        f"{args.framework} serving the article's task (size={args.size}) on {launch.base_url(args.host, port)}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.debug and args.framework != "flask":
        parser().error("--debug reproduces the article's Flask debug=True; fastapi has none")
    if args.debug and args.host not in launch.LOOPBACK:
        parser().error("--" + launch.DEBUG_OFF_LOOPBACK)
    warning = launch.exposure_warning(args.host)
    if warning:
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    if not args.threaded and args.framework != "flask":
        parser().error("--no-threaded is Werkzeug's one-thread server: flask only")
    if args.settle and args.framework != "fastapi":
        parser().error("--settle is for FastAPI's async endpoints: fastapi only")
    server = args.server or production.DEFAULT_SERVER[args.framework]
    try:
        production.validate(args.framework, server, args.workers, args.threads)
    except ValueError as e:
        parser().error(str(e))
    if args.debug and server != "werkzeug":
        parser().error("--debug is the Werkzeug development server's")
    if args.settle and production.needs_exec(args.framework, server, args.workers):
        parser().error("--settle applies to the single-process uvicorn server only")
    if args.parent_pid is not None:  # its owner killed: stop the way SIGTERM stops it, pool and all
        # Under Flask's debug reloader this process is the reloader's child: its owner is
        # the reloader, which itself watches the launcher.
        reloader_child = os.environ.get("WERKZEUG_RUN_MAIN") == "true"
        orphans.watch_parent(
            os.getppid() if reloader_child else args.parent_pid, lambda: os.kill(os.getpid(), signal.SIGTERM)
        )
    port = launch.DEFAULT_PORTS[args.framework] if args.port is None else args.port
    if not args.quiet:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        sock = launch.bind_socket(args.host, port)
    except launch.ServerStartError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    port = sock.getsockname()[1]
    if production.needs_exec(args.framework, server, args.workers):
        # Become the production server, handing it the socket we bound (port 0 is resolved).
        os.environ[production.SIZE_ENV] = str(args.size)
        if args.pool_workers:
            os.environ["FANOUT_POOL_WORKERS"] = str(args.pool_workers)
        argv = production.command(args.framework, server, sock.fileno(), args.workers, args.threads, args.quiet)
        _announce(args, port)
        sys.stdout.flush()
        os.execv(argv[0], argv)
    app = launch.create_app(args.framework, args.size, args.pool_workers, args.settle)
    try:
        return _serve(args, app, sock, port)
    finally:
        app.task_pool.shutdown()


def _serve(args: argparse.Namespace, app: Any, sock: Any, port: int) -> int:
    """Serve until interrupted (Ctrl-C, or SIGTERM for the Werkzeug servers)."""
    if args.framework == "flask" and args.debug:
        # Faithful to the article: app.run(debug=True). Werkzeug binds the port itself,
        # so release ours first; its reloader then serves from a child process.
        sock.close()
        _announce(args, port)
        app.run(host=args.host, port=port, debug=True, threaded=args.threaded)
        return 0
    if args.framework == "flask":
        # What app.run() does without debug: Werkzeug's dev server, threaded by default.
        from werkzeug.serving import make_server

        from .werkzeug_errors import JsonErrorHandler

        srv = make_server(
            args.host, port, app, threaded=args.threaded, request_handler=JsonErrorHandler, fd=sock.fileno()
        )
        sock.close()
        if args.quiet:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        _announce(args, port)
        launch.interrupt_on(signal.SIGTERM)  # stop through the finally blocks
        try:
            srv.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            srv.server_close()
        return 0

    import uvicorn

    config = uvicorn.Config(
        app, log_level="warning" if args.quiet else "info", access_log=not args.quiet, lifespan="on"
    )
    _announce(args, port)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
