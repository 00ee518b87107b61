"""Functions of different kinds, to fan out as one's own (``python -m servers --workload``,
``python -m bench advise``): each takes about a tenth of a second with its defaults on a 2-core
laptop, and each spends that time differently.

| function | where its time goes | what runs copies of it at once |
|---|---|---|
| :func:`crunch` | pure-Python arithmetic, holding the GIL | processes |
| :func:`blas` | a BLAS matrix product, which releases the GIL | threads, processes |
| :func:`wait` | ``await asyncio.sleep``: a wait on the event loop | gather, threads, processes |
| :func:`block` | ``time.sleep``: a blocking wait, as a blocking client library's | threads, processes |
| :func:`digest` | SHA-256 of a buffer: hashlib releases the GIL on large inputs | threads, processes |
| :func:`squeeze` | zlib compression of a buffer, which releases the GIL | threads, processes |
| :func:`parse` | JSON encoded and decoded again, holding the GIL | processes |
| :func:`fetch_then_crunch` | half awaiting, half pure Python | gather for its wait only |
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
import zlib

import numpy as np


def crunch(k: int = 1_500_000) -> int:
    """Pure-Python arithmetic: ``k`` loop iterations, holding the GIL throughout."""
    acc = 0
    for i in range(k):
        acc = (acc + i * i) % 1_000_003
    return acc


def blas(size: int = 1300) -> float:
    """A BLAS product of two random ``size x size`` matrices: the time is in BLAS, GIL released."""
    rng = np.random.default_rng(0)
    a, b = rng.random((size, size)), rng.random((size, size))
    return float((a @ b).sum())


async def wait(ms: float = 100) -> None:
    """An awaited wait, as a database or another service's answer would be."""
    await asyncio.sleep(ms / 1000)


def block(ms: float = 100) -> None:
    """A blocking wait, as a blocking client library's call would be (the GIL released)."""
    time.sleep(ms / 1000)


#: The buffers :func:`digest` and :func:`squeeze` work on, made once per process.
_BUFFER = os.urandom(1 << 20)


def digest(mb: int = 160) -> str:
    """SHA-256 of ``mb`` MiB (the same random MiB again and again); hashlib releases the GIL on
    buffers above 2 KiB."""
    h = hashlib.sha256()
    for _ in range(mb):
        h.update(_BUFFER)
    return h.hexdigest()


def squeeze(mb: int = 5) -> int:
    """zlib-compress ``mb`` MiB of random bytes (incompressible: all the time is in zlib, GIL released)."""
    return sum(len(zlib.compress(_BUFFER, 6)) for _ in range(mb))


def parse(items: int = 28_000) -> int:
    """Encode ``items`` small records as JSON and decode them again: the GIL held throughout."""
    records = [{"id": i, "name": f"item {i}", "tags": ["a", "b"], "price": i * 0.5} for i in range(items)]
    return len(json.loads(json.dumps(records)))


async def fetch_then_crunch(ms: float = 50, k: int = 700_000) -> int:
    """Await a wait (``ms``), then compute in pure Python (``k`` iterations): an endpoint's
    typical mix, of which only the wait overlaps when gathered."""
    await asyncio.sleep(ms / 1000)
    return crunch(k)
