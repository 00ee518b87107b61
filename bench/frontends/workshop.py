"""The workshop's settings and its small helpers: task sizes with their units, the code an
exercise measures, the CPU a server used, a ratio in words with its interval, and what its
free-threaded exercise says where it cannot run (answers are drawn by
:func:`bench.frontends.explore.show`).

Each task lasts about 0.1 to 0.2 s on a 2-core laptop: long beside what serving a request
costs (a few milliseconds), short enough that an exercise takes seconds. The exercises' servers
run in processes of their own, as the article ran them, so that the notebook's kernel (its own
threads, the client) does not share their GIL; the first part runs the article's two servers
in the kernel's threads, as a notebook can, and then in processes beside them.
"""

from __future__ import annotations

import time

import pandas as pd
import psutil

from bench.analysis.claims import Fact, Scope, ratio
from bench.vocabulary import stats
from servers import harness

#: Task sizes per workload (see :mod:`servers.workloads` for their units).
SIZES: dict[str, int] = {"article": 1500, "python": 2000, "matmul": 1200, "sleep": 150}
#: Where the exercises' servers run.
MODE = "process"
#: What each workload's size counts.
UNITS: dict[str, str] = {
    "article": "array side (two size x size arrays)",
    "python": "thousand loop iterations",
    "matmul": "matrix side",
    "sleep": "milliseconds",
}


def sizes(scale: float = 1.0) -> dict[str, int]:
    """:data:`SIZES` times ``scale``, each at least 1: below 1 for a slower laptop or a quicker
    pass (shorter tasks, so what serving a request costs weighs more in each speed-up)."""
    if not scale > 0:
        raise ValueError(f"scale must be above 0, not {scale!r}")
    return {workload: max(1, round(size * scale)) for workload, size in SIZES.items()}


def sizes_table(chosen: dict[str, int]) -> pd.DataFrame:
    """The task sizes of :func:`sizes` with what each counts, a row per workload."""
    return pd.DataFrame([{"workload": w, "size": s, "unit": UNITS.get(w, "")} for w, s in chosen.items()]).set_index(
        "workload"
    )


def code_of(workload: str, strategy: str, endpoint: str = "async") -> str:
    """Markdown showing what an exercise measures: one task of ``workload`` and how ``strategy``
    runs n of them behind a ``sync`` or ``async`` endpoint, as the servers' own source."""
    return (
        f"**One `{workload}` task:**\n\n```python\n{harness.workload_code(workload)}\n```\n\n"
        f"**`{strategy}`, as a{'n' if endpoint == 'async' else ''} {endpoint} endpoint runs it:**\n\n"
        f"```python\n{harness.strategy_code(strategy, endpoint)}\n```"
    )


def server_cpu(server: harness.Server) -> float:
    """The CPU seconds ``server`` has used so far: its process and their children's in process
    mode; in thread mode (the server runs in this process's threads) this process's, less the
    calling thread's own, which is the client's."""
    if server.mode == "process":
        root = psutil.Process(server.root_pid)
        total = 0.0
        for p in [root, *root.children(recursive=True)]:
            try:
                t = p.cpu_times()
            except psutil.Error:  # a process that ended between the two calls used nothing more
                continue
            total += t.user + t.system
        return total
    return time.process_time() - time.thread_time()


def ratio_words(a: pd.Series, b: pd.Series, *, names: tuple[str, str]) -> str:
    """``a``'s median over ``b``'s in words, with its bootstrap 95% interval and the trials it
    rests on (no interval from fewer than :data:`bench.vocabulary.stats.MIN_TRIALS` a side), and
    who was faster, or that the interval includes 1: "Flask took 1.31x as long as FastAPI
    (95% CI 1.10-1.52, 10 trials a side): FastAPI is faster"."""
    e = stats.ratio_ci(a.to_numpy(dtype=float), b.to_numpy(dtype=float))
    fact = Fact("", e.value, e.low, e.high, min(len(a), len(b)), (len(a), len(b)))
    return ratio("workshop", fact, cites="", scope=Scope(), a=names[0], b=names[1]).text


#: What the free-threaded exercise prints, in place of its verdict, where the clone has no
#: free-threaded Python (:func:`bench.frontends.explore.free_threaded_here`).
WITHOUT_GIL_SKIPPED = (
    "Skipped: this clone has no free-threaded Python (.venv-ft/ is missing), so there is nothing to measure "
    "without the GIL here. In a terminal at the clone's top, `make freethreaded` makes it (seconds when this "
    "machine has built one before, a few minutes when it builds CPython), then run this cell again."
)
