"""The Quart app: Flask's API on asyncio, ``/run`` in both endpoint styles, and ``/ping``.

Only framework glue lives here; the work is :class:`servers.job.Job`'s. Quart is an ASGI
framework: uvicorn, gunicorn's ASGI workers and Granian serve it.

- ``/run`` and ``/run/async``: an ``async def`` view, Quart's own style: the work runs on
  the server's event loop, as in FastAPI's ``async def``.
- ``/run/sync``: a plain ``def`` view, which Quart runs on its event loop's default thread
  pool (``quart.utils.run_sync``), leaving the loop free.
"""

from __future__ import annotations

from typing import Any

from quart import Quart, jsonify, request
from werkzeug.exceptions import HTTPException

from . import frameworks, job, own, params, workloads
from .pool import TaskPool

FRAMEWORK = frameworks.QUART.name


def create_app(size: int | None = None, workers: int | None = None) -> Quart:
    """A Quart app whose ``/run?workload=article`` defaults to ``size`` (else to the
    environment's ``FANOUT_ARTICLE_SIZE``, else to the article's 10000).

    ``app.task_pool`` is the app's process pool (``workers`` processes, started on first
    use); the app shuts it down after serving, and so may whoever runs the app.
    """
    own.from_environment()  # the functions of one's own python -m servers --workload named, if any
    size = workloads.default_article_size(size)
    app = Quart(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keys in the answer's order, as FastAPI's
    pool = TaskPool(workers)
    app.task_pool = pool  # type: ignore[attr-defined]  # the app carries its pool for whoever runs it

    def new_job(endpoint: job.Endpoint) -> job.Job:
        return job.Job(FRAMEWORK, params.parse_run(request.args, size), endpoint, pool)

    @app.after_serving
    async def shutdown() -> None:
        pool.shutdown()

    @app.get("/run")
    @app.get("/run/async")
    async def run_async() -> Any:
        return jsonify(await new_job("async").run_on_loop())

    @app.get("/run/sync")
    def run_sync() -> Any:
        return jsonify(new_job("sync").run_blocking())

    @app.get("/ping")
    async def ping() -> Any:
        return jsonify(job.ping(FRAMEWORK))

    @app.errorhandler(params.RequestError)
    async def request_error(e: params.RequestError) -> Any:
        return jsonify(e.body()), e.status

    @app.errorhandler(Exception)
    async def unexpected(e: Exception) -> Any:
        app.logger.error("unhandled error on %s", request.path, exc_info=e)
        err = job.internal_error(e)
        return jsonify(err.body()), err.status

    @app.errorhandler(HTTPException)
    async def http_error(e: HTTPException) -> Any:
        err = job.http_error(e.code or 500, e.name or "", e.description or str(e), request.path)
        return jsonify(err.body()), err.status

    return app
