"""The Litestar app: ``/run`` in both endpoint styles, and ``/ping``.

Only framework glue lives here; the work is :class:`servers.job.Job`'s. Litestar is an
ASGI framework: uvicorn, gunicorn's ASGI workers and Granian serve it.

- ``/run`` and ``/run/async``: an ``async def`` handler: the work runs on the server's
  event loop, as in FastAPI's ``async def``.
- ``/run/sync``: a plain ``def`` handler. Litestar runs it where it is told: on a thread
  (``sync_to_thread=True``, the default here, as FastAPI does with every ``def``), or, with
  ``sync_on_loop``, on the event loop itself (``sync_to_thread=False``), which then serves
  nothing else until the handler returns.
"""

from __future__ import annotations

import logging
import os
from http import HTTPStatus
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.exceptions import HTTPException

from . import frameworks, job, own, params, workloads
from .names import ENV_SYNC_ON_LOOP
from .pool import TaskPool

FRAMEWORK = frameworks.LITESTAR.name
log = logging.getLogger(__name__)


class App(Litestar):
    """Litestar, with room for the pool (a Litestar app has fixed attributes)."""

    task_pool: TaskPool


def create_app(size: int | None = None, workers: int | None = None, sync_on_loop: bool | None = None) -> App:
    """A Litestar app whose ``/run?workload=article`` defaults to ``size`` (else to the
    environment's ``FANOUT_ARTICLE_SIZE``, else to the article's 10000).

    ``app.task_pool`` is the app's process pool (``workers`` processes, started on first
    use); the app shuts it down when it stops, and so may whoever runs the app.
    ``sync_on_loop`` None: the environment's ``FANOUT_SYNC_ON_LOOP`` ("1"), else False.
    """
    own.from_environment()  # the functions of one's own python -m servers --workload named, if any
    size = workloads.default_article_size(size)
    if sync_on_loop is None:
        sync_on_loop = os.environ.get(ENV_SYNC_ON_LOOP) == "1"
    pool = TaskPool(workers)

    def new_job(request: Request[Any, Any, Any], endpoint: job.Endpoint) -> job.Job:
        return job.Job(FRAMEWORK, params.parse_run(request.query_params, size), endpoint, pool)

    @get(["/run", "/run/async"])
    async def run_async(request: Request[Any, Any, Any]) -> dict[str, Any]:
        return await new_job(request, "async").run_on_loop()

    @get("/run/sync", sync_to_thread=not sync_on_loop)
    def run_sync(request: Request[Any, Any, Any]) -> dict[str, Any]:
        return new_job(request, "sync").run_blocking()

    @get("/ping")
    async def ping() -> dict[str, Any]:
        return job.ping(FRAMEWORK)

    def answer(err: params.RequestError) -> Response[dict[str, Any]]:
        return Response(err.body(), status_code=err.status)

    def request_error(request: Request[Any, Any, Any], e: params.RequestError) -> Response[dict[str, Any]]:
        return answer(e)

    def http_error(request: Request[Any, Any, Any], e: HTTPException) -> Response[dict[str, Any]]:
        return answer(job.http_error(e.status_code, HTTPStatus(e.status_code).phrase, e.detail, request.url.path))

    def unexpected(request: Request[Any, Any, Any], e: Exception) -> Response[dict[str, Any]]:
        log.error("unhandled error on %s", request.url.path, exc_info=e)
        return answer(job.internal_error(e))

    app = App(
        route_handlers=[run_async, run_sync, ping],
        exception_handlers={params.RequestError: request_error, HTTPException: http_error, Exception: unexpected},
        on_shutdown=[pool.shutdown],
        # Litestar's own logging set-up starts a queue listener thread per app, which lives
        # until the interpreter exits; the server's logging (uvicorn's, Granian's) is enough.
        logging_config=None,
    )
    app.task_pool = pool  # the app carries its pool for whoever runs it
    return app
