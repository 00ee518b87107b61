"""The in-process ideal under another Python: the same tasks, no server, in a process of that Python.

``python -m servers.ideal_runner`` reads one JSON request per line on its standard input
(``{"workload", "strategy", "n", "size"}``), runs the tasks in its own process exactly as
:func:`servers.harness.run_ideal` does (``processes`` on a pool of its own, started on first
use), and answers one JSON line: the wall and CPU seconds around the tasks (measured inside,
as the ideal measures them in the measuring process), the tasks' spans, its pool's size, and
its :func:`servers.interpreter.report` read after the tasks. A request ``{"register": [SPEC,
ARGS]}`` registers a function of one's own there first (:func:`servers.own.from_spec`), so
that later requests may name it. An empty line, or the end of its input, ends it.
:class:`IdealRunner` is the measuring side: it starts one, asks, and stops it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from . import interpreter, own, strategies, workloads
from .pool import TaskPool

#: Seconds :meth:`IdealRunner.stop` waits for the runner to leave before it kills it.
STOP_TIMEOUT_S = 10.0


def answer(request: dict[str, Any], pool: TaskPool) -> dict[str, Any]:
    """Run one request's tasks in this process (or register a function of one's own); what
    :func:`main` prints for it."""
    if "register" in request:
        spec, args = request["register"]
        w = own.register(own.from_spec(str(spec), args=str(args)))
        return {"registered": w.name, "once_s": w.once_s, "peak": w.peak, **interpreter.report()}
    workload, strategy = str(request["workload"]), str(request["strategy"])
    n, size = int(request["n"]), int(request["size"])
    ctx = strategies.Context(pool=pool)
    p0, t0 = time.process_time(), time.perf_counter()
    spans = strategies.run_blocking(strategies.get(strategy), workloads.get(workload), n, size, ctx)
    t1, p1 = time.perf_counter(), time.process_time()
    return {
        "wall_s": t1 - t0,
        "cpu_s": p1 - p0,
        "tasks": [s.to_dict() for s in spans],
        "pool_workers": pool.workers if strategy == "processes" else None,
        **interpreter.report(),
    }


def main() -> None:
    """Answer requests on stdin until an empty line or its end; an error is answered as
    ``{"error": ...}`` and the runner goes on."""
    pool = TaskPool()
    try:
        for line in sys.stdin:
            if not line.strip():
                break
            try:
                out = answer(json.loads(line), pool)
            except Exception as e:  # noqa: BLE001 -- one bad request must not end the runner
                out = {"error": f"{type(e).__name__}: {e}"}
            print(json.dumps(out, separators=(",", ":")), flush=True)
    finally:
        pool.shutdown()


class IdealRunner:
    """A ``python -m servers.ideal_runner`` under ``python``, started by :meth:`start` and
    stopped by :meth:`stop` (or as a context manager); ``pid`` is its process."""

    def __init__(self, python: str) -> None:
        self.python = python
        self._proc: subprocess.Popen[str] | None = None

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise RuntimeError("the ideal runner is not started")
        return self._proc.pid

    def start(self) -> IdealRunner:
        # In a session of its own, as the servers are: a Ctrl-C meant for its owner (or the
        # interrupt jupyter_client sends a kernel's process group before shutting it down) does
        # not end it mid-task with a traceback; the end of its input ends it when the owner goes.
        self._proc = subprocess.Popen(
            [self.python, "-m", "servers.ideal_runner"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        return self

    def run(self, workload: str, strategy: str, *, n: int, size: int) -> dict[str, Any]:
        """One request's answer (see :func:`answer`); RuntimeError if the runner failed it or is gone."""
        return self._ask({"workload": workload, "strategy": strategy, "n": n, "size": size})

    def register(self, spec: str, *, args: str = "") -> dict[str, Any]:
        """Register the function of one's own that ``NAME=MODULE:FUNCTION`` names, called with
        ``args`` (JSON), in the runner; RuntimeError saying why when it cannot be made there."""
        return self._ask({"register": [spec, args]})

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise RuntimeError("the ideal runner is not started")
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the ideal runner under {self.python} ended (exit status {proc.poll()})")
        out: dict[str, Any] = json.loads(line)
        if "error" in out:
            raise RuntimeError(f"the ideal runner under {self.python}: {out['error']}")
        return out

    def stop(self) -> None:
        """Ask the runner to leave (an empty line), kill it if it has not within
        :data:`STOP_TIMEOUT_S`. Safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.write("\n")
                proc.stdin.close()
            proc.wait(timeout=STOP_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()

    def __enter__(self) -> IdealRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    main()
