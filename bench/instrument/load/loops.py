"""Many clients at once: closed-loop and open-loop load, and the blocking probe.

- **Closed loop**: ``clients`` clients, each sending its next request when the previous
  one has returned. Throughput adapts to the server: a stalled server receives fewer
  requests, and its stall hides in the numbers. A client is a thread with ``requests``
  (``client="threads"``), or a connection of :mod:`bench.instrument.load.http_client`'s event loop
  (``client="async"``), which takes a fraction of the CPU per request.
- **Open loop**: requests at a fixed ``rate``; each one's latency counts from the moment it
  *should* have been sent, so a stalled server shows as latency even when requests had to
  wait to be sent (no coordinated omission).
- **Blocking probe**: while a closed-loop load of heavy requests runs, an open-loop client
  pings a light URL (our servers' ``GET /ping``) at a steady rate; the pings' latency against
  a baseline without load says whether the server stayed responsive.

Every run is bounded by a request count *and* a duration, and stops by itself; requests go
to the URL given (loopback in everything this project starts; ``bench load --url`` refuses
other hosts unless told, :mod:`bench.instrument.load.url_load`). Each request becomes a
:class:`Record`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import requests

from bench.instrument.load import http_client
from bench.vocabulary import stats
from bench.vocabulary.records import PhaseSummary, frame_of

#: Called with a part of a run's requests as soon as it is measured (to keep it on disk).
Keep = Callable[[pd.DataFrame], None]

#: The closed loop's clients: a thread with ``requests`` each, or connections on one event loop.
CLIENTS = ("threads", "async")
#: Most requests of one open-loop run in flight at once (its sender threads).
OPEN_LOOP_MAX_IN_FLIGHT = 64


@dataclass(frozen=True)
class Record:
    """One request: times on ``time.monotonic``; ``latency_s`` from ``intended`` (open
    loop) or from ``start`` (closed loop); ``status`` 0 when no HTTP answer came."""

    phase: str
    client: int
    seq: int
    intended: float
    start: float
    end: float
    latency_s: float
    status: int
    error: str


def _send(
    session: requests.Session,
    url: str,
    params: Mapping[str, Any] | None,
    *,
    timeout: float,
    phase: str,
    client: int,
    seq: int,
    intended: float | None,
) -> Record:
    start = time.monotonic()
    status, error = 0, ""
    try:
        r = session.get(url, params=params, timeout=timeout)
        status = r.status_code
        if status >= 400:
            error = r.text[:200]
    except requests.RequestException as e:
        error = f"{type(e).__name__}: {e}"[:200]
    end = time.monotonic()
    t0 = start if intended is None else intended
    return Record(phase, client, seq, t0, start, end, end - t0, status, error)


def closed_loop(
    url: str,
    params: Mapping[str, Any] | None = None,
    *,
    clients: int = 1,
    max_requests: int = 100,
    duration_s: float = 10.0,
    timeout_s: float = 60.0,
    phase: str = "load",
    stop: threading.Event | None = None,
    client: str = "async",
) -> list[Record]:
    """``clients`` concurrent clients, each sending its next request when its last returns,
    until ``max_requests`` were sent, ``duration_s`` passed, or ``stop`` is set. ``client``
    is one of :data:`CLIENTS`."""
    if client not in CLIENTS:
        raise ValueError(f"unknown client {client!r}; choose one of: {', '.join(CLIENTS)}")
    stop = stop or threading.Event()
    if client == "async":
        sent = http_client.closed_loop(
            url,
            params,
            clients=clients,
            max_requests=max_requests,
            duration_s=duration_s,
            timeout_s=timeout_s,
            stop=stop,
        )
        recs = [Record(phase, c, seq, t0, t0, t1, t1 - t0, status, err) for c, seq, t0, t1, status, err in sent]
        return sorted(recs, key=lambda r: r.seq)
    records: list[Record] = []
    lock = threading.Lock()
    sent_count = 0
    deadline = time.monotonic() + duration_s

    def one_client(c: int) -> None:
        nonlocal sent_count
        with requests.Session() as session:
            while not stop.is_set() and time.monotonic() < deadline:
                with lock:
                    if sent_count >= max_requests:
                        return
                    seq = sent_count
                    sent_count += 1
                rec = _send(session, url, params, timeout=timeout_s, phase=phase, client=c, seq=seq, intended=None)
                with lock:
                    records.append(rec)

    threads = [threading.Thread(target=one_client, args=(c,), name=f"load-client-{c}") for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(records, key=lambda r: r.seq)


def open_loop(
    url: str,
    params: Mapping[str, Any] | None = None,
    *,
    rate: float = 10.0,
    max_requests: int = 100,
    duration_s: float = 10.0,
    timeout_s: float = 60.0,
    phase: str = "load",
    stop: threading.Event | None = None,
) -> list[Record]:
    """Requests at ``rate`` per second, each timed from its intended send time, until
    ``max_requests`` were scheduled, ``duration_s`` passed, or ``stop`` is set."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    stop = stop or threading.Event()
    local = threading.local()

    def send(seq: int, intended: float) -> Record:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return _send(local.session, url, params, timeout=timeout_s, phase=phase, client=0, seq=seq, intended=intended)

    futures = []
    t0 = time.monotonic()
    with ThreadPoolExecutor(OPEN_LOOP_MAX_IN_FLIGHT, thread_name_prefix="open-loop") as ex:
        for seq in range(max_requests):
            intended = t0 + seq / rate
            if intended - t0 > duration_s or stop.is_set():
                break
            delay = intended - time.monotonic()
            if delay > 0 and stop.wait(delay):
                break
            futures.append(ex.submit(send, seq, intended))
        return [f.result() for f in futures]


