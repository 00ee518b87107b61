"""``python -m servers FRAMEWORK``: serve one framework, as the article's two terminals did;
``python -m servers --app MODULE:ATTRIBUTE``: serve your own WSGI or ASGI app the same way.

python -m servers flask --debug   # as the article ran it: app.run(port=5500, debug=True)
python -m servers fastapi         # uvicorn, http://127.0.0.1:8000
python -m servers flask --server gunicorn-gthread --workers 2 --threads 4
python -m servers fastapi --server gunicorn-uvicorn --workers 2
python -m servers fastapi --server gunicorn-asgi --workers 2
python -m servers flask --server granian --workers 2 --threads 4
python -m servers quart           # uvicorn, http://127.0.0.1:5000
python -m servers litestar --sync-on-loop
python -m servers flask --python .venv-ft/bin/python   # free-threaded CPython (make freethreaded)
python -m servers --app examples.yourapp.flask_app:app   # your own WSGI or ASGI app (here: Werkzeug, port 8000)
python -m servers --app examples.yourapp.fastapi_app:app --server granian --workers 2
python -m servers fastapi --workload mine=mytasks:crunch   # /run?workload=mine fans out your function
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import frameworks, hosting, launch, orphans, own, serving, userapp
from .names import ENV_SERVER_PYTHON, ENV_WORKLOADS
from .net import ServerStartError, base_url, bind_socket, exposure_warning
from .options import ServerOptions, add_arguments, from_namespace

#: Werkzeug sets this in the environment of its reloader's child, the process that serves.
RELOADER_CHILD = "WERKZEUG_RUN_MAIN"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m servers", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(p)
    p.add_argument("--port-file", type=Path, help=argparse.SUPPRESS)  # for launch: where to say the port
    p.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)  # for launch: end with this process
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        options = from_namespace(args)
    except ValueError as e:  # options refused, an --app that cannot be served: one line, exit 2
        print(f"python -m servers: error: {e}", file=sys.stderr)
        return 2
    _start_again_if_needed(options, list(sys.argv[1:] if argv is None else argv))
    if options.workload:  # registered here (which checks them) and by every process that makes the app
        os.environ[ENV_WORKLOADS] = own.to_environment(options.own_workloads())
        try:
            own.from_environment()
        except own.SpecError as e:
            print(f"error: --workload: {e}", file=sys.stderr)
            return 2
    warning = exposure_warning(options.host)
    if warning:
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    reloader_child = os.environ.get(RELOADER_CHILD) == "true"
    if args.parent_pid is not None:  # its owner killed: stop the way SIGTERM stops it, pool and all
        # Under Flask's debug reloader this process is the reloader's child: its owner is
        # the reloader, which itself watches the launcher.
        orphans.watch_parent(
            os.getppid() if reloader_child else args.parent_pid, lambda: os.kill(os.getpid(), signal.SIGTERM)
        )
    if not options.quiet:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    if options.debug:
        return _serve_debug(options, args.port_file, reloader_child)
    try:
        sock = bind_socket(options.host, options.listen_port, listen=hosting.get(options.server).handoff == "fd")
    except ServerStartError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    port: int = sock.getsockname()[1]
    if options.runs_alone:
        if args.parent_pid is not None:  # the thread above ends at exec: a process watches instead
            orphans.guard_group(args.parent_pid)
        _become_the_server(options, sock.fileno(), port, args.port_file)
    app, release = serving.app_of(options)
    try:
        run = serving.in_process(app, sock, options).run
        _announce(options, port, args.port_file)
        launch.interrupt_on(signal.SIGTERM)  # stop through the finally blocks (uvicorn handles its own)
        try:
            run()
        except KeyboardInterrupt:
            pass
        return 0
    finally:
        release()


def _start_again_if_needed(options: ServerOptions, argv: list[str]) -> None:
    """Start again, with the same arguments, under ``options.python`` if this process does not
    run under it yet, and with ``options.env`` in the environment if it is not there yet (such
    as ``MALLOC_ARENA_MAX``, which the C library reads only when a process starts)."""
    missing = {k: v for k, v in options.env if os.environ.get(k) != v}
    python = sys.executable
    if options.python and os.environ.get(ENV_SERVER_PYTHON) != options.python:
        python = options.python
        missing[ENV_SERVER_PYTHON] = options.python  # the process started finds it: no third start
    if missing:
        sys.stdout.flush()
        os.execve(python, [python, "-m", "servers", *argv], {**os.environ, **missing})


def _announce(options: ServerOptions, port: int, port_file: Path | None) -> None:
    """Say where it serves: on the terminal, and in ``port_file`` for launch."""
    if port_file is not None:
        tmp = port_file.with_suffix(".tmp")
        tmp.write_text(str(port))
        tmp.replace(port_file)
    served = options.served()
    what = (
        f"{served.described} on {options.server}"
        if isinstance(served, userapp.App)
        else f"{options.framework} on {options.server} serving the article's task (size={options.size})"
    )
    print(f"{what} on {base_url(options.host, port)}", flush=True)


def _become_the_server(options: ServerOptions, fd: int, port: int, port_file: Path | None) -> None:
    """Exec the production server, handing it the listening socket (port 0 is resolved); the
    workers learn the app's options from the environment."""
    for name, env in hosting.APP_ENV.items():
        value = getattr(options, name)
        if value is not None:
            os.environ[env] = str(int(value) if isinstance(value, bool) else value)
    served = options.served()
    go = hosting.Launch(
        served.target,
        served.factory,
        served.interface,
        fd,
        host=options.host,
        port=port,
        workers=options.workers,
        threads=options.threads,
        quiet=options.quiet,
    )
    argv = hosting.command(options.server, go)
    _announce(options, port, port_file)
    os.execv(argv[0], argv)


def _serve_debug(options: ServerOptions, port_file: Path | None, reloader_child: bool) -> int:
    """Faithful to the article: ``app.run(debug=True)``. Werkzeug's reloader binds the port,
    then serves from a child process that runs this module again and finds the socket in
    its environment; only the first process checks the port and says where it serves."""
    port = options.listen_port
    if not reloader_child:
        try:
            with bind_socket(options.host, port) as probe:  # a clear error if the port is taken
                port = probe.getsockname()[1]
        except ServerStartError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        _announce(options, port, port_file)
    app: Any = frameworks.get(options.framework).create_app(options.size, options.pool_workers)
    try:
        app.run(host=options.host, port=port, debug=True, threaded=options.threaded)
    finally:
        app.task_pool.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
