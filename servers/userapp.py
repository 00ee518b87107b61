"""Your own app behind our servers: ``python -m servers --app MODULE:ATTRIBUTE``.

:func:`find` imports the app (:mod:`servers.importing`: from the current directory first, as
uvicorn and gunicorn do) and tells its kind from how it is called (:func:`interface_of`): a
WSGI app is a callable of ``(environ, start_response)`` (a Flask app, Django's WSGI handler, a
plain function), an ASGI app a coroutine function of ``(scope, receive, send)``, or an object
whose ``__call__`` is one (a FastAPI, Starlette, Quart or Litestar app). Anything else is
refused with one line saying what was found. An :class:`App` answers what
:class:`servers.options.ServerOptions` asks of a framework (its interface, its default server
and port); it has no options of ours, no article route and no ``/ping`` of ours.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass
from typing import Any, ClassVar

from . import importing
from .names import Interface

#: How the help and the errors show a spec.
EXAMPLE = "examples.yourapp.flask_app:app"
#: The server each kind of app gets unless told: the ones our Flask and FastAPI get.
DEFAULT_SERVER: dict[Interface, str] = {"wsgi": "werkzeug", "asgi": "uvicorn"}
#: The port unless told: uvicorn's, gunicorn's and Granian's own default.
DEFAULT_PORT = 8000
#: How each kind is called, for the errors.
CALLED = {
    "wsgi": "a WSGI app is called with (environ, start_response), as a Flask app is",
    "asgi": "an ASGI app is awaited with (scope, receive, send), as a FastAPI or Starlette app is",
}


class AppError(importing.SpecError):
    """An ``--app`` that cannot be served; the message is one line saying why."""


@dataclass(frozen=True)
class App:
    """A user's app, found: its spec, its interface and the class it is an instance of."""

    spec: str
    interface: Interface
    #: Its class's name (``Flask``, ``FastAPI``; ``function`` for a plain one).
    kind: str
    #: Options of ours it takes: none (see :attr:`servers.frameworks.Framework.options`).
    options: ClassVar[tuple[str, ...]] = ()
    default_port: ClassVar[int] = DEFAULT_PORT
    #: It is the app itself, not a function that makes one.
    factory: ClassVar[bool] = False

    @property
    def name(self) -> str:
        return self.spec

    @property
    def target(self) -> str:
        """What a server's command line imports: the spec."""
        return self.spec

    @property
    def default_server(self) -> str:
        return DEFAULT_SERVER[self.interface]

    @property
    def described(self) -> str:
        """``spec (Kind, WSGI)``, for the terminal."""
        return f"{self.spec} ({self.kind}, {self.interface.upper()})"

    def load(self) -> Any:
        """The app object (imported already: the module is not run twice)."""
        return importing.load(self.spec, example=EXAMPLE)


def find(spec: str) -> App:
    """The app ``spec`` names, imported; :class:`AppError` (one line) when it cannot be served."""
    try:
        found = importing.load(spec, example=EXAMPLE)
    except importing.NoAttribute as e:
        apps = [name for name, value in vars(sys.modules[e.module]).items() if _is_app(name, value)]
        there = f"apps there: {', '.join(apps)}" if apps else "no WSGI or ASGI app there"
        raise AppError(f"{e}; {there}") from None
    except importing.SpecError as e:
        raise AppError(str(e)) from None
    interface = interface_of(found)
    if interface is None:
        raise AppError(f"{spec} is {_described(found)}, not an app: {CALLED['wsgi']}; {CALLED['asgi']}")
    return App(spec, interface, "function" if inspect.isfunction(found) else type(found).__name__)


def interface_of(obj: Any) -> Interface | None:
    """``"asgi"``, ``"wsgi"``, or None when ``obj`` is neither kind of app."""
    if inspect.isclass(obj) or inspect.ismodule(obj) or not callable(obj):
        return None
    call = _call_of(obj)
    required, most = _positional(call)
    if inspect.iscoroutinefunction(call):
        return "asgi" if required <= 3 <= most else None
    return "wsgi" if required <= 2 <= most else None


def _call_of(obj: Any) -> Any:
    """What calling ``obj`` runs: the function itself, or an object's bound ``__call__``."""
    return obj if inspect.isroutine(obj) else obj.__call__


def _positional(fn: Any) -> tuple[int, float]:
    """How many positional arguments ``fn`` needs, and takes at most (inf with ``*args``)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: take it at its word
        return 0, float("inf")
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(p.default is p.empty for p in positional)
    varargs = any(p.kind == p.VAR_POSITIONAL for p in parameters)
    return required, float("inf") if varargs else len(positional)


def _is_app(name: str, value: Any) -> bool:
    """Whether a module's ``name`` holds an app object (not a function, nor a proxy that takes
    anything: a name to suggest)."""
    try:
        if name.startswith("_") or inspect.isroutine(value) or interface_of(value) is None:
            return False
        return _positional(_call_of(value))[0] in (2, 3)
    except Exception:  # noqa: BLE001 -- a proxy that needs a context (Flask's request) is no app
        return False


def _described(obj: Any) -> str:
    """What ``obj`` is, in a few words: a class, a module, a function and what it takes."""
    if inspect.isclass(obj):
        return f"the class {obj.__name__} (name an instance of it, such as app = {obj.__name__}(...))"
    if inspect.ismodule(obj):
        return f"the module {obj.__name__}"
    if not callable(obj):
        return f"a {type(obj).__name__} object"
    call = _call_of(obj)
    required, most = _positional(call)
    takes = (
        "no argument"
        if most == 0
        else f"{required} argument(s)"
        if most == required
        else f"at least {required} argument(s)"
        if most == float("inf")
        else f"{required} to {most:g} arguments"
    )
    what = "a coroutine function" if inspect.iscoroutinefunction(call) else "a function"
    hint = " (a factory? name the app it makes: app = create_app())" if most == 0 else ""
    return f"{what} taking {takes}{hint}"
