"""What a run's results depend on, recorded in meta.json: software, machine, settings."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

from bench.instrument.store import CHECKOUT
from bench.vocabulary.records import Environment, GitInfo

PACKAGES = (
    "flask",
    "werkzeug",
    "flask-cors",
    "fastapi",
    "starlette",
    "uvicorn",
    "gunicorn",
    "granian",
    "quart",
    "litestar",
    "numpy",
    "pandas",
    "matplotlib",
    "requests",
    "psutil",
    "threadpoolctl",
    "tqdm",
    "ipython",
)
ENV_PREFIXES = ("OPENBLAS_", "OMP_", "MKL_", "MALLOC_", "BLIS_", "VECLIB_", "NUMEXPR_", "PYTHONMALLOC")


def _package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> list[dict[str, Any]]:
    """threadpoolctl's view of the BLAS/OpenMP libraries numpy loaded, and their threads."""
    import numpy  # noqa: F401  (load numpy's BLAS so threadpoolctl can see it)
    from threadpoolctl import threadpool_info

    return threadpool_info()


def _git() -> GitInfo:
    root = CHECKOUT

    def cmd(*args: str) -> str | None:
        try:
            r = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    commit = cmd("rev-parse", "HEAD")
    status = cmd("status", "--porcelain", "--untracked-files=no")
    changed = status.splitlines()[:20] if status else []
    return GitInfo(commit=commit, dirty=bool(status) if status is not None else None, changed=changed)


def _frequency_mhz() -> dict[str, float] | None:
    """The CPU's frequency now, and its lowest and highest, in MHz (None where unreadable)."""
    try:
        f = psutil.cpu_freq()
    except (OSError, NotImplementedError, AttributeError):
        return None
    if f is None or not f.current:
        return None
    return {k: round(v, 1) for k, v in (("current", f.current), ("min", f.min), ("max", f.max)) if v > 0}


def _governor() -> str | None:
    """The first CPU's frequency scaling governor (Linux), or None where there is none to read."""
    try:
        return Path("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor").read_text().strip() or None
    except OSError:
        return None


def usable_cores() -> int | None:
    """The cores this process may run on (all of them where the system cannot say)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def collect() -> Environment:
    """A snapshot of the software, machine and settings, taken now."""
    vm = psutil.virtual_memory()
    env: Environment = {
        "python": {
            "version": sys.version,
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "platform": {"system": platform.platform(), "machine": platform.machine(), "node": platform.node()},
        "cpu": {
            "model": _cpu_model(),
            "logical_cores": os.cpu_count(),
            "physical_cores": psutil.cpu_count(logical=False),
            "usable_cores": usable_cores(),
            "frequency_mhz": _frequency_mhz(),
            "governor": _governor(),
        },
        "memory": {
            "total_bytes": vm.total,
            "available_bytes_at_start": vm.available,
            "swap_total_bytes": psutil.swap_memory().total,
        },
        "packages": _package_versions(),
        "blas": _blas(),
        "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith(ENV_PREFIXES)},
        "git": _git(),
    }
    return env
