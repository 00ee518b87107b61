"""The Flask app: the article's route, ``/run`` and ``/ping``.

Only framework glue lives here; the work is :class:`servers.job.Job`'s.
"""

from __future__ import annotations

from typing import Any

import flask_cors  # noqa: F401  (the article's Flask module imports it; kept for a faithful import cost)
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from . import job, params, workloads

FRAMEWORK = "flask"
ARTICLE_PATH = "/api/multiply"
ARTICLE_BODY = {"message": "Hello"}


def create_app(size: int = workloads.ARTICLE_SIZE) -> Flask:
    """A Flask app whose article route and ``/run?workload=article`` default to ``size``."""
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.get(ARTICLE_PATH)
    def multiply() -> Any:
        # The article's view: a sync view that makes a new event loop per request, runs the
        # gather in it, closes it and discards the results.
        job.Job(FRAMEWORK, params.parse_article(request.args, size)).run_blocking()
        return jsonify(ARTICLE_BODY)

    @app.get("/run")
    def run() -> Any:
        return jsonify(job.Job(FRAMEWORK, params.parse_run(request.args, size)).run_blocking())

    @app.get("/ping")
    def ping() -> Any:
        return jsonify(job.ping(FRAMEWORK))

    @app.errorhandler(params.RequestError)
    def request_error(e: params.RequestError) -> Any:
        return jsonify(e.body()), e.status

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        status = e.code or 500
        err = job.not_found(request.path) if status == 404 else params.RequestError(
            status, (e.name or "error").lower().replace(" ", "_"), e.description or str(e)
        )
        return jsonify(err.body()), status

    return app
