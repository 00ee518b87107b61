"""No orphans: processes that end when the process that started them is gone.

A server started by :mod:`servers.launch` lives in a session of its own (so that a Ctrl-C
meant for a notebook or ``bench run`` does not hit it mid-trial), and a pool worker holds
its queue's pipe open itself; neither notices on its own when its parent is killed (a
kernel restarted hard, ``kill -9``). :func:`watch_parent` notices, by polling the parent's
pid, and ends the process its own way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

#: How often the watchdog looks, in seconds.
INTERVAL_S = 0.5


def watch_parent(parent: int, on_orphaned: Callable[[], None], interval_s: float = INTERVAL_S) -> threading.Thread:
    """Start a daemon thread that calls ``on_orphaned`` once ``parent`` is no longer this
    process's parent (it ended, and this process was handed to another)."""

    def watch() -> None:
        stop = threading.Event()
        while not stop.wait(interval_s):
            if os.getppid() != parent:
                on_orphaned()
                return

    thread = threading.Thread(target=watch, name="parent-watchdog", daemon=True)
    thread.start()
    return thread
