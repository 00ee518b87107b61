"""What a process used during a trial: CPU, peak resident memory, page faults.

Peak RSS is read as the kernel's high-water mark (``VmHWM``) after resetting it through
``/proc/<pid>/clear_refs`` (Linux); where that is not possible, a sampler thread polls RSS
every few milliseconds, which can miss short peaks. The method used is recorded.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_INTERVAL_S = 0.005


def _proc(pid: int, name: str) -> Path:
    return Path(f"/proc/{pid}/{name}")


def _faults(pid: int) -> tuple[float, float]:
    """(minor, major) page faults of ``pid`` so far; NaN where /proc is not available."""
    try:
        fields = _proc(pid, "stat").read_text().rsplit(")", 1)[1].split()
        return float(fields[7]), float(fields[9])  # minflt, majflt (fields 10 and 12 of stat)
    except (OSError, IndexError, ValueError):
        return float("nan"), float("nan")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds so far of ``pid`` and every process below it (NaN if gone).
    Children that end between two readings take their seconds with them. When ``pid`` is
    this process, the calling thread is left out: a caller that polls would otherwise read
    its own polling as work of the tree (servers in thread mode are this process's other
    threads)."""
    try:
        root = psutil.Process(pid)
        total = _own_threads_cpu_seconds(root) if pid == os.getpid() else _cpu_seconds_of(root)
        below = _descendants(pid)
    except psutil.Error:
        return float("nan")
    for child in below:
        try:
            total += _cpu_seconds_of(psutil.Process(child))
        except psutil.Error:
            continue
    return total


def _descendants(pid: int) -> list[int]:
    """The processes below ``pid``, read from each thread's ``/proc/<pid>/task/<tid>/children``
    (Linux), which costs a few files instead of every process of the machine; through psutil
    where that is not available."""
    try:
        found: list[int] = []
        todo = [pid]
        while todo:
            for task in _proc(todo.pop(), "task").iterdir():
                kids = [int(k) for k in (task / "children").read_text().split()]
                found += kids
                todo += kids
        return found
    except FileNotFoundError as e:
        if not _proc(pid, "").exists():
            raise psutil.NoSuchProcess(pid) from e
    except OSError:
        pass
    return [p.pid for p in psutil.Process(pid).children(recursive=True)]


def _cpu_seconds_of(p: psutil.Process) -> float:
    t = p.cpu_times()
    return float(t.user + t.system)


def _own_threads_cpu_seconds(me: psutil.Process) -> float:
    """CPU seconds of this process (its ended threads too) less those of the calling thread."""
    caller = threading.get_native_id()
    mine = sum(t.user_time + t.system_time for t in me.threads() if t.id == caller)
    return _cpu_seconds_of(me) - float(mine)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far (all its threads); NaN if it is gone."""
    try:
        t = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return float("nan")
    return float(t.user + t.system)


@dataclass
class Usage:
    cpu_s: float = float("nan")
    peak_rss_bytes: float = float("nan")
    peak_rss_method: str = ""
    minor_faults: float = float("nan")
    major_faults: float = float("nan")


class ProcessProbe:
    """Context manager measuring one process over a block: ``with ProcessProbe(pid) as p:``.

    After the block, ``p.usage`` holds the CPU seconds, page faults and peak RSS of the
    process during the block; NaN for what could not be read (a process that died).
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.usage = Usage()
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None
        self._peak = 0

    def _reset_hwm(self) -> bool:
        if not sys.platform.startswith("linux"):
            return False
        try:
            _proc(self.pid, "clear_refs").write_text("5")
            return True
        except OSError:
            return False

    def _read_hwm(self) -> float:
        try:
            for line in _proc(self.pid, "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) * 1024
        except OSError:
            pass
        return float("nan")

    def _sample(self) -> None:
        try:
            p = psutil.Process(self.pid)
            while not self._stop.wait(SAMPLE_INTERVAL_S):
                self._peak = max(self._peak, p.memory_info().rss)
        except psutil.Error:
            return

    def __enter__(self) -> ProcessProbe:
        self._hwm = self._reset_hwm()
        if not self._hwm:
            try:
                self._peak = psutil.Process(self.pid).memory_info().rss
            except psutil.Error:
                self._peak = 0
            self._sampler = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
            self._sampler.start()
        self._faults0 = _faults(self.pid)
        self._cpu0 = _cpu_seconds(self.pid)
        return self

    def __exit__(self, *exc: object) -> None:
        cpu1 = _cpu_seconds(self.pid)
        faults1 = _faults(self.pid)
        if self._sampler is not None:
            self._stop.set()
            self._sampler.join()
            peak = float(self._peak) if self._peak else float("nan")
            method = f"sampled every {SAMPLE_INTERVAL_S * 1000:.0f} ms"
        else:
            peak, method = self._read_hwm(), "VmHWM"
        self.usage = Usage(
            cpu_s=cpu1 - self._cpu0,
            peak_rss_bytes=peak,
            peak_rss_method=method,
            minor_faults=faults1[0] - self._faults0[0],
            major_faults=faults1[1] - self._faults0[1],
        )
