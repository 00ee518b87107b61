"""No orphans: processes that end when the process that started them is gone.

A server started by :mod:`servers.launch` lives in a session of its own (so that a Ctrl-C
meant for a notebook or ``bench run`` does not hit it mid-trial), and a pool worker holds
its queue's pipe open itself; neither notices on its own when its parent is killed (a
kernel restarted hard, ``kill -9``). :func:`watch_parent` notices, by polling the parent's
pid, and ends the process its own way. A production server (gunicorn, Granian) replaces the
Python process that started it (``exec``), and a thread does not survive that:
:func:`guard_group` leaves a small process beside it that does the watching instead.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

import psutil

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


#: How long a guarded group has to end after SIGTERM before it gets SIGKILL, in seconds.
GRACE_S = 10.0


def guard_group(parent: int, interval_s: float = INTERVAL_S) -> int:
    """Leave a watchdog process beside this one, for a process about to ``exec`` something
    else: once ``parent`` is no longer this process's parent, it sends SIGTERM to this
    process's group (then SIGKILL after :data:`GRACE_S`); it ends by itself when this process
    ends. The watchdog is forked twice, so that it is nobody's child to reap, and stays in
    this process's group, so that whoever stops the group stops it too. Returns its pid."""
    guarded, group = os.getpid(), os.getpgrp()
    read, write = os.pipe()
    first = os.fork()
    if first:  # this process: learn the watchdog's pid, reap the middle one
        os.close(write)
        with os.fdopen(read) as f:
            pid = int(f.read() or 0)
        os.waitpid(first, 0)
        return pid
    try:  # the middle process: fork the watchdog, say its pid, end
        os.close(read)
        second = os.fork()
        if second:
            os.write(write, str(second).encode())
            os._exit(0)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # not the server's listening socket, nor its log
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the group's SIGTERM is for the server: it ends after it
        _watch_group(guarded, parent, group, interval_s)
    finally:
        os._exit(0)


def _watch_group(guarded: int, parent: int, group: int, interval_s: float) -> None:
    """The watchdog's loop (see :func:`guard_group`)."""
    try:
        process = psutil.Process(guarded)
        while process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
            if process.ppid() != parent:
                os.killpg(group, signal.SIGTERM)
                deadline = time.monotonic() + GRACE_S
                while process.is_running() and time.monotonic() < deadline:
                    time.sleep(0.1)
                if process.is_running():
                    os.killpg(group, signal.SIGKILL)
                return
            time.sleep(interval_s)
    except (psutil.Error, ProcessLookupError):
        return