def blocking_probe(
    ping_url: str,
    heavy_url: str,
    heavy_params: Mapping[str, Any],
    *,
    heavy_clients: int = 2,
    ping_rate: float = 20.0,
    duration_s: float = 10.0,
    baseline_s: float = 2.0,
    timeout_s: float = 120.0,
    max_heavy: int = 10_000,
    warmup: int = 1,
) -> list[Record]:
    """``warmup`` heavy requests one after another (phase "warmup": what a first request
    starts, such as the app's process pool, is then started), pings of ``ping_url`` at
    ``ping_rate`` for ``baseline_s`` alone (phase "baseline"), then for ``duration_s`` while
    ``heavy_clients`` send heavy requests in a closed loop (phases "ping" and "heavy"). The
    heavy load stops when the pinging does."""
    out = []
    if warmup:
        out += closed_loop(
            heavy_url, heavy_params, max_requests=warmup, duration_s=timeout_s, timeout_s=timeout_s, phase="warmup"
        )

    def pings(phase: str, duration_s: float) -> list[Record]:
        most = int(ping_rate * duration_s) + 1
        return open_loop(
            ping_url, rate=ping_rate, max_requests=most, duration_s=duration_s, timeout_s=timeout_s, phase=phase
        )

    out += pings("baseline", baseline_s)
    stop = threading.Event()
    heavy: list[Record] = []

    def load() -> None:
        heavy.extend(
            closed_loop(
                heavy_url,
                heavy_params,
                clients=heavy_clients,
                max_requests=max_heavy,
                duration_s=duration_s,
                timeout_s=timeout_s,
                phase="heavy",
                stop=stop,
            )
        )

    loader = threading.Thread(target=load, name="heavy-load")
    loader.start()
    try:
        out += pings("ping", duration_s)
    finally:
        stop.set()
        loader.join()
    return out + heavy


def frame(records: list[Record]) -> pd.DataFrame:
    """Records as a DataFrame, one row per request."""
    return frame_of(Record, records)


def _percentile(q: float) -> Callable[..., Any]:
    return lambda x, axis=-1: np.percentile(x, q, axis=axis)


#: Windows a phase is cut into for the throughput's interval: at most this many...
THROUGHPUT_WINDOWS = 10
#: ...and few enough that each holds this many successful requests on average.
REQUESTS_PER_WINDOW = 3


def throughput_ci(ends: npt.NDArray[np.float64], *, start: float, span: float) -> stats.Estimate:
    """Successful requests per second over ``span`` seconds from ``start``, given their end
    times, with a 95% interval: the phase is cut into equal windows (up to
    :data:`THROUGHPUT_WINDOWS`, each with about :data:`REQUESTS_PER_WINDOW` requests) and the
    mean of the windows' rates is bootstrapped. No interval below two windows."""
    if not span or not np.isfinite(span) or span <= 0:
        return stats.Estimate(float("nan"), float("nan"), float("nan"))
    value = len(ends) / span
    windows = min(THROUGHPUT_WINDOWS, len(ends) // REQUESTS_PER_WINDOW)
    if windows < 2:
        return stats.Estimate(value, float("nan"), float("nan"))
    counts, _ = np.histogram(ends, bins=windows, range=(start, start + span))
    e = stats.statistic_ci(counts / (span / windows), np.mean)
    return stats.Estimate(value, min(e.low, value), max(e.high, value))  # same mean, up to rounding


def _phase_summary(phase: str, g: pd.DataFrame) -> PhaseSummary:
    """One phase's requests, errors, throughput (successful requests per second over the
    phase's span, with a 95% interval from :func:`throughput_ci`), and latency p50/p90/p99/max
    in milliseconds with 95% bootstrap intervals for the percentiles."""
    ok = g[(g["status"] > 0) & (g["status"] < 400)]
    start = float(g["intended"].min()) if len(g) else np.nan
    span = float(g["end"].max()) - start if len(g) else np.nan
    tp = throughput_ci(ok["end"].to_numpy(dtype=float), start=start, span=span)
    lat = ok["latency_s"].to_numpy(dtype=float) * 1000
    p50, p90, p99 = (stats.statistic_ci(lat, _percentile(q)) for q in (50, 90, 99))
    return PhaseSummary(
        phase=phase,
        requests=len(g),
        errors=len(g) - len(ok),
        throughput_rps=tp.value,
        throughput_low_rps=tp.low,
        throughput_high_rps=tp.high,
        p50_ms=p50.value,
        p50_low_ms=p50.low,
        p50_high_ms=p50.high,
        p90_ms=p90.value,
        p90_low_ms=p90.low,
        p90_high_ms=p90.high,
        p99_ms=p99.value,
        p99_low_ms=p99.low,
        p99_high_ms=p99.high,
        max_ms=float(lat.max()) if len(lat) else np.nan,
    )


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`_phase_summary` of each phase, in the order the phases first appear."""
    return frame_of(PhaseSummary, [_phase_summary(str(phase), g) for phase, g in df.groupby("phase", sort=False)])


def summarize_by(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The summary of the requests of each value of ``keys`` (a setup and its client count, a
    URL and its client count) as one phase "load", the keys first, in the order they appear."""
    parts = []
    for _, g in df.groupby(keys, sort=False):
        s = summarize(g.assign(phase="load"))
        for k in keys:  # the group's own values
            s[k] = g[k].iloc[0]
        parts.append(s)
    if not parts:
        return pd.DataFrame(columns=keys + [f.name for f in fields(PhaseSummary)])
    return pd.concat(parts, ignore_index=True)[keys + [c for c in parts[0].columns if c not in keys]]
