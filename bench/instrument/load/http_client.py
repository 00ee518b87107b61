"""A light load client: HTTP/1.1 GETs on keep-alive connections, every client on one event
loop in one thread.

bench's default client (``requests``, a thread per client) costs about a millisecond of CPU
per request in Python; on a 2-core machine that CPU is taken from the server it measures.
This client parses only what a GET's answer needs (status line, ``Content-Length`` or a
chunked body), so a request costs a fraction of that, and the server keeps the cores.
Single trials keep ``requests``; load uses this one (:func:`bench.instrument.load.loops.closed_loop`
with ``client="async"``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode, urlsplit

#: The longest status line and headers an answer may have.
HEAD_LIMIT = 64 * 1024


class ProtocolError(RuntimeError):
    """The server's answer was not HTTP/1.1 as this client reads it."""


class Connection:
    """One keep-alive connection to ``host:port``, opened on first use and again after the
    server closes it or a request fails."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass  # the server closed it first: nothing left to close
        self.reader = self.writer = None

    async def get(self, target: str) -> tuple[int, bytes]:
        """GET ``target`` (path and query): the status and the body."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=HEAD_LIMIT)
        assert self.reader is not None
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address, as a URL writes it
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}:{self.port}\r\n\r\n".encode("latin-1"))
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunked()
        elif "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        else:  # the body ends when the server closes the connection
            body = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return int(parts[1]), body

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        chunks: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")  # no trailers are sent to a GET like ours
                return b"".join(chunks)
            chunks.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)


def target_of(url: str, params: Mapping[str, Any] | None) -> tuple[str, int, str]:
    """``(host, port, path?query)`` of an ``http://`` URL with ``params`` added to its query."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None:
        raise ValueError(f"this client speaks plain http to a host: {url!r}")
    query = "&".join(q for q in (parts.query, urlencode(params or {})) if q)
    return parts.hostname, parts.port or 80, (parts.path or "/") + (f"?{query}" if query else "")


Sent = tuple[int, int, float, float, int, str]  # client, seq, start, end, status, error


def closed_loop(
    url: str,
    params: Mapping[str, Any] | None,
    *,
    clients: int,
    max_requests: int,
    duration_s: float,
    timeout_s: float,
    stop: threading.Event,
) -> list[Sent]:
    """``clients`` connections on one event loop, each sending its next GET when its last
    was answered, until ``max_requests`` were sent, ``duration_s`` passed, or ``stop`` is
    set. Blocks the calling thread; the clients' event loop runs on it, or, when it already
    runs one (a notebook's kernel), on a thread of its own. One tuple per request."""
    host, port, target = target_of(url, params)
    deadline = time.monotonic() + duration_s
    sent: list[Sent] = []
    count = 0

    async def client(c: int) -> None:
        nonlocal count
        conn = Connection(host, port)
        try:
            while not stop.is_set() and time.monotonic() < deadline and count < max_requests:
                seq, count = count, count + 1
                start = time.monotonic()
                status, error = 0, ""
                try:
                    status, body = await asyncio.wait_for(conn.get(target), timeout_s)
                    if status >= 400:
                        error = body[:200].decode("utf-8", "replace")
                except (
                    OSError,
                    ValueError,  # a length or a chunk size that is not a number
                    asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError,
                    ProtocolError,
                    TimeoutError,
                ) as e:
                    error = f"{type(e).__name__}: {e}"[:200]
                    await conn.close()  # a failed request leaves the connection in an unknown state
                sent.append((c, seq, start, time.monotonic(), status, error))
        finally:
            await conn.close()

    async def main() -> None:
        await asyncio.gather(*(client(c) for c in range(clients)))

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # none here: this thread can run the clients' loop
        asyncio.run(main())
    else:  # a notebook's kernel, or any caller on a loop: the clients get a thread of their own
        with ThreadPoolExecutor(1, thread_name_prefix="aio-load") as runner:
            runner.submit(asyncio.run, main()).result()
    return sent
