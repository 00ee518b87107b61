"""Results kept on disk, keyed by everything they are computed from: the bytes of their input
files, the source of this package and ``servers``, and the versions of the libraries that
compute them. The same inputs and the same code give the same result, so a second report of a
run, or ``bench docs`` on the committed runs, reads the bootstraps instead of redoing them.

Where: ``$FANOUT_BENCH_CACHE`` if set (empty, ``0`` or ``off``: nothing is kept), else
``${XDG_CACHE_HOME:-~/.cache}/fanout-bench/results``. A file that cannot be read is computed
again and replaced; deleting the folder is always safe.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

from bench.instrument.store import CHECKOUT

T = TypeVar("T")

#: The environment variable that moves (or turns off) the cache.
ENV = "FANOUT_BENCH_CACHE"
#: What the results depend on besides their inputs and the source.
LIBRARIES = ("numpy", "pandas")
PACKAGES = (CHECKOUT / "bench", CHECKOUT / "servers")


def folder() -> Path | None:
    """Where results are kept, or None when ``$FANOUT_BENCH_CACHE`` turns it off."""
    given = os.environ.get(ENV)
    if given is not None:
        return None if given.strip().lower() in ("", "0", "off") else Path(given)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fanout-bench" / "results"


@cache
def code_version() -> str:
    """A digest of every Python file of this package and ``servers``, and of :data:`LIBRARIES`'
    versions: any change to them makes every kept result stale."""
    digest = hashlib.sha256()
    for package in PACKAGES:
        for path in sorted(package.rglob("*.py")):
            digest.update(str(path.relative_to(package.parent)).encode() + b"\0" + path.read_bytes() + b"\0")
    for name in LIBRARIES:
        digest.update(f"{name}=={version(name)}\0".encode())
    return digest.hexdigest()


def key(name: str, inputs: Sequence[Path]) -> str:
    """The key of result ``name`` computed from the files ``inputs`` (a missing file counts as empty)."""
    digest = hashlib.sha256(f"{name}\0{code_version()}\0".encode())
    for path in inputs:
        digest.update(path.read_bytes() if path.exists() else b"")
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def kept(name: str, inputs: Sequence[Path], compute: Callable[[], T]) -> T:
    """``compute()``, or the result it gave before for the same ``inputs`` and code."""
    where = folder()
    if where is None:
        return compute()
    path = where / f"{name}-{key(name, inputs)}.pickle"
    try:
        value: T = pickle.loads(path.read_bytes())
        return value
    except FileNotFoundError:
        pass
    except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError, pickle.UnpicklingError):
        pass  # a damaged file, or one of classes since renamed: computed again and replaced below
    value = compute()
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    part: Path | None = None
    try:
        where.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=where, suffix=".part")
        part = Path(name)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(part, path)  # whole or not at all, for a reader in another process
    except OSError:  # a read-only or full disk: the result is still returned, only not kept
        if part is not None:
            part.unlink(missing_ok=True)
    return value
