"""Locust scenarios for the fan-out servers, for driving load from one or many machines.

Two users, both against the host Locust is given (``--host``):

- ``HeavyUser`` (all users but one) sends the heavy request ``GET /run/<endpoint>`` with the
  query below, one after another (Locust's users are closed-loop clients, like ``bench load``'s);
- ``PingUser`` (one user) sends ``GET /ping`` at a steady pace, as the blocking probe does.

What the heavy request does comes from environment variables, so that one file serves every
scenario (their names: :data:`servers.names.ENV_SCENARIO`): ``FANOUT_ENDPOINT`` (sync | async,
default async), ``FANOUT_WORKLOAD`` (default article), ``FANOUT_STRATEGY`` (default gather),
``FANOUT_N`` (default 4), ``FANOUT_SIZE`` (default 1000), ``FANOUT_PING_EVERY_S`` (default 0.05).

Run it through ``make load-locust`` (one machine) or see docs/load.md for a master and workers.
"""

from __future__ import annotations

import os

import gevent
from locust import HttpUser, constant, constant_pacing, task

from servers.names import ENV_SCENARIO

DEFAULTS = {
    "endpoint": "async",
    "workload": "article",
    "strategy": "gather",
    "n": "4",
    "size": "1000",
    "ping_every_s": "0.05",
}
# Locust times its run (-t) with a gevent timer, which counts from the event loop's cached
# "now": on a loaded machine that is seconds old by the time the run starts (Locust's own
# imports take that long), and a 2-s run ended 0.1 s after its users were spawned. Locust
# imports this file just before it starts the timer: bring the loop's clock up to date.
gevent.get_hub().loop.update_now()

SCENARIO = {key: os.environ.get(name, DEFAULTS[key]) for key, name in ENV_SCENARIO.items()}
ENDPOINT = SCENARIO["endpoint"]
QUERY = {key: SCENARIO[key] for key in ("workload", "strategy", "n", "size")}


class HeavyUser(HttpUser):
    """A client sending the heavy request, the next one as soon as the last returns."""

    wait_time = constant(0)

    @task
    def heavy(self) -> None:
        self.client.get(f"/run/{ENDPOINT}", params=QUERY, name=f"/run/{ENDPOINT}")


class PingUser(HttpUser):
    """A light client pinging at a steady pace: its latency shows whether the server stalls."""

    wait_time = constant_pacing(float(SCENARIO["ping_every_s"]))
    fixed_count = 1  # one pinger per Locust run (per worker when distributed); the rest are heavy

    @task
    def ping(self) -> None:
        self.client.get("/ping", name="/ping")
