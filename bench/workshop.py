"""The workshop's settings (it shows answers with :func:`bench.explore.show`).

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
