"""The FastAPI app: the article's route, ``/run`` in both endpoint styles, and ``/ping``.

Only framework glue lives here; the work is :class:`servers.job.Job`'s.

- ``/run`` and ``/run/async``: an ``async def`` endpoint, the article's style: the work
  runs on the server's event loop.
- ``/run/sync``: a plain ``def`` endpoint, which FastAPI runs on Starlette's threadpool,
  leaving the event loop free.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import frameworks, job, own, params, workloads
from .pool import TaskPool

FRAMEWORK = frameworks.FASTAPI.name
ARTICLE_PATH, ARTICLE_BODY = frameworks.FASTAPI.article()


def create_app(size: int | None = None, workers: int | None = None, settle: bool = False) -> FastAPI:
    """A FastAPI app whose article route and ``/run?workload=article`` default to ``size``
    (else to the environment's ``FANOUT_ARTICLE_SIZE``, else to the article's 10000).

    ``app.task_pool`` is the app's process pool (``workers`` processes, started on first
    use); the app's lifespan shuts it down, and so may whoever runs the app. ``settle``:
    async endpoints free the gathered results before answering (see :class:`servers.job.Job`).
    """
    own.from_environment()  # the functions of one's own python -m servers --workload named, if any
    size = workloads.default_article_size(size)
    pool = TaskPool(workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            pool.shutdown()

    app = FastAPI(title="fan-out bench: FastAPI server", lifespan=lifespan)
    app.task_pool = pool  # type: ignore[attr-defined]  # the app carries its pool for whoever runs it

    def new_job(request: Request, endpoint: job.Endpoint) -> job.Job:
        return job.Job(FRAMEWORK, params.parse_run(request.query_params, size), endpoint, pool, settle)

    # The query is read and checked by servers.params (one error shape for every app); the
    # schema describes it, so that /docs and tools reading /openapi.json see the contract.
    run_doc = {"parameters": params.openapi_parameters("run")}

    @app.get(ARTICLE_PATH, openapi_extra={"parameters": params.openapi_parameters("article")})
    async def multiply(request: Request) -> dict[str, str]:
        # The article's endpoint: awaits the gather on the server's own loop, discards results.
        await job.Job(FRAMEWORK, params.parse_article(request.query_params, size), "async", settle=settle).run_on_loop()
        return dict(ARTICLE_BODY)

    @app.get("/run", openapi_extra=run_doc)
    @app.get("/run/async", openapi_extra=run_doc)
    async def run_async(request: Request) -> dict[str, Any]:
        return await new_job(request, "async").run_on_loop()

    @app.get("/run/sync", openapi_extra=run_doc)
    def run_sync(request: Request) -> dict[str, Any]:
        return new_job(request, "sync").run_blocking()

    @app.get("/ping")
    async def ping() -> dict[str, Any]:
        return job.ping(FRAMEWORK)

    @app.exception_handler(params.RequestError)
    async def request_error(request: Request, e: params.RequestError) -> JSONResponse:
        return JSONResponse(e.body(), status_code=e.status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, e: Exception) -> JSONResponse:
        # Starlette answers with this, then lets the exception go on to the server's log.
        err = job.internal_error(e)
        return JSONResponse(err.body(), status_code=err.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, e: StarletteHTTPException) -> JSONResponse:
        err = job.http_error(e.status_code, "http_error", str(e.detail), request.url.path)
        return JSONResponse(err.body(), status_code=err.status)

    return app
