"""The workshop's settings, and how it shows one answer.

Each task lasts about 0.1 to 0.2 s on a 2-core laptop: long beside what serving a request
costs (a few milliseconds), short enough that an exercise takes seconds. The servers run in
processes of their own, as the article ran them, so that the notebook's kernel (its own
threads, the client) does not share their GIL.
"""

from __future__ import annotations

from typing import Any

from IPython.display import display

from . import plots
from .explore import summary

#: Task sizes per workload (see :mod:`servers.workloads` for their units).
SIZES: dict[str, int] = {"article": 1500, "python": 2000, "matmul": 1200, "sleep": 150}
#: Where the servers run.
MODE = "process"


def show(answer: dict[str, Any]) -> None:
    """The answer's timeline and a line of its numbers (or why it was refused)."""
    if "error" not in answer:
        display(plots.request_timeline(answer))
    print(summary(answer))
