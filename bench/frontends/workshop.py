"""The workshop's settings, and what its free-threaded exercise says where it cannot run (it
shows answers with :func:`bench.frontends.explore.show`).

Each task lasts about 0.1 to 0.2 s on a 2-core laptop: long beside what serving a request
costs (a few milliseconds), short enough that an exercise takes seconds. The servers run in
processes of their own, as the article ran them, so that the notebook's kernel (its own
threads, the client) does not share their GIL.
"""

from __future__ import annotations

#: Task sizes per workload (see :mod:`servers.workloads` for their units).
SIZES: dict[str, int] = {"article": 1500, "python": 2000, "matmul": 1200, "sleep": 150}
#: Where the servers run.
MODE = "process"


def sizes(scale: float = 1.0) -> dict[str, int]:
    """:data:`SIZES` times ``scale``, each at least 1: below 1 for a slower laptop or a quicker
    pass (shorter tasks, so what serving a request costs weighs more in each speed-up)."""
    if not scale > 0:
        raise ValueError(f"scale must be above 0, not {scale!r}")
    return {workload: max(1, round(size * scale)) for workload, size in SIZES.items()}


#: What the free-threaded exercise prints, in place of its verdict, where the clone has no
#: free-threaded Python (:func:`bench.frontends.explore.free_threaded_here`).
WITHOUT_GIL_SKIPPED = (
    "Skipped: this clone has no free-threaded Python (.venv-ft/ is missing), so there is nothing to measure "
    "without the GIL here. In a terminal at the clone's top, `make freethreaded` makes it (seconds when this "
    "machine has built one before, a few minutes when it builds CPython), then run this cell again."
)
