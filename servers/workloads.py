"""What one task does, and what it costs in memory.

A *workload* is one kind of task. Each has a sync form (``run``) and an async form
(``arun``); both do the same work. ``timed`` and ``atimed`` wrap either form so that the
task records its own :class:`Span` (start and end on ``time.monotonic``, which is
comparable across processes of one machine, plus the pid and thread that ran it).

What ``size`` means depends on the workload; each default makes one task last roughly
0.1 to 0.5 s on a 2-core laptop, so that the workloads compare at similar lengths (the
article's own default is its 10000, far longer):

``article``
    The article's task, faithfully: two ``np.random.rand(size, size)`` float64 arrays,
    multiplied element-wise with ``np.multiply``, the product flattened and turned into a
    Python list with ``tolist()``. The async form is an ``async def`` with no await point
    inside, exactly like the article's, so gathered copies of it cannot overlap. ``size``
    is the side of the square arrays; the article used 10000. Mostly Python-object work
    (``tolist``) that holds the GIL.
``matmul``
    A BLAS matrix product of two random ``size x size`` float64 matrices; returns the sum
    of the product. BLAS releases the GIL and is itself multi-threaded: the strategies pin
    its threads per task (:mod:`servers.blas`). Default side 1600.
``python``
    Pure-Python arithmetic in a loop of ``size`` thousand iterations; holds the GIL all
    along. Default 4000 (four million iterations).
``sleep``
    A wait standing for real I/O: ``size`` milliseconds of ``await asyncio.sleep`` in the
    async form and ``time.sleep`` in the sync form. Default 250.

Only ``sleep`` awaits anything in its async form; the others are CPU work that an event
loop cannot interleave.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .names import ENV_ARTICLE_SIZE

log = logging.getLogger(__name__)

#: Bytes one float64 element costs in the article's task while it runs: two random arrays
#: (8 + 8), their product (8), the flattened copy (8), and the Python list that ``tolist``
#: builds: one 8-byte pointer plus one float object, 24 bytes rounded up to CPython's
#: 16-byte allocation step, 32 (40). Checked against the process's peak RSS (VmHWM) in
#: tests/servers/test_memory.py.
ARTICLE_PEAK_BYTES_PER_ELEMENT = 72
#: Bytes per element of what the task returns and what its caller keeps: the Python list.
ARTICLE_RESULT_BYTES_PER_ELEMENT = 40
#: The article's array side.
ARTICLE_SIZE = 10_000
#: The article's number of tasks per request.
ARTICLE_N = 5


@dataclass(frozen=True)
class Span:
    """When one task ran: ``start``/``end`` in seconds on ``time.monotonic``, and the CPU
    seconds of the thread that ran it (``time.thread_time``) at its start and end: comparable
    only within that thread (``pid`` and ``thread``)."""

    index: int
    start: float
    end: float
    pid: int
    thread: str
    cpu_start: float = float("nan")
    cpu_end: float = float("nan")

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Workload:
    """One kind of task, in a sync and an async form, with its memory model.

    ``peak_bytes(size)`` bounds what one task holds at its peak; ``result_bytes(size)``
    what it hands back to its caller (kept until the request ends).
    """

    name: str
    description: str
    default_size: int
    #: Largest size a request may ask for (memory and time both bounded by it).
    max_size: int
    #: What ``size`` counts, for messages and documentation.
    size_unit: str
    run: Callable[[int], Any]
    arun: Callable[[int], Awaitable[Any]]
    peak_bytes: Callable[[int], int]
    result_bytes: Callable[[int], int]
    #: Whether the async form awaits anything, so that gathered copies can overlap.
    yields: bool
    #: Whether the task's time is spent in BLAS (whose threads the strategies pin).
    uses_blas: bool = False
    #: Rough seconds one task of ``size`` takes on one core of a 2-core laptop (the
    #: work-time guard's estimate, see servers.worktime); 0 means no estimate.
    seconds: Callable[[int], float] = lambda size: 0.0
    #: How the process pool's workers get it: None by its name (a built-in workload, imported
    #: there), else pickled by value (a function of one's own, :mod:`servers.own`); b"" when it
    #: cannot be sent, and :attr:`unsendable` says why.
    portable: bytes | None = field(default=None, repr=False)
    unsendable: str = ""


def without_await(run: Callable[[int], Any]) -> Callable[[int], Awaitable[Any]]:
    """The async form of CPU work: a coroutine that calls ``run`` and awaits nothing, like
    any computation written inside an ``async def``."""

    async def arun(size: int) -> Any:
        return run(size)

    arun.__name__ = f"a{run.__name__}"
    arun.__doc__ = f":func:`{run.__name__}`, async form: no await point."
    return arun


def product(size: int) -> npt.NDArray[np.float64]:
    """The article's ``__multiply__``: two random arrays and their element-wise product. The
    two arrays are freed when it returns, before the product is flattened, as in the article."""
    a = np.random.rand(size, size)
    b = np.random.rand(size, size)
    return np.multiply(a, b)


def multiply(size: int) -> list[float]:
    """The article's task, sync form: random arrays, element-wise product, flat list.

    Its memory follows the article's order (:func:`product`), which is not a detail: with the
    two arrays kept alive through ``tolist()``, five tasks at size 2000 on a fresh thread (a
    Werkzeug request's) ran some 10% faster than in the article's order, and "Flask as the
    article ran it" answered sooner than the article's own code."""
    result = product(size)
    return result.flatten().tolist()


async def amultiply(size: int) -> list[float]:
    """The article's task, async form: the same work, with no await point inside.

    Like the article's coroutine it announces itself before and after (here through
    logging, which ``python -m servers`` prints to the terminal).
    """
    log.info("multiply(size=%d) starting", size)
    result = multiply(size)
    log.info("multiply(size=%d) done", size)
    return result


ARTICLE = Workload(
    name="article",
    description="the article's task: rand(size, size) twice, np.multiply, flatten().tolist()",
    default_size=ARTICLE_SIZE,
    max_size=50_000,
    size_unit="array side",
    run=multiply,
    arun=amultiply,
    peak_bytes=lambda size: ARTICLE_PEAK_BYTES_PER_ELEMENT * size * size,
    result_bytes=lambda size: ARTICLE_RESULT_BYTES_PER_ELEMENT * size * size,
    yields=False,
    seconds=lambda size: 5e-8 * size * size,  # ~0.1 s at 1500 (measured: 0.09-0.11 s)
)


def matmul(size: int) -> float:
    """A BLAS matrix product of two random ``size x size`` matrices; the sum of the product."""
    rng = np.random.default_rng()
    a = rng.random((size, size))
    b = rng.random((size, size))
    return float((a @ b).sum())


MATMUL = Workload(
    name="matmul",
    description="a BLAS matrix product (a @ b) of two random size x size matrices",
    default_size=1600,
    max_size=20_000,
    size_unit="matrix side",
    run=matmul,
    arun=without_await(matmul),
    peak_bytes=lambda size: 3 * 8 * size * size,  # a, b and the product
    result_bytes=lambda size: 0,
    yields=False,
    uses_blas=True,
    seconds=lambda size: 2 * size**3 / 2e10,  # 20 GFLOP/s: ~0.1 s at 1000 on one BLAS thread
)


def python_loop(size: int) -> int:
    """Pure-Python arithmetic: ``size`` thousand loop iterations, holding the GIL."""
    acc = 0
    for i in range(size * 1000):
        acc = (acc + i * i) % 1_000_003
    return acc


PYTHON = Workload(
    name="python",
    description="pure-Python arithmetic in a loop of size thousand iterations (holds the GIL)",
    default_size=4_000,
    max_size=200_000,
    size_unit="thousand loop iterations",
    run=python_loop,
    arun=without_await(python_loop),
    peak_bytes=lambda size: 0,
    result_bytes=lambda size: 0,
    yields=False,
    seconds=lambda size: 6e-5 * size,  # ~0.07 s at 1200 (measured: 0.07-0.08 s)
)


def sleep(size: int) -> None:
    """Wait ``size`` milliseconds with ``time.sleep`` (releases the GIL, like blocking I/O)."""
    time.sleep(size / 1000)


async def asleep(size: int) -> None:
    """Wait ``size`` milliseconds with ``await asyncio.sleep`` (yields to the event loop)."""
    await asyncio.sleep(size / 1000)


SLEEP = Workload(
    name="sleep",
    description="a wait standing for real I/O: size milliseconds of sleep",
    default_size=250,
    max_size=60_000,
    size_unit="milliseconds",
    run=sleep,
    arun=asleep,
    peak_bytes=lambda size: 0,
    result_bytes=lambda size: 0,
    yields=True,
    seconds=lambda size: size / 1000,
)

#: Every workload a request may name: the built-in ones, and any of one's own registered
#: when the server started (:func:`servers.own.register`).
WORKLOADS: dict[str, Workload] = {w.name: w for w in (ARTICLE, MATMUL, PYTHON, SLEEP)}
#: The built-in workloads' names, which a function of one's own may not take.
BUILT_IN = frozenset(WORKLOADS)


def default_article_size(size: int | None = None) -> int:
    """``size`` if given, else the environment's ``FANOUT_ARTICLE_SIZE`` (how production
    servers' worker processes learn it), else the article's 10000."""
    if size is not None:
        return size
    return int(os.environ.get(ENV_ARTICLE_SIZE, ARTICLE_SIZE))


def get(name: str) -> Workload:
    """The workload called ``name``; ``KeyError`` names the known ones."""
    try:
        return WORKLOADS[name]
    except KeyError:
        raise KeyError(f"unknown workload {name!r}; known: {', '.join(WORKLOADS)}") from None


def _span(index: int, start: float, cpu_start: float) -> Span:
    return Span(
        index, start, time.monotonic(), os.getpid(), threading.current_thread().name, cpu_start, time.thread_time()
    )


def timed(workload: Workload, index: int, size: int) -> tuple[Span, Any]:
    """Run the sync form once and return its span and result."""
    start, cpu = time.monotonic(), time.thread_time()
    result = workload.run(size)
    return _span(index, start, cpu), result


async def atimed(workload: Workload, index: int, size: int) -> tuple[Span, Any]:
    """Run the async form once and return its span and result."""
    start, cpu = time.monotonic(), time.thread_time()
    result = await workload.arun(size)
    return _span(index, start, cpu), result


def _fields(s: Span | dict[str, Any]) -> dict[str, Any]:
    return s.to_dict() if isinstance(s, Span) else s


def window(spans: list[dict[str, Any]]) -> float:
    """The time from the first task's start to the last one's end (NaN for none, or none long)."""
    if not spans:
        return float("nan")
    found = max(s["end"] for s in spans) - min(s["start"] for s in spans)
    return found if found > 0 else float("nan")


def parallelism(spans: list[Span] | list[dict[str, Any]]) -> float:
    """How many tasks ran *at once*: the CPU time the threads that ran the tasks used while
    they ran (for each thread, from its first task's start to its last one's end), over the
    time from the first start to the last end. At most the cores; 1.0 means one core's worth
    at a time (the tasks ran one after another, or took turns); a wait uses none. NaN for no
    tasks, a zero-length window, or spans without their CPU readings (servers older than it)."""
    fields = [_fields(s) for s in spans]
    span = window(fields)
    threads: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for f in fields:
        threads.setdefault((f["pid"], f["thread"]), []).append(f)
    try:
        used = sum(max(f["cpu_end"] for f in g) - min(f["cpu_start"] for f in g) for g in threads.values())
    except KeyError:
        return float("nan")
    return used / span if span == span else float("nan")


def overlap(spans: list[Span] | list[dict[str, Any]]) -> float:
    """How many tasks were *in progress* at once: their summed wall time over the time from the
    first start to the last end. n means all n overlapped completely, whether they worked,
    waited or took turns at the GIL: the point for waits, not for work (see :func:`parallelism`).
    NaN for no tasks or a zero-length window."""
    fields = [_fields(s) for s in spans]
    span = window(fields)
    return sum(f["end"] - f["start"] for f in fields) / span if span == span else float("nan")
