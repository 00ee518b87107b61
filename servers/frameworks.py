"""The frameworks: a registry of what each one is, without importing any of them.

Each framework has one module of glue (``servers.<name>_app``, with ``create_app``); the
rest of the project names a framework by its entry here. Adding a framework is one glue
module and one entry.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .names import Endpoint, Interface


@dataclass(frozen=True)
class Framework:
    """One framework: its glue module and the facts the rest of the project needs."""

    name: str
    #: What it says on the tin, for tables and legends.
    label: str
    #: The module whose ``create_app(size, workers, **options)`` builds the app.
    module: str
    #: How a server calls it: WSGI or ASGI (which servers can host it, see :mod:`servers.hosting`).
    interface: Interface
    #: The endpoint style of ``/run`` (and of the article's route): the framework's own style.
    native_endpoint: Endpoint
    #: The HTTP server that serves it unless told otherwise.
    default_server: str
    #: Its port unless told otherwise (the article's, for the article's two).
    default_port: int
    #: The article's route and the body it answers (the article's two frameworks only).
    article_path: str | None = None
    article_body: Mapping[str, str] | None = None
    #: The :class:`~servers.options.ServerOptions` its ``create_app`` also takes, by name.
    options: tuple[str, ...] = ()
    #: A server's command line calls :attr:`target` to make the app.
    factory: ClassVar[bool] = True

    @property
    def target(self) -> str:
        """What a server's command line imports: the glue module's ``create_app``."""
        return f"{self.module}:create_app"

    def article(self) -> tuple[str, dict[str, str]]:
        """The article's route and the body it answers; ValueError for a framework the article
        did not use."""
        if self.article_path is None or self.article_body is None:
            raise ValueError(f"{self.name} has no article route: the article compared flask and fastapi")
        return self.article_path, dict(self.article_body)

    def create_app(self, size: int | None = None, workers: int | None = None, **options: Any) -> Any:
        """The app (importing the framework now), with its process pool as ``app.task_pool``."""
        return importlib.import_module(self.module).create_app(size, workers, **options)


FLASK = Framework(
    name="flask",
    label="Flask",
    module="servers.flask_app",
    interface="wsgi",
    native_endpoint="sync",
    default_server="werkzeug",
    default_port=5500,
    article_path="/api/multiply",
    article_body={"message": "Hello"},
)
FASTAPI = Framework(
    name="fastapi",
    label="FastAPI",
    module="servers.fastapi_app",
    interface="asgi",
    native_endpoint="async",
    default_server="uvicorn",
    default_port=8000,
    article_path="/api-fast/multiply",
    article_body={"message": "HELLO"},
    options=("settle",),
)
QUART = Framework(
    name="quart",
    label="Quart",
    module="servers.quart_app",
    interface="asgi",
    native_endpoint="async",
    default_server="uvicorn",
    default_port=5000,  # Quart's own app.run default
)
LITESTAR = Framework(
    name="litestar",
    label="Litestar",
    module="servers.litestar_app",
    interface="asgi",
    native_endpoint="async",
    default_server="uvicorn",
    default_port=8100,
    options=("sync_on_loop",),
)

REGISTRY: dict[str, Framework] = {f.name: f for f in (FLASK, FASTAPI, QUART, LITESTAR)}
#: The framework names: the article's two first.
FRAMEWORKS: tuple[str, ...] = tuple(REGISTRY)
#: The two frameworks the article compared, in its order.
ARTICLE_FRAMEWORKS: tuple[str, ...] = (FLASK.name, FASTAPI.name)
#: Each framework's own endpoint style (what ``/run`` is).
NATIVE_ENDPOINT: dict[str, Endpoint] = {f.name: f.native_endpoint for f in REGISTRY.values()}


def get(name: str) -> Framework:
    """The framework called ``name``; ValueError names the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown framework {name!r}; choose one of: {', '.join(FRAMEWORKS)}") from None
