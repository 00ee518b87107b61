"""The memory guard: estimate a request's peak memory, then admit or refuse it.

A request is admitted only if its estimated peak fits in the memory available now
(``psutil.virtual_memory().available``), less a safety share and less what requests
already admitted in this process have reserved. Refusal happens before anything is
allocated, with the estimate and the limit in the message.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psutil

from .strategies import Strategy
from .workloads import Workload

#: Share of the available memory a request may plan to use; the rest is headroom for the
#: interpreter, the response and everything else on the machine.
USABLE_SHARE = 0.85

_lock = threading.Lock()
_reserved = 0


class MemoryRefused(Exception):
    """A request whose estimated peak memory does not fit."""

    def __init__(self, estimate: int, limit: int) -> None:
        self.estimate = estimate
        self.limit = limit
        super().__init__(
            f"estimated peak memory {format_bytes(estimate)} does not fit: the limit now is "
            f"{format_bytes(limit)} ({USABLE_SHARE:.0%} of the memory available, less what "
            "running requests reserved); ask for a smaller size or fewer tasks"
        )


def format_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def estimate_peak_bytes(
    workload: Workload, strategy: Strategy, *, n: int, size: int, workers: int | None = None
) -> int:
    """Upper estimate of the extra memory (on this machine) one request needs at its peak.

    Overlapping tasks may all be at their peak at once; in worker processes, at most one
    task per worker (``workers``), and no result comes back. Tasks that run one after
    another peak one at a time while the results of the earlier ones are kept.
    """
    if n <= 0:
        return 0
    if strategy.out_of_process:
        return min(n, workers or n) * workload.peak_bytes(size)
    if strategy.overlaps(workload):
        return n * workload.peak_bytes(size)
    return workload.peak_bytes(size) + (n - 1) * workload.result_bytes(size)


def available_bytes() -> int:
    """Memory the machine can give without swapping, now."""
    return int(psutil.virtual_memory().available)


def limit_bytes() -> int:
    """What a new request may use now: a share of the available memory, less reservations."""
    with _lock:
        reserved = _reserved
    return max(0, int(available_bytes() * USABLE_SHARE) - reserved)


@contextmanager
def reserve(estimate: int) -> Iterator[None]:
    """Admit ``estimate`` bytes for the duration of the block, or raise MemoryRefused.

    Admission and reservation are one atomic step, so concurrent requests in one process
    cannot together overrun the limit that each of them alone would fit in.
    """
    global _reserved
    with _lock:
        limit = max(0, int(available_bytes() * USABLE_SHARE) - _reserved)
        if estimate > limit:
            raise MemoryRefused(estimate, limit)
        _reserved += estimate
    try:
        yield
    finally:
        with _lock:
            _reserved -= estimate


def largest_admitted_size(
    workload: Workload, strategy: Strategy, *, n: int, upper: int, step: int = 100, margin: int = 0
) -> int:
    """The largest size up to ``upper`` (a multiple of ``step``, or ``upper``) admitted now
    with ``margin`` bytes to spare. Returns 0 if not even ``step`` fits.
    """
    limit = limit_bytes() - margin
    size = upper
    while size > 0 and estimate_peak_bytes(workload, strategy, n=n, size=size) > limit:
        size = (size - 1) // step * step
    return size
