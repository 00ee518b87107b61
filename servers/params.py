"""Query parameters: parse, validate, and say clearly what is wrong.

Both framework apps hand their query mapping to these functions and render
:class:`RequestError` the same way (:meth:`RequestError.body`), so one client reads the
errors of both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import blas, strategies, workloads

#: Most tasks one request may fan out into.
N_MAX = 64
#: Most BLAS threads per task a request may ask for.
BLAS_THREADS_MAX = 64
#: Largest array side of the article's task accepted before the memory guard even looks.
SIZE_MAX = workloads.ARTICLE.max_size


class RequestError(Exception):
    """A bad request: HTTP ``status``, a machine-readable ``code``, a plain ``message``."""

    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param

    def body(self) -> dict[str, Any]:
        """The JSON error body every framework sends."""
        return {
            "error": {
                "status": self.status,
                "code": self.code,
                "param": self.param,
                "message": self.message,
            }
        }


@dataclass(frozen=True)
class RunParams:
    """A validated request for n tasks of a workload run with a strategy."""

    workload: str
    strategy: str
    n: int
    size: int
    blas_threads: int = blas.DEFAULT_THREADS


def _int(query: Mapping[str, str], name: str, *, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise RequestError(400, "invalid_parameter", f"{name} must be a whole number, got {raw!r}", name) from None
    if not low <= value <= high:
        raise RequestError(400, "out_of_range", f"{name} must be between {low} and {high}, got {value}", name)
    return value


def _choice(query: Mapping[str, str], name: str, default: str, known: Mapping[str, Any]) -> str:
    value = query.get(name, default)
    if value not in known:
        raise RequestError(
            400,
            "unknown_" + name,
            f"unknown {name} {value!r}; choose one of: {', '.join(known)}",
            name,
        )
    return value


def _no_extra(query: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    extra = sorted(set(query.keys()) - set(allowed))
    if extra:
        raise RequestError(
            400,
            "unknown_parameter",
            f"unknown query parameter(s) {', '.join(extra)}; this route takes: {', '.join(allowed)}",
            extra[0],
        )


def default_size(workload: str, article_size: int) -> int:
    """The size used when a request gives none: the server's for ``article``."""
    return article_size if workload == "article" else workloads.get(workload).default_size


def parse_run(query: Mapping[str, str], article_size: int) -> RunParams:
    """Validate ``GET /run``'s query: workload, strategy, n, size, blas_threads (all optional)."""
    _no_extra(query, ("workload", "strategy", "n", "size", "blas_threads"))
    workload = _choice(query, "workload", "article", workloads.WORKLOADS)
    strategy = _choice(query, "strategy", "gather", strategies.STRATEGIES)
    n = _int(query, "n", default=workloads.ARTICLE_N, low=1, high=N_MAX)
    size = _int(
        query, "size", default=default_size(workload, article_size), low=1, high=workloads.get(workload).max_size
    )
    threads = _int(query, "blas_threads", default=blas.DEFAULT_THREADS, low=1, high=BLAS_THREADS_MAX)
    return RunParams(workload, strategy, n, size, threads)


def parse_article(query: Mapping[str, str], article_size: int) -> RunParams:
    """Validate the article routes' optional query (n, size): the article's task, gathered."""
    _no_extra(query, ("n", "size"))
    n = _int(query, "n", default=workloads.ARTICLE_N, low=1, high=N_MAX)
    size = _int(query, "size", default=article_size, low=1, high=SIZE_MAX)
    return RunParams("article", "gather", n, size)


def _param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def openapi_parameters(route: str) -> list[dict[str, Any]]:
    """The query parameters of ``route`` ("run" or "article") as OpenAPI parameter objects:
    the contract this module enforces, for FastAPI's schema (and tools that read it)."""
    n = _param(
        "n",
        {"type": "integer", "minimum": 1, "maximum": N_MAX},
        f"tasks the request fans out into (default {workloads.ARTICLE_N})",
    )
    if route == "article":
        return [
            n,
            _param(
                "size",
                {"type": "integer", "minimum": 1, "maximum": SIZE_MAX},
                "array side of the article's task (default: the server's)",
            ),
        ]
    if route != "run":
        raise ValueError(f"no parameters described for route {route!r}")
    largest = max(w.max_size for w in workloads.WORKLOADS.values())
    return [
        _param(
            "workload", {"type": "string", "enum": list(workloads.WORKLOADS)}, "what each task does (default article)"
        ),
        _param(
            "strategy",
            {"type": "string", "enum": list(strategies.STRATEGIES)},
            "how the tasks are run (default gather)",
        ),
        n,
        _param(
            "size",
            {"type": "integer", "minimum": 1, "maximum": largest},
            "task size, in the workload's unit; each workload has its own maximum: "
            + ", ".join(f"{w.name} {w.max_size} ({w.size_unit})" for w in workloads.WORKLOADS.values()),
        ),
        _param(
            "blas_threads",
            {"type": "integer", "minimum": 1, "maximum": BLAS_THREADS_MAX},
            "BLAS threads per task (matmul)",
        ),
    ]
