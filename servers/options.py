"""One server's options: validated once, rendered as a ``python -m servers`` command line and
parsed back from one.

:class:`ServerOptions` is what :mod:`servers.launch` starts, what ``python -m servers``
serves, what a preset's variant changes and what a run's meta.json records. Every rule about
which options go together lives in :meth:`ServerOptions.__post_init__`; the command line is
another spelling of the same options (:meth:`~ServerOptions.to_argv`,
:func:`from_argv`), and a *variant* is a named set of option overrides (:data:`VARIANTS`).
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from . import frameworks, hosting, interpreter, own, userapp
from .names import MODES
from .net import is_loopback
from .workloads import ARTICLE, ARTICLE_SIZE

#: Why Flask's debug mode is refused off loopback.
DEBUG_OFF_LOOPBACK = (
    "debug mode runs Werkzeug's interactive debugger, which executes Python code sent by "
    "anyone who can reach the server: it is allowed on loopback hosts only (localhost, 127.0.0.0/8, ::1)"
)
#: Most processes a ``processes`` pool, or a server, may be asked for.
WORKERS_MAX = 256

#: Controlled changes to a server, each a set of option overrides. "" is the plain server.
VARIANTS: dict[str, dict[str, Any]] = {
    "": {},
    "debug": {"debug": True},  # Flask's debug=True: reloader and debugger (the article's)
    "one-thread": {"threaded": False},  # Werkzeug serving every request on one thread
    "arena1": {"env": (("MALLOC_ARENA_MAX", "1"),)},  # glibc malloc: one arena for all threads
    "settle": {"settle": True},  # FastAPI frees the gathered results before answering
    "sync-on-loop": {"sync_on_loop": True},  # Litestar runs /run/sync's def handler on its event loop
    # Another server, one worker (what a framework x server comparison holds constant):
    "gunicorn-sync": {"server": "gunicorn-sync"},  # gunicorn for WSGI apps
    "gunicorn-asgi": {"server": "gunicorn-asgi"},  # gunicorn for ASGI apps, its own worker
    "granian": {"server": "granian"},  # Granian, for both
}
#: The options only some frameworks take (see :attr:`servers.frameworks.Framework.options`).
FRAMEWORK_OPTIONS = ("settle", "sync_on_loop")

Env = tuple[tuple[str, str], ...]
#: What a server serves: one of our frameworks' apps, or a user's own.
Served = frameworks.Framework | userapp.App


def _env(value: Mapping[str, str] | Sequence[tuple[str, str]]) -> Env:
    pairs = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), str(v)) for k, v in pairs))


@dataclass(frozen=True)
class ServerOptions:
    """How to serve one framework, or a user's own app (``framework`` "", ``app`` its
    ``MODULE:ATTRIBUTE``). Invalid combinations raise ValueError saying why.

    ``server`` "" is the framework's own (Werkzeug for Flask, uvicorn for the others; for an
    app, the same by its kind: :data:`servers.userapp.DEFAULT_SERVER`); ``port``
    None is the framework's own port (the article's 5500 and 8000), 0 a free one; ``env`` holds
    environment variables the serving process must start with (a dict is accepted); ``python``
    "" is the interpreter that starts the server, else the path of another (made absolute; a
    bare name is looked up on PATH) that the server process runs under.
    """

    framework: str
    #: ``thread`` or ``process`` (see :data:`servers.names.MODES`).
    mode: str = "thread"
    server: str = ""
    #: A user's own WSGI or ASGI app, ``MODULE:ATTRIBUTE`` (see :mod:`servers.userapp`), served
    #: instead of a framework's (``framework`` "").
    app: str = ""
    host: str = "127.0.0.1"
    port: int | None = None
    #: The article task's size: the array side its route and ``/run?workload=article`` default to.
    size: int = ARTICLE_SIZE
    #: Worker processes of the server (production servers).
    workers: int = 1
    #: Threads per worker (gunicorn-gthread; Granian's blocking threads for WSGI).
    threads: int = 1
    #: Processes of the app's pool for the ``processes`` strategy (None: one per usable core).
    pool_workers: int | None = None
    #: The name of the controlled change these options make (see :data:`VARIANTS`).
    variant: str = ""
    #: Flask's ``debug=True`` (reloader and debugger), as the article ran it.
    debug: bool = False
    #: Werkzeug's thread per request (True, as ``app.run`` does) or one thread.
    threaded: bool = True
    #: FastAPI's async endpoints free the gathered results before answering.
    settle: bool = False
    #: Litestar's ``/run/sync`` runs on the event loop (``sync_to_thread=False``), not on a thread.
    sync_on_loop: bool = False
    env: Env = ()
    #: The Python the server process runs under (such as ``.venv-ft/bin/python``, a free-threaded
    #: one); "" for the one that starts it. Process mode only.
    python: str = ""
    #: No access log, no task lines.
    quiet: bool = False
    #: Functions of one's own the app registers when it starts, each ``NAME=MODULE:FUNCTION``
    #: (:mod:`servers.own`), and the JSON arguments of those that take some, by name.
    workload: tuple[str, ...] = ()
    workload_args: Env = ()

    def __post_init__(self) -> None:
        fw = self.served()
        if self.app and (self.size != ARTICLE_SIZE or self.pool_workers is not None or self.workload):
            raise ValueError(
                "size, pool_workers and workload (--size, --pool-workers, --workload) set the work of our apps: "
                "your app takes none of them"
            )
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; choose one of: {', '.join(MODES)}")
        object.__setattr__(self, "server", self.server or fw.default_server)
        object.__setattr__(self, "env", _env(self.env))
        row = hosting.get(self.server)
        if fw.interface not in row.hosts:
            known = ", ".join(hosting.for_interface(fw.interface))
            hosts = " and ".join(h.upper() for h in row.hosts)
            raise ValueError(
                f"{fw.name} runs on {known}, not {self.server!r}: it is a {fw.interface.upper()} app, "
                f"and {self.server} hosts {hosts} apps only (it would need an adapter)"
            )
        self._check_numbers(row, fw)
        self._check_framework_options(fw)
        object.__setattr__(self, "workload", tuple(self.workload))
        object.__setattr__(self, "workload_args", _env(self.workload_args))
        if self.workload and self.mode != "process":
            raise ValueError(
                "workload registers functions when a server process starts: use mode='process', or in this "
                "process servers.own.register(servers.own.workload_of(fn, name=...)) before starting the server"
            )
        named = {own.name_of(spec) for spec in self.workload}
        stray = sorted(k for k, _ in self.workload_args if k not in named)
        if stray:
            raise ValueError(f"workload_args for {', '.join(stray)}, which no workload names")
        if self.env and self.mode != "process":
            raise ValueError("env sets the environment a server process starts with: use mode='process'")
        if self.python:
            if self.mode != "process":
                raise ValueError(
                    "python runs the server under another interpreter, in a process of its own: use mode='process'"
                )
            object.__setattr__(self, "python", interpreter.check_python(interpreter.resolve(self.python)))
        if row.runs_alone(self.workers) and self.mode != "process":
            raise ValueError(f"{self.server} with {self.workers} worker(s) runs in its own process: mode='process'")
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown variant {self.variant!r}; choose one of: {', '.join(v for v in VARIANTS if v)}")
        for name, value in VARIANTS[self.variant].items():
            if getattr(self, name) != value:
                raise ValueError(f"variant {self.variant!r} means {name}={value!r}, not {getattr(self, name)!r}")

    def _check_numbers(self, row: hosting.HttpServer, fw: Served) -> None:
        if not self.host:
            raise ValueError("host must not be empty")
        if self.port is not None and not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {self.port}")
        if not 1 <= self.size <= ARTICLE.max_size:
            raise ValueError(f"size must be between 1 and {ARTICLE.max_size}, got {self.size}")
        for name in ("workers", "threads"):
            if not 1 <= getattr(self, name) <= WORKERS_MAX:
                raise ValueError(f"{name} must be between 1 and {WORKERS_MAX}, got {getattr(self, name)}")
        if self.pool_workers is not None and not 1 <= self.pool_workers <= WORKERS_MAX:
            raise ValueError(f"pool_workers must be between 1 and {WORKERS_MAX}, got {self.pool_workers}")
        if self.workers > 1 and not row.takes_workers:
            raise ValueError(f"{self.server} serves from one process: use a server with workers")
        if self.threads > 1 and fw.interface not in row.threads_for:
            takers = ", ".join(s.name for s in hosting.SERVERS.values() if fw.interface in s.threads_for)
            raise ValueError(
                f"threads apply to {fw.name} on {takers} only, not on {self.server}"
                if takers
                else f"threads apply to WSGI apps only; {fw.name} is {fw.interface.upper()}"
            )

    def _check_framework_options(self, fw: Served) -> None:
        if self.debug:
            if fw.name != "flask" or self.server != "werkzeug":
                raise ValueError("debug reproduces the article's Flask debug=True (Werkzeug's): only for flask")
            if self.mode != "process":
                raise ValueError("Flask's debug reloader needs its own process: use mode='process'")
            if not is_loopback(self.host):
                raise ValueError(DEBUG_OFF_LOOPBACK)
        if not self.threaded and self.server != "werkzeug":
            raise ValueError("threaded=False is Werkzeug's one-thread server: only for flask")
        for name in FRAMEWORK_OPTIONS:
            if getattr(self, name) and name not in fw.options:
                takers = ", ".join(f.name for f in frameworks.REGISTRY.values() if name in f.options)
                raise ValueError(f"{name} is only for {takers}, not {fw.name}")
        if self.settle and hosting.get(self.server).runs_alone(self.workers):
            raise ValueError("settle applies to the single-process uvicorn server only")

    # -- building -----------------------------------------------------------------------
    @classmethod
    def build(cls, framework: str, mode: str = "thread", *, variant: str = "", **given: Any) -> ServerOptions:
        """Options with ``variant``'s overrides applied, then ``given`` (which must agree)."""
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; choose one of: {', '.join(v for v in VARIANTS if v)}")
        return cls(framework, mode, variant=variant, **{**VARIANTS[variant], **given})

    # -- reading ------------------------------------------------------------------------
    def served(self) -> Served:
        """What it serves: the framework, or the user's app (imported: its kind decides which
        servers host it); ValueError (one line) when it names neither, or both, or no app."""
        found: Served | None = getattr(self, "_served", None)
        if found is None:
            if bool(self.framework) == bool(self.app):
                raise ValueError(
                    f"name a framework ({', '.join(frameworks.FRAMEWORKS)}) or your own app with --app "
                    "MODULE:ATTRIBUTE" + (", not both" if self.app else "")
                )
            found = userapp.find(self.app) if self.app else frameworks.get(self.framework)
            object.__setattr__(self, "_served", found)  # not a field: kept, never compared
        return found

    @property
    def label(self) -> str:
        """What it serves, in a word: the framework's name, or the app's spec."""
        return self.served().name

    @property
    def listen_port(self) -> int:
        """The port to bind: ``port``, or the framework's article port (an app's: 8000) when it is None."""
        return self.served().default_port if self.port is None else self.port

    @property
    def runs_alone(self) -> bool:
        """Whether the server runs as a program of its own (not inside ``python -m servers``)."""
        return hosting.get(self.server).runs_alone(self.workers)

    def own_workloads(self) -> list[tuple[str, str]]:
        """Each ``workload`` spec with its JSON arguments ("" for none), as
        :func:`servers.own.to_environment` takes them."""
        args = dict(self.workload_args)
        return [(spec, args.get(own.name_of(spec), "")) for spec in self.workload]

    def app_options(self) -> dict[str, Any]:
        """The keyword options of the framework's ``create_app`` beyond size and pool workers."""
        return {name: getattr(self, name) for name in self.served().options}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (``env`` as an object), as meta.json keeps it."""
        record = asdict(self)
        record["env"] = dict(self.env)
        return record

    # -- the command line ---------------------------------------------------------------
    def to_argv(self) -> list[str]:
        """The arguments of ``python -m servers`` that serve with these options (the mode
        aside: the command is a process of its own). Options a variant implies are left to it."""
        implied = VARIANTS[self.variant]
        argv = [self.framework] if self.framework else ["--app", self.app]
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("framework", "mode", "app") or value == _DEFAULTS[f.name] or implied.get(f.name) == value:
                continue
            flag = "--" + f.name.replace("_", "-")
            if f.name == "server" and value == self.served().default_server:
                continue
            if f.name in ("env", "workload_args"):
                argv += [a for k, v in value for a in (flag, f"{k}={v}")]
            elif f.name == "workload":
                argv += [a for spec in value for a in (flag, spec)]
            elif f.name == "threaded":
                argv.append("--no-threaded")
            elif isinstance(value, bool):
                argv.append(flag)
            else:
                argv += [flag, str(value)]
        return argv

    def command(self) -> str:
        """The shell command that serves with these options."""
        return shlex.join(["python", "-m", "servers", *self.to_argv()])


_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(ServerOptions)}


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"not KEY=VALUE: {text!r}")
    return key, value


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options' flags on ``p``; :func:`from_namespace` reads them back. Every default is
    None so that a variant's overrides apply where a flag was not given."""
    p.add_argument("framework", nargs="?", choices=frameworks.FRAMEWORKS, help="one of our apps (or --app)")
    p.add_argument(
        "--app",
        metavar="MODULE:ATTRIBUTE",
        help=f"your own WSGI or ASGI app instead, importable from here (such as {userapp.EXAMPLE}); "
        "default server: werkzeug for WSGI, uvicorn for ASGI; default port 8000",
    )
    ports = ", ".join(f"{f.default_port} for {f.name}" for f in frameworks.REGISTRY.values())
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=_whole, help=f"port (default {ports}; 0 picks a free one)")
    p.add_argument("--size", type=_whole, help=f"array side of the article's task (default {ARTICLE_SIZE})")
    p.add_argument("--server", choices=list(hosting.SERVERS), help="the HTTP server (default: the framework's own)")
    p.add_argument("--workers", type=_whole, help="worker processes (production servers; default 1)")
    p.add_argument("--threads", type=_whole, help="threads per worker (gunicorn-gthread, granian for flask; default 1)")
    p.add_argument("--pool-workers", type=_whole, help="processes of the 'processes' strategy (default: the cores)")
    p.add_argument("--variant", choices=[v for v in VARIANTS if v], help="a controlled change, by name")
    p.add_argument(
        "--debug",
        action="store_const",
        const=True,
        help="flask: app.run(debug=True) as the article did (reloader and debugger; loopback only)",
    )
    p.add_argument(
        "--threaded",
        action=argparse.BooleanOptionalAction,
        help="flask: a thread per request, as app.run does (default), or one thread",
    )
    p.add_argument(
        "--settle",
        action="store_const",
        const=True,
        help="fastapi: free the gathered results before answering (not the article's)",
    )
    p.add_argument(
        "--sync-on-loop",
        action="store_const",
        const=True,
        help="litestar: run /run/sync's def handler on the event loop (sync_to_thread=False), not on a thread",
    )
    p.add_argument(
        "--env",
        type=_pair,
        action="append",
        metavar="KEY=VALUE",
        help="start the server with this environment variable set (repeatable)",
    )
    p.add_argument(
        "--python",
        metavar="PATH",
        help="serve under this Python (such as .venv-ft/bin/python, free-threaded: make freethreaded)",
    )
    p.add_argument("--quiet", action="store_const", const=True, help="no access log, no task lines")
    p.add_argument(
        "--workload",
        action="append",
        metavar="NAME=MODULE:FUNCTION",
        help="a function of your own that /run?workload=NAME fans out like the built-in ones (repeatable)",
    )
    p.add_argument(
        "--workload-args",
        type=_pair,
        action="append",
        metavar="NAME=JSON",
        help="the arguments NAME's function is called with: a JSON list or object (default: none)",
    )


def from_namespace(args: argparse.Namespace) -> ServerOptions:
    """The options the parsed flags of :func:`add_arguments` say (process mode)."""
    names = {f.name for f in fields(ServerOptions)} - {"framework", "mode", "variant"}
    given = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
    return ServerOptions.build(args.framework or "", "process", variant=args.variant or "", **given)


def from_argv(argv: Sequence[str]) -> ServerOptions:
    """The options of a ``python -m servers`` command line (its arguments after ``servers``)."""
    p = argparse.ArgumentParser(prog="python -m servers", exit_on_error=False)
    add_arguments(p)
    try:
        return from_namespace(p.parse_args(list(argv)))
    except argparse.ArgumentError as e:
        raise ValueError(str(e)) from None
