"""A function of one's own as a workload: registered once, then fanned out like the built-in ones.

:func:`workload_of` wraps any callable (a plain function or an ``async def``) and its
arguments into an :class:`OwnWorkload`: its sync form calls it (a coroutine function runs to
its end in a fresh event loop, as the article's Flask view ran its gather), its async form
awaits it (a plain function is called without an await point, like any computation inside an
``async def``). The function takes its own arguments, not a size: an own workload has one
size, 1.

What the guards need is measured once, when the workload is made: one call timed (the
work-time guard's estimate, :mod:`servers.worktime`) and one traced for its peak memory (the
memory guard's, :mod:`servers.memory`), so that a request for many copies of a function too
big for the machine is refused before it starts, as for the built-in workloads. A function
that raises there is refused with its exception (:class:`SpecError`).

The ``processes`` strategy sends the function to the pool's workers by value (cloudpickle),
so that a function defined in a notebook cell runs there too; one that cannot be sent (it
holds a lock, a socket, an open file) is still made, and that strategy alone refuses it with
the reason (:attr:`OwnWorkload.unsendable`).

Registration happens when a server starts, never from a request: ``python -m servers flask
--workload NAME=MODULE:FUNCTION`` (:func:`from_spec`; the workers of production servers read
the same specs from :data:`~servers.names.ENV_WORKLOADS`, :func:`from_environment`), or
:func:`register` from a notebook whose servers run in its threads.
"""

from __future__ import annotations

import inspect
import json
import os
import pickle
import re
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import cloudpickle

from . import importing, strategies, workloads
from .importing import SpecError
from .names import ENV_WORKLOADS
from .workloads import Workload

#: What an own workload's name may be: a word a query string carries as it is.
NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
#: What ``size`` is for an own workload.
SIZE_UNIT = "none: the function takes its own arguments (always 1)"
#: Where a function given as is (not by a spec) came from.
GIVEN = "given"


@dataclass(frozen=True)
class OwnWorkload(Workload):
    """A workload made of a function of one's own (see the module's docstring)."""

    #: The function itself, for whoever shows or measures it.
    function: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    #: The arguments it is called with.
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    #: Where it came from: its ``MODULE:FUNCTION`` spec, or :data:`GIVEN`; and the JSON its
    #: arguments came from ("" for none, or given as values).
    source: str = GIVEN
    given_args: str = ""
    #: One call's wall time, and its peak traced memory in bytes, as measured when it was made.
    once_s: float = 0.0
    peak: int = 0


def _sync_form(fn: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]) -> Callable[[int], Any]:
    if inspect.iscoroutinefunction(fn):

        def run_coroutine(size: int) -> Any:
            return strategies.run_in_new_loop(fn(*args, **kwargs))

        return run_coroutine

    def run(size: int) -> Any:
        return fn(*args, **kwargs)

    return run


def _async_form(fn: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]) -> Callable[[int], Any]:
    if inspect.iscoroutinefunction(fn):

        async def arun(size: int) -> Any:
            return await fn(*args, **kwargs)

        return arun
    return workloads.without_await(_sync_form(fn, args, kwargs))


def _measured(run: Callable[[int], Any], name: str) -> tuple[float, int]:
    """One call's wall time, then a second call's peak traced memory; a call that raises is
    refused with its exception."""
    try:
        start = time.perf_counter()
        run(1)
        once = time.perf_counter() - start
        was_tracing = tracemalloc.is_tracing()
        if not was_tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        try:
            run(1)
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            if not was_tracing:
                tracemalloc.stop()
    except Exception as e:  # the function's own failure, said as such
        raise SpecError(f"{name} raised {type(e).__name__}: {e}") from e
    return once, max(0, peak)


