"""BLAS threads: pin them, and say what they are.

BLAS thread limits are process-wide (threadpoolctl changes the library's global setting),
so a request pins them around its whole fan-out, and a worker process pins its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from threadpoolctl import threadpool_info, threadpool_limits

#: BLAS threads per task unless a request says otherwise: one, so that n tasks on n
#: threads or processes do not oversubscribe the cores.
DEFAULT_THREADS = 1


@contextmanager
def _limited(threads: int) -> Iterator[None]:
    with threadpool_limits(limits=threads, user_api="blas"):
        yield


def pinned(threads: int, needed: bool = True) -> AbstractContextManager[Any]:
    """Limit every BLAS library in this process to ``threads`` threads within the block
    (nothing at all when not ``needed``: pinning costs a look at the loaded libraries)."""
    return _limited(threads) if needed else nullcontext()


def describe() -> list[dict[str, Any]]:
    """The BLAS libraries loaded in this process, with their thread counts now."""
    import numpy  # noqa: F401  (loads numpy's BLAS so that it can be seen)

    return [
        {k: lib.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
        for lib in threadpool_info()
        if lib.get("user_api") == "blas"
    ]


def threads_now() -> int | None:
    """The BLAS thread count in force now (the first BLAS library's), or None."""
    libs = describe()
    return libs[0]["num_threads"] if libs else None
