"""One request at a time, for exploring and for workshop exercises.

:class:`Explorer` keeps one server per framework and mode running, sends single ``/run``
requests, and keeps a history of what was tried. :func:`check` turns a prediction into a
plain-words verdict. The notebooks wire widgets or exercises to these; the logic is here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import requests

from servers import harness

COLUMNS = [
    "framework",
    "mode",
    "endpoint",
    "workload",
    "strategy",
    "n",
    "size",
    "status",
    "wall_s",
    "server_cpu_s",
    "parallelism",
    "speedup",
    "error",
]


@dataclass
class Explorer:
    """Servers started on demand (loopback, free ports), one request per :meth:`run`.

    Use as a context manager, or call :meth:`close` when done: it stops every server.
    """

    article_size: int = 1000
    timeout: float = 120.0
    servers: dict[tuple[str, str], harness.Server] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    def server(self, framework: str, mode: str) -> harness.Server:
        """The explorer's server of ``framework`` in ``mode``, started on first use. Servers
        are shared by name (:func:`servers.harness.shared`): a notebook cell that makes a new
        Explorer again gets the running ones back, not a second set."""
        key = (framework, mode)
        if key not in self.servers or not self.servers[key].url:
            self.servers[key] = harness.shared(f"explorer-{framework}-{mode}", framework, mode, size=self.article_size)
        return self.servers[key]

    def run(
        self,
        framework: str = "fastapi",
        strategy: str = "gather",
        workload: str = "article",
        n: int = 5,
        size: int | None = None,
        endpoint: str = "",
        mode: str = "thread",
    ) -> dict[str, Any]:
        """Send one request; return its answer with ``wall_s`` (client) and ``speedup``
        (sum of task durations / wall time), and add a row to :attr:`history`.

        A 4xx answer is returned (with ``error``) and recorded, not raised.
        """
        s = self.server(framework, mode)
        path = f"/run/{endpoint}" if endpoint else "/run"
        query: dict[str, Any] = {"workload": workload, "strategy": strategy, "n": n}
        if size is not None:
            query["size"] = size
        sent = time.monotonic()
        t0 = time.perf_counter()
        r = requests.get(s.url + path, params=query, timeout=self.timeout)
        wall = time.perf_counter() - t0
        body = r.json()
        row: dict[str, Any] = {
            "framework": framework,
            "mode": mode,
            "status": r.status_code,
            "wall_s": wall,
            **{k: query.get(k) for k in ("workload", "strategy", "n")},
        }
        if r.ok:
            busy = sum(t["end"] - t["start"] for t in body["tasks"])
            row.update(
                endpoint=body["endpoint"],
                size=body["size"],
                server_cpu_s=body["server"]["cpu_s"],
                parallelism=body["parallelism"],
                speedup=busy / wall if wall > 0 else float("nan"),
                error="",
            )
            body.update(wall_s=wall, speedup=row["speedup"], sent_mono=sent)
        else:
            row.update(endpoint=endpoint or "native", size=size, error=body["error"]["message"])
            body.update(wall_s=wall)
        self.history.append(row)
        return body

    def table(self) -> pd.DataFrame:
        """What was tried in this session, one row per request."""
        return pd.DataFrame(self.history, columns=COLUMNS)

    def close(self) -> None:
        """Stop every server this explorer started."""
        for s in self.servers.values():
            s.stop()
        self.servers.clear()

    def __enter__(self) -> Explorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check(prediction: float, measured: float, *, tolerance: float = 0.25, what: str = "speed-up") -> str:
    """Compare a predicted number with the measured one: within ``tolerance`` (relative)?"""
    if measured != measured:  # NaN
        return f"No measurement to check the predicted {what} against."
    off = abs(prediction - measured) / max(abs(measured), 1e-9)
    if off <= tolerance:
        return f"Your prediction held: you said {prediction:g}, the measured {what} is {measured:.2f}."
    return (
        f"Not quite: you said {prediction:g}, the measured {what} is {measured:.2f} "
        f"({off:.0%} off). Look at the timeline: which tasks overlapped, and which had to wait?"
    )
