"""The FastAPI app: the article's route, ``/run`` and ``/ping``.

Only framework glue lives here; the work is :class:`servers.job.Job`'s. All endpoints
are ``async def``, like the article's: the work runs on the server's event loop.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import job, params, workloads

FRAMEWORK = "fastapi"
ARTICLE_PATH = "/api-fast/multiply"
ARTICLE_BODY = {"message": "HELLO"}


def create_app(size: int = workloads.ARTICLE_SIZE) -> FastAPI:
    """A FastAPI app whose article route and ``/run?workload=article`` default to ``size``."""
    app = FastAPI(title="fan-out bench: FastAPI server")

    @app.get(ARTICLE_PATH)
    async def multiply(request: Request) -> dict[str, str]:
        # The article's endpoint: awaits the gather on the server's own loop, discards results.
        await job.Job(FRAMEWORK, params.parse_article(request.query_params, size)).run_on_loop()
        return ARTICLE_BODY

    @app.get("/run")
    async def run(request: Request) -> dict[str, Any]:
        return await job.Job(FRAMEWORK, params.parse_run(request.query_params, size)).run_on_loop()

    @app.get("/ping")
    async def ping() -> dict[str, Any]:
        return job.ping(FRAMEWORK)

    @app.exception_handler(params.RequestError)
    async def request_error(request: Request, e: params.RequestError) -> JSONResponse:
        return JSONResponse(e.body(), status_code=e.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, e: StarletteHTTPException) -> JSONResponse:
        err = job.not_found(request.url.path) if e.status_code == 404 else params.RequestError(
            e.status_code, "http_error", str(e.detail)
        )
        return JSONResponse(err.body(), status_code=e.status_code)

    return app
