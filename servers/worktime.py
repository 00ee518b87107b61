"""The work-time guard: estimate how long a request's tasks take, then admit or refuse it.

A request's *work* is what its n tasks take one after another, on one core of a 2-core
laptop (:attr:`servers.workloads.Workload.seconds`); a strategy may overlap the tasks, but
it cannot make the work smaller. A request whose estimated work exceeds the limit is
refused before anything runs, with the estimate and the limit in the message, so that a
typo in ``size`` or ``n`` answers at once instead of keeping a server busy for an hour.

The limit is :data:`DEFAULT_LIMIT_S`, or the environment's ``FANOUT_MAX_WORK_S`` (the
tests lower it so that generated requests stay short).
"""

from __future__ import annotations

import os

from .names import ENV_MAX_WORK_S
from .workloads import Workload

#: Default longest estimated work of one request, in seconds: the article's own request
#: (n=5 at size 10000, about 30 s on 2 cores) passes with room to spare.
DEFAULT_LIMIT_S = 600.0
ENV_LIMIT = ENV_MAX_WORK_S


class WorkRefused(Exception):
    """A request whose estimated work exceeds the limit."""

    def __init__(self, estimate_s: float, limit_s: float) -> None:
        self.estimate_s = estimate_s
        self.limit_s = limit_s
        super().__init__(
            f"estimated work {estimate_s:.3g} s (its tasks one after another) exceeds the limit of "
            f"{limit_s:.3g} s per request ({ENV_LIMIT} sets it); ask for a smaller size or fewer tasks"
        )


def limit_s() -> float:
    """The limit now: ``FANOUT_MAX_WORK_S`` if it is a positive number, else the default."""
    raw = os.environ.get(ENV_LIMIT, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_LIMIT_S
    return value if value > 0 else DEFAULT_LIMIT_S


def estimate_s(workload: Workload, n: int, size: int) -> float:
    """Estimated seconds of ``n`` tasks of ``size`` one after another."""
    return max(n, 0) * workload.seconds(size)


def check(workload: Workload, n: int, size: int) -> float:
    """Return the estimate, or raise :class:`WorkRefused` if it exceeds :func:`limit_s`."""
    estimate, limit = estimate_s(workload, n, size), limit_s()
    if estimate > limit:
        raise WorkRefused(estimate, limit)
    return estimate
