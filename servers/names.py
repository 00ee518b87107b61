"""Names shared by the servers, the instrument and the load test, each defined once.

The modes a server runs in, the endpoint styles, the loopback hosts, and every ``FANOUT_*``
environment variable the project reads. Importing this module imports no framework.
"""

from __future__ import annotations

from typing import Literal

Mode = Literal["thread", "process"]
#: ``thread``: a background thread of the caller's process; ``process``: a process of its own.
MODES: tuple[Mode, ...] = ("thread", "process")

Endpoint = Literal["sync", "async"]
#: How a framework calls a handler: a plain function, or a coroutine it awaits.
ENDPOINTS: tuple[Endpoint, ...] = ("sync", "async")

Interface = Literal["wsgi", "asgi"]
#: How a server calls an app: WSGI (a call per request, on a thread) or ASGI (a coroutine).
INTERFACES: tuple[Interface, ...] = ("wsgi", "asgi")

#: Hosts that only this machine can reach.
LOOPBACK: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")

#: The article task's default size, for the worker processes of production servers.
ENV_ARTICLE_SIZE = "FANOUT_ARTICLE_SIZE"
#: Processes of the ``processes`` strategy's pool, for the worker processes of production servers.
ENV_POOL_WORKERS = "FANOUT_POOL_WORKERS"
#: Litestar's ``/run/sync`` on the event loop (``sync_to_thread=False``), for worker processes.
ENV_SYNC_ON_LOOP = "FANOUT_SYNC_ON_LOOP"
#: Set by ``python -m servers`` when it starts itself again under its ``python`` option, to that
#: path: the process that finds it there runs under it already.
ENV_SERVER_PYTHON = "FANOUT_SERVER_PYTHON"
#: The functions of one's own ``python -m servers --workload`` registered, for the worker
#: processes of production servers: a JSON list of ``[spec, args]`` (see :mod:`servers.own`).
ENV_WORKLOADS = "FANOUT_WORKLOADS"
#: Longest estimated work of one request, in seconds (see :mod:`servers.worktime`).
ENV_MAX_WORK_S = "FANOUT_MAX_WORK_S"
#: The Locust scenario of ``loadtest/locustfile.py``: what its heavy user sends, and how
#: often its pinging user pings, by setting.
ENV_SCENARIO: dict[str, str] = {
    "endpoint": "FANOUT_ENDPOINT",
    "workload": "FANOUT_WORKLOAD",
    "strategy": "FANOUT_STRATEGY",
    "n": "FANOUT_N",
    "size": "FANOUT_SIZE",
    "ping_every_s": "FANOUT_PING_EVERY_S",
}
