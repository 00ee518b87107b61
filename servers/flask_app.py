"""The Flask app: the article's route, ``/run`` in both endpoint styles, and ``/ping``.

Only framework glue lives here; the work is :class:`servers.job.Job`'s.

- ``/run`` and ``/run/sync``: a plain (sync) view, the article's style; the dev server runs
  each request on its own thread.
- ``/run/async``: Flask's own ``async def`` view (Flask[async]): Flask runs the coroutine to
  completion in an event loop of its own on the request's thread (asgiref's
  ``async_to_sync``), much as the article's view did by hand.
"""

from __future__ import annotations

from typing import Any

import flask_cors  # noqa: F401  (the article's Flask module imports it; kept for a faithful import cost)
from flask import Flask, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from . import frameworks, job, own, params, workloads
from .pool import TaskPool

FRAMEWORK = frameworks.FLASK.name
ARTICLE_PATH, ARTICLE_BODY = frameworks.FLASK.article()


class _InOrder(DefaultJSONProvider):
    """Flask's JSON, keys in the order the answer gives them (as FastAPI's)."""

    sort_keys = False


def create_app(size: int | None = None, workers: int | None = None) -> Flask:
    """A Flask app whose article route and ``/run?workload=article`` default to ``size``
    (else to the environment's ``FANOUT_ARTICLE_SIZE``, else to the article's 10000).

    ``app.task_pool`` is the app's process pool (``workers`` processes, started on first
    use); whoever runs the app calls ``app.task_pool.shutdown()`` when done with it.
    """
    own.from_environment()  # the functions of one's own python -m servers --workload named, if any
    size = workloads.default_article_size(size)
    app = Flask(__name__)
    app.json = _InOrder(app)
    pool = TaskPool(workers)
    app.task_pool = pool  # type: ignore[attr-defined]  # the app carries its pool for whoever runs it

    def new_job(endpoint: job.Endpoint) -> job.Job:
        return job.Job(FRAMEWORK, params.parse_run(request.args, size), endpoint, pool)

    @app.get(ARTICLE_PATH)
    def multiply() -> Any:
        # The article's view: a sync view that makes a new event loop per request, runs the
        # gather in it, closes it and discards the results.
        job.Job(FRAMEWORK, params.parse_article(request.args, size), "sync").run_blocking()
        return jsonify(ARTICLE_BODY)

    @app.get("/run")
    @app.get("/run/sync")
    def run_sync() -> Any:
        return jsonify(new_job("sync").run_blocking())

    @app.get("/run/async")
    async def run_async() -> Any:
        return jsonify(await new_job("async").run_on_loop())

    @app.get("/ping")
    def ping() -> Any:
        return jsonify(job.ping(FRAMEWORK))

    @app.errorhandler(params.RequestError)
    def request_error(e: params.RequestError) -> Any:
        return jsonify(e.body()), e.status

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Any:
        app.logger.error("unhandled error on %s", request.path, exc_info=e)
        err = job.internal_error(e)
        return jsonify(err.body()), err.status

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        err = job.http_error(e.code or 500, e.name or "", e.description or str(e), request.path)
        return jsonify(err.body()), err.status

    return app