def workload_of(
    fn: Callable[..., Any],
    *,
    name: str,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    source: str = GIVEN,
) -> OwnWorkload:
    """``fn`` called with ``args`` and ``kwargs`` as a workload called ``name``, measured once
    (see the module's docstring). :class:`SpecError` for a name that is not a plain word or is
    a built-in workload's, a ``fn`` that is not callable, and a call that raises."""
    if not NAME.fullmatch(name):
        raise SpecError(f"a workload's name is a lowercase word (letters, digits, - and _), not {name!r}")
    if name in workloads.BUILT_IN:
        raise SpecError(f"{name!r} is a built-in workload's name; choose another")
    if not callable(fn):
        raise SpecError(f"{source} is a {type(fn).__name__}, not a function")
    kw = dict(kwargs or {})
    run, arun = _sync_form(fn, args, kw), _async_form(fn, args, kw)
    what = source if source != GIVEN else getattr(fn, "__qualname__", repr(fn))
    once, peak = _measured(run, what)
    made = OwnWorkload(
        name=name,
        description=f"{what}{'(...)' if args or kw else '()'}: a function of one's own",
        default_size=1,
        max_size=1,
        size_unit=SIZE_UNIT,
        run=run,
        arun=arun,
        peak_bytes=lambda size: peak,
        result_bytes=lambda size: peak,
        yields=inspect.iscoroutinefunction(fn),
        uses_blas=True,  # unknown: its BLAS threads are pinned like matmul's, which costs nothing without BLAS
        seconds=lambda size: once,
        function=fn,
        args=tuple(args),
        kwargs=tuple(sorted(kw.items())),
        source=source,
        once_s=once,
        peak=peak,
    )
    try:
        portable = cloudpickle.dumps(made)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError) as e:  # in its own words
        return replace(made, portable=b"", unsendable=f"{type(e).__name__}: {e}")
    return replace(made, portable=portable)


def register(w: OwnWorkload) -> OwnWorkload:
    """Make ``w`` a workload that ``/run?workload=NAME`` may name, in this process (replacing an
    own workload of the same name, never a built-in one)."""
    workloads.WORKLOADS[w.name] = w
    return w


def unregister(name: str) -> None:
    """Forget the own workload ``name`` (a built-in one stays)."""
    if name not in workloads.BUILT_IN:
        workloads.WORKLOADS.pop(name, None)


def name_of(spec: str) -> str:
    """The name a ``NAME=MODULE:FUNCTION`` spec gives its workload (``MODULE:FUNCTION`` alone: the
    function's, lowercased)."""
    name, _, target = spec.rpartition("=")
    return name or target.rpartition(":")[2].lower().replace(".", "-").replace("_", "-")


def from_spec(spec: str, *, args: str = "") -> OwnWorkload:
    """The workload a ``NAME=MODULE:FUNCTION`` spec names (``MODULE:FUNCTION`` alone names it
    after the function), called with ``args``: a JSON list of positional arguments or a JSON
    object of keyword ones ("" for none). The function is imported as :func:`servers.importing.load`
    imports (the current directory first). :class:`SpecError` with one line for each way it can fail."""
    _, _, target = spec.rpartition("=")
    if ":" not in target:
        raise SpecError(f"{spec!r} is not NAME=MODULE:FUNCTION (for example: mine=mytasks:crunch)")
    name = name_of(spec)
    positional, keywords = _arguments(args)
    fn = importing.load(target, example="mine=mytasks:crunch")
    return workload_of(fn, name=name, args=positional, kwargs=keywords, source=target)


def _arguments(args: str) -> tuple[list[Any], dict[str, Any]]:
    if not args:
        return [], {}
    try:
        given = json.loads(args)
    except json.JSONDecodeError as e:
        raise SpecError(f"arguments are JSON (a list or an object), and {args!r} is not: {e.msg}") from e
    if isinstance(given, list):
        return given, {}
    if isinstance(given, dict):
        return [], given
    raise SpecError(f"arguments are a JSON list or object, not {type(given).__name__}")


def to_environment(specs: Sequence[tuple[str, str]]) -> str:
    """The value of :data:`~servers.names.ENV_WORKLOADS` that gives the workers of a production
    server the same ``(spec, args)`` pairs."""
    return json.dumps([list(pair) for pair in specs])


def from_environment() -> list[OwnWorkload]:
    """Register every workload :data:`~servers.names.ENV_WORKLOADS` names (none when unset): how
    a production server's workers learn what ``python -m servers --workload`` registered."""
    raw = os.environ.get(ENV_WORKLOADS, "")
    made = []
    for spec, args in json.loads(raw) if raw else []:
        known = workloads.WORKLOADS.get(name_of(spec))
        if isinstance(known, OwnWorkload) and (known.source, known.given_args) == (spec.rpartition("=")[2], args):
            made.append(known)  # registered already in this process, by the same spec
        else:
            made.append(register(replace(from_spec(spec, args=args), given_args=args)))
    return made
