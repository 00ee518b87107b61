"""What the instrument (``bench``) uses of the servers besides HTTP, in one narrow module.

``bench`` measures the servers through HTTP. Beyond that it needs to start and stop them,
to run the same tasks in its own process as the ideal to compare against, to know the
memory a request will take, and a few names; all of it is here, and ``bench`` imports
nothing else of ``servers`` (a test checks). Workloads and strategies are named by strings.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import interpreter, memory, own, strategies, workloads
from .blas import DEFAULT_THREADS as DEFAULT_BLAS_THREADS
from .frameworks import ARTICLE_FRAMEWORKS, FRAMEWORKS, NATIVE_ENDPOINT, Framework
from .frameworks import get as framework
from .ideal_runner import IdealRunner
from .interpreter import FIELDS as INTERPRETER_FIELDS
from .interpreter import free_threaded_python
from .interpreter import report as interpreter_report
from .launch import Server, interrupt_on, serve, shared
from .memory import USABLE_SHARE, MemoryRefused
from .names import ENDPOINTS, ENV_SCENARIO, MODES
from .net import is_loopback
from .options import VARIANTS, ServerOptions
from .pool import TaskPool
from .workloads import ARTICLE_SIZE, overlap, parallelism, window

__all__ = [
    "ARTICLE_SIZE",
    "DEFAULT_BLAS_THREADS",
    "ENDPOINTS",
    "ENV_SCENARIO",
    "ARTICLE_FRAMEWORKS",
    "FRAMEWORKS",
    "INTERPRETER_FIELDS",
    "MODES",
    "NATIVE_ENDPOINT",
    "STRATEGIES",
    "USABLE_SHARE",
    "VARIANTS",
    "WORKLOADS",
    "IdealRunner",
    "MemoryRefused",
    "Server",
    "Framework",
    "ServerOptions",
    "TaskPool",
    "default_size",
    "estimate_peak_bytes",
    "framework",
    "free_threaded_python",
    "interpreter_report",
    "interrupt_on",
    "is_loopback",
    "task_threads",
    "largest_article_size",
    "memory_limit_bytes",
    "parallelism",
    "overlap",
    "window",
    "article_code",
    "reserved",
    "run_ideal",
    "serve",
    "shared",
    "size_unit",
]

#: The workloads and strategies, by name, in their documented order.
WORKLOADS: tuple[str, ...] = tuple(workloads.WORKLOADS)
STRATEGIES: tuple[str, ...] = tuple(strategies.STRATEGIES)


def default_size(workload: str) -> int:
    """The size a task of ``workload`` has unless told otherwise (the article's: 10000)."""
    return workloads.get(workload).default_size


def size_unit(workload: str) -> str:
    """What ``size`` counts for ``workload`` (its array side, milliseconds...)."""
    return workloads.get(workload).size_unit


def estimate_peak_bytes(workload: str, strategy: str, *, n: int, size: int, workers: int | None = None) -> int:
    """The memory guard's estimate of one request's peak (see :mod:`servers.memory`)."""
    return memory.estimate_peak_bytes(
        workloads.get(workload), strategies.get(strategy), n=n, size=size, workers=workers
    )


def memory_limit_bytes() -> int:
    """What a new request may use now, by the memory guard's rule."""
    return memory.limit_bytes()


@contextmanager
def reserved(estimate: int) -> Iterator[None]:
    """Hold ``estimate`` bytes of the guard's limit for the block, or raise MemoryRefused."""
    with memory.reserve(estimate):
        yield


def largest_article_size(n: int, upper: int, *, margin: int = 0) -> int:
    """The largest size up to ``upper`` at which the article's gather of ``n`` tasks fits in
    memory now with ``margin`` bytes to spare (0 if none does)."""
    return memory.largest_admitted_size(workloads.ARTICLE, strategies.GATHER, n=n, upper=upper, margin=margin)


def task_threads(strategy: str, n: int) -> int:
    """The threads ``strategy`` starts for ``n`` tasks (see :func:`servers.strategies.task_threads`)."""
    return strategies.task_threads(strategies.get(strategy), n)


def run_ideal(workload: str, strategy: str, *, n: int, size: int, pool: TaskPool | None = None) -> list[dict[str, Any]]:
    """Run ``n`` tasks of ``workload`` with ``strategy`` in this process, no server at all (the
    ``processes`` strategy on ``pool``), and return their spans as the servers' ``tasks``."""
    ctx = strategies.Context(pool=pool)
    spans = strategies.run_blocking(strategies.get(strategy), workloads.get(workload), n, size, ctx)
    return [s.to_dict() for s in spans]


def _nested(module: str, function: str) -> str:
    """The source of ``function``, defined (decorators and all) inside some function of the
    module file ``module`` of this package, read as text: the apps' views live inside their
    ``create_app``, and reading them imports no framework."""
    source = (Path(__file__).parent / f"{module}.py").read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return textwrap.dedent("\n".join(source.splitlines()[first - 1 : node.end_lineno]))
    raise LookupError(f"no function {function} in servers/{module}.py")


def _code(function: Any) -> str:
    """A function's source without its docstring: what a reader reads is the code."""
    source = textwrap.dedent(inspect.getsource(function))
    node = ast.parse(source).body[0]
    doc = node.body[0] if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.body else None
    if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str):
        lines = source.splitlines()
        del lines[doc.lineno - 1 : doc.end_lineno]
        source = "\n".join(lines)
    return source.rstrip()


