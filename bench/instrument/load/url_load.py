"""Any endpoint under load: ``python -m bench load --url URL [--probe URL]``.

The same client, loops and summaries as the load presets, on a URL of anyone's server (a
user's own app served with ``python -m servers --app``, see docs/yourapp.md):

- **closed loops** (:func:`closed_loops`): at each client count, that many clients of the
  light client (:mod:`bench.instrument.load.http_client`) send their next request to the URL
  as soon as their last was answered, for ``duration_s`` (every request kept, part "url");
- **the blocking probe** (:func:`probe`), with a second, light URL: it alone at a steady rate,
  then while the most clients load the URL (:func:`bench.instrument.load.loops.blocking_probe`,
  judged by the stall rule of :mod:`bench.instrument.load.blocking`; part "probe").

Both stop by themselves: each phase after its duration (a request in flight then is waited for
at most ``timeout_s``) or a request count. Only this machine is loaded unless told otherwise: a
host that is not loopback (127.0.0.0/8, ``::1``, ``localhost``) is refused without
``allow_remote``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from bench.instrument.load import loops
from servers import harness

#: The client counts unless told, and the most clients a count may be.
CLIENTS = (1, 4)
MOST_CLIENTS = 256
#: Seconds at each client count (and of the probe under load) unless told, and the most.
DURATION_S = 5.0
MOST_DURATION_S = 600.0
#: Longest wait for one answer unless told; a request unanswered by then is an error.
TIMEOUT_S = 60.0
#: Pings per second of the probe (the load presets' rate).
PING_RATE = 20.0
#: The probe's pings alone: this share of ``duration_s``, and at least :data:`BASELINE_MIN_S`
#: (enough pings for an interval at :data:`PING_RATE`).
BASELINE_SHARE = 0.25
BASELINE_MIN_S = 0.5
#: Most requests of one phase: the duration stops it first but on the fastest endpoints.
MOST_REQUESTS = 1_000_000


class Refused(ValueError):
    """What ``bench load --url`` cannot load: a URL (not http://, no host, no valid port),
    numbers out of range; the message is one line."""


class RemoteRefused(Refused):
    """A URL whose host is not this machine, without ``allow_remote``."""


class NoAnswer(ValueError):
    """A URL that did not answer its first request with a success."""


def check_url(url: str, *, allow_remote: bool) -> str:
    """``url`` if the light client can load it: plain ``http://`` with a host, and that host
    loopback unless ``allow_remote``; :class:`Refused` (:class:`RemoteRefused`) with one line otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise Refused(f"{url!r} is not an http:// URL with a host (the load client speaks plain HTTP/1.1)")
    try:
        parts.port  # noqa: B018 -- a port that is not a number raises here, not mid-run
    except ValueError:
        raise Refused(f"{url!r} has no valid port (a number up to 65535)") from None
    if not allow_remote and not harness.is_loopback(parts.hostname):
        raise RemoteRefused(
            f"{url} is not on this machine (127.0.0.0/8, ::1, localhost): load only servers you run or may "
            "load, and say so with --allow-remote"
        )
    return url


@dataclass(frozen=True)
class UrlLoad:
    """What ``bench load --url`` does: the URL, the probe's URL ("" for none), the client
    counts, the seconds at each, the longest wait for an answer. :class:`Refused` (one line)
    for a URL that cannot be loaded or is refused (:func:`check_url`), or numbers out of range."""

    url: str
    probe: str = ""
    clients: tuple[int, ...] = CLIENTS
    duration_s: float = DURATION_S
    timeout_s: float = TIMEOUT_S
    allow_remote: bool = False

    def __post_init__(self) -> None:
        for url in (self.url, self.probe) if self.probe else (self.url,):
            check_url(url, allow_remote=self.allow_remote)
        object.__setattr__(self, "clients", tuple(self.clients))
        if not self.clients or not all(1 <= c <= MOST_CLIENTS for c in self.clients):
            raise Refused(f"client counts must be between 1 and {MOST_CLIENTS}, got {list(self.clients)}")
        for name in ("duration_s", "timeout_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 < value <= MOST_DURATION_S):
                raise Refused(f"{name[:-2]} must be more than 0 and at most {MOST_DURATION_S:g} s, got {value:g}")

    @property
    def probe_clients(self) -> int:
        """The clients that load the URL while the probe pings: the most of :attr:`clients`."""
        return max(self.clients)

    @property
    def baseline_s(self) -> float:
        """Seconds of the probe's pings alone."""
        return max(BASELINE_MIN_S, BASELINE_SHARE * self.duration_s)

    def to_dict(self) -> dict[str, Any]:
        """What meta.json keeps of it (``load_url``), with the probe's rate and clients."""
        record = {**asdict(self), "clients": list(self.clients)}
        return {**record, "ping_rate": PING_RATE, "probe_clients": self.probe_clients}


def check_answers(load: UrlLoad) -> None:
    """One request to the URL, and one to the probe's: each must be answered with a success
    (below 400) within ``timeout_s``, else :class:`NoAnswer` says what came back, before a
    run folder is made or a loop floods a wrong port with failures. It warms the server, too."""
    for url in (load.url, load.probe) if load.probe else (load.url,):
        (first,) = loops.closed_loop(url, max_requests=1, duration_s=load.timeout_s, timeout_s=load.timeout_s)
        if not 0 < first.status < 400:
            said = f"answered {first.status}: {first.error}" if first.status else f"did not answer: {first.error}"
            raise NoAnswer(" ".join(f"{url} {said}".split())[:300])


def closed_loops(
    load: UrlLoad, *, progress: Callable[[str], None] | None = None, keep: loops.Keep | None = None
) -> pd.DataFrame:
    """At each client count, a closed loop on the URL for ``duration_s``; one row per request
    with its ``url`` and ``clients``, each count's rows handed to ``keep`` as it ends."""
    frames = []
    for c in load.clients:
        if progress:
            progress(f"{c} client(s)")
        recs = loops.closed_loop(
            load.url,
            clients=c,
            max_requests=MOST_REQUESTS,
            duration_s=load.duration_s,
            timeout_s=load.timeout_s,
        )
        frame = loops.frame(recs).assign(url=load.url, clients=c)
        if keep is not None:
            keep(frame)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def probe(
    load: UrlLoad, *, progress: Callable[[str], None] | None = None, keep: loops.Keep | None = None
) -> pd.DataFrame:
    """The blocking probe: one request to the URL first, then the probe's URL alone, then while
    :attr:`UrlLoad.probe_clients` clients load the URL; one row per request, the case named
    by its ``config`` (what :func:`bench.instrument.load.blocking.summarize` reads)."""
    if not load.probe:
        raise ValueError("no probe URL: the blocking probe needs a light URL to ping")
    if progress:
        progress("probe")
    recs = loops.blocking_probe(
        load.probe,
        load.url,
        {},
        heavy_clients=load.probe_clients,
        ping_rate=PING_RATE,
        duration_s=load.duration_s,
        baseline_s=load.baseline_s,
        timeout_s=load.timeout_s,
        max_heavy=MOST_REQUESTS,
    )
    frame = loops.frame(recs).assign(url=load.url, clients=load.probe_clients, config=_case(load))
    if keep is not None:
        keep(frame)
    return frame


def _case(load: UrlLoad) -> str:
    """The probe's case, in words: what was pinged, while what loaded what."""
    return f"{load.probe} while {load.probe_clients} client(s) load {load.url}"


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """Throughput and latency percentiles of the closed loops, per URL and client count."""
    return loops.summarize_by(df, ["url", "clients"])
