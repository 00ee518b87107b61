"""The frameworks: a registry of what each one is, without importing any of them.

Each framework has one module of glue (``servers.<name>_app``, with ``create_app``); the
rest of the project names a framework by its entry here. Adding a framework is one glue
module and one entry.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .names import Endpoint


@dataclass(frozen=True)
class Framework:
    """One framework: its glue module and the facts the rest of the project needs."""

    name: str
    #: The module whose ``create_app(size, workers, **options)`` builds the app.
    module: str
    #: The endpoint style of ``/run`` and of the article's route: the article's style.
    native_endpoint: Endpoint
    #: The HTTP server that serves it unless told otherwise (see :mod:`servers.hosting`).
    default_server: str
    #: The article's port for it.
    default_port: int
    #: The article's route and the body it answers.
    article_path: str
    article_body: Mapping[str, str]
    #: Whether its async endpoints can free the gathered results before answering (``settle``).
    settles: bool = False

    def create_app(self, size: int | None = None, workers: int | None = None, **options: Any) -> Any:
        """The app (importing the framework now), with its process pool as ``app.task_pool``."""
        return importlib.import_module(self.module).create_app(size, workers, **options)


FLASK = Framework(
    name="flask",
    module="servers.flask_app",
    native_endpoint="sync",
    default_server="werkzeug",
    default_port=5500,
    article_path="/api/multiply",
    article_body={"message": "Hello"},
)
FASTAPI = Framework(
    name="fastapi",
    module="servers.fastapi_app",
    native_endpoint="async",
    default_server="uvicorn",
    default_port=8000,
    article_path="/api-fast/multiply",
    article_body={"message": "HELLO"},
    settles=True,
)

REGISTRY: dict[str, Framework] = {f.name: f for f in (FLASK, FASTAPI)}
#: The framework names, in the article's order.
FRAMEWORKS: tuple[str, ...] = tuple(REGISTRY)
#: Each framework's own endpoint style (what ``/run`` is).
NATIVE_ENDPOINT: dict[str, Endpoint] = {f.name: f.native_endpoint for f in REGISTRY.values()}


def get(name: str) -> Framework:
    """The framework called ``name``; ValueError names the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown framework {name!r}; choose one of: {', '.join(FRAMEWORKS)}") from None