def article_code() -> dict[str, str]:
    """What a reader of the article is shown of the code it measures, by name: the article's
    Flask view and FastAPI endpoint as this project serves them, the gather the job they start
    runs (in a fresh event loop behind Flask's sync view), and the task it gathers five of."""
    return {
        "Flask view": _nested("flask_app", "multiply"),
        "FastAPI endpoint": _nested("fastapi_app", "multiply"),
        "the gather both run (Flask's view in a fresh event loop, FastAPI's endpoint on its own)": (
            _code(strategies.gather) + "\n\n\n" + _code(strategies.run_in_new_loop)
        ),
        "the task each of the five coroutines runs, awaiting nothing": "\n\n\n".join(
            _code(f) for f in (workloads.amultiply, workloads.multiply, workloads.product)
        ),
    }


def workload_code(workload: str) -> str:
    """The source of what one task of ``workload`` runs: a built-in workload's sync form (and
    its async form where that awaits), or a function of one's own (:mod:`servers.own`)."""
    w = workloads.get(workload)
    function = getattr(w, "function", None)
    if function is not None:
        return _code(function)
    parts = [workloads.product, w.run] if w is workloads.ARTICLE else [w.run]
    if w.yields:
        parts.append(w.arun)
    return "\n\n\n".join(_code(p) for p in parts)


def strategy_code(strategy: str, endpoint: str) -> str:
    """The source of how ``strategy`` runs n tasks behind a ``sync`` or ``async`` endpoint: the
    form that endpoint calls (a sync endpoint runs an async-only strategy in a fresh event loop,
    an async one runs a sync-only strategy inline, on its loop)."""
    s = strategies.get(strategy)
    form = (s.run or s.arun) if endpoint == "sync" else (s.arun or s.run)
    assert form is not None
    return _code(form)


#: A function of one's own as a workload (:mod:`servers.own`), and what refuses one.
OwnWorkload = own.OwnWorkload
SpecError = own.SpecError


def register_own(
    fn: Any, *, name: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None
) -> own.OwnWorkload:
    """Make ``fn`` (called with ``args`` and ``kwargs``) the workload ``name`` in this process,
    measured once: servers in this process's threads fan it out at ``/run?workload=NAME``, and
    their process pools receive it by value. Registering a name again replaces it."""
    return own.register(own.workload_of(fn, name=name, args=args, kwargs=kwargs))


def own_from_spec(spec: str, *, args: str = "") -> own.OwnWorkload:
    """The workload a ``NAME=MODULE:FUNCTION`` spec names, made (measured once) but not registered."""
    return own.from_spec(spec, args=args)


def workload_names() -> tuple[str, ...]:
    """Every workload a request may name in this process now: the built-in ones, then those of
    one's own registered so far (:data:`WORKLOADS` holds the built-in ones only)."""
    return tuple(workloads.WORKLOADS)


def unregister_own(name: str) -> None:
    """Forget the workload of one's own ``name`` in this process."""
    own.unregister(name)


def register_made(w: own.OwnWorkload) -> own.OwnWorkload:
    """Register ``w``, made by :func:`own_from_spec`, in this process (without calling it again)."""
    return own.register(w)


def check_python(path: str) -> str:
    """``path`` if it is a Python that can run the servers and the ideal's runner; ValueError saying why not."""
    return interpreter.check_python(interpreter.resolve(path))
