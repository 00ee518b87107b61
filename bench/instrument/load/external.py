"""Independent load generators, run against our servers and read into bench's own tables.

- :func:`_locust` runs Locust headless (``loadtest/locustfile.py``) and reads its CSV
  statistics into the columns of :func:`bench.instrument.load.loops.summarize`;
- :func:`_wrk` runs ``_wrk`` (Debian's package, installed here when missing and allowed) and
  parses its latency distribution into the same columns.

Both only ever target the URL they are given; callers give loopback servers they started.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.instrument import debian
from bench.instrument.load import loops
from bench.instrument.store import CHECKOUT
from servers import harness

LOCUSTFILE = CHECKOUT / "loadtest" / "locustfile.py"
#: The load generators ``python -m bench external`` can run, in order: bench's closed loop
#: (its light client, :mod:`bench.instrument.load.http_client`), the same with a thread and ``requests`` per
#: client (what single trials use), wrk, Locust.
TOOLS = ("bench", "bench-threads", "wrk", "locust")
#: The ones it runs unless told otherwise.
DEFAULT_TOOLS = ("bench", "wrk", "locust")
#: bench's tools and the closed loop's client each uses.
BENCH_CLIENTS = {"bench": "async", "bench-threads": "threads"}
SUMMARY_COLUMNS = [
    "tool",
    "name",
    "requests",
    "errors",
    "throughput_rps",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "max_ms",
    "client_cpu_ms",
]


def _children_cpu_s() -> float:
    """CPU seconds of this process's finished child processes so far (wrk, Locust)."""
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def _per_request_cpu_ms(table: pd.DataFrame, cpu_s: float) -> pd.DataFrame:
    """``table`` with ``client_cpu_ms``: ``cpu_s`` spread over all its requests, in ms."""
    total = int(table["requests"].sum())
    return table.assign(client_cpu_ms=1000 * cpu_s / total if total else float("nan"))


def _locust(
    host: str,
    out_prefix: Path,
    *,
    users: int,
    spawn_rate: float,
    run_time_s: int,
    env: dict[str, str] | None = None,
    timeout_s: float = 600,
) -> pd.DataFrame:
    """Run Locust headless against ``host`` and return one row per request name."""
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        host,
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        f"{run_time_s}s",
        "--csv",
        str(out_prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env={**os.environ, **(env or {})})
    stats_path = Path(f"{out_prefix}_stats.csv")
    if not stats_path.exists():
        raise RuntimeError(f"locust wrote no statistics (exit {r.returncode}):\n{r.stderr[-2000:]}")
    table = read_locust(stats_path)
    if table.empty:
        raise RuntimeError(
            f"Locust recorded no request in {run_time_s} s; give it a few seconds more. It said:\n{r.stderr[-2000:]}"
        )
    return table


def read_locust(stats_csv: Path) -> pd.DataFrame:
    """Locust's ``*_stats.csv`` in bench's summary columns (the Aggregated row dropped)."""
    s = pd.read_csv(stats_csv)
    s = s[s["Name"] != "Aggregated"]
    return pd.DataFrame(
        {
            "tool": "locust",
            "name": s["Name"],
            "requests": s["Request Count"],
            "errors": s["Failure Count"],
            "throughput_rps": s["Requests/s"],
            "p50_ms": s["50%"],
            "p90_ms": s["90%"],
            "p99_ms": s["99%"],
            "max_ms": s["Max Response Time"],
        },
        columns=SUMMARY_COLUMNS,
    ).reset_index(drop=True)


def wrk_binary(install: bool = True) -> str | None:
    """The wrk program; installed from Debian's packages when missing, if we are root."""
    return debian.program("wrk", "wrk", install=install)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def _found(pattern: str, output: str) -> str:
    m = re.search(pattern, output)
    if m is None:
        raise ValueError(f"not a wrk report: no match for {pattern!r} in {output[:300]!r}")
    return m.group(1)


def parse_wrk(output: str, name: str) -> pd.DataFrame:
    """wrk's ``--latency`` report as one summary row."""
    dist = {int(p): _ms(v) for p, v in re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.M)}
    requests = int(_found(r"(\d+) requests in", output))
    rps = float(_found(r"Requests/sec:\s+([\d.]+)", output))
    maxv = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", output)
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non2xx.group(1)) if non2xx else 0
    return pd.DataFrame(
        [
            {
                "tool": "wrk",
                "name": name,
                "requests": requests,
                "errors": errors,
                "throughput_rps": rps,
                "p50_ms": dist.get(50, np.nan),
                "p90_ms": dist.get(90, np.nan),
                "p99_ms": dist.get(99, np.nan),
                "max_ms": _ms(maxv.group(1)) if maxv else np.nan,
            }
        ],
        columns=SUMMARY_COLUMNS,
    )


def _wrk(
    url: str,
    *,
    connections: int,
    duration_s: int,
    threads: int = 1,
    timeout_s: float = 600,
    binary: str | None = None,
) -> pd.DataFrame:
    """Run wrk (closed loop: ``connections`` connections, each sending when answered)."""
    binary = binary or wrk_binary()
    if binary is None:
        raise RuntimeError("wrk is not installed and could not be (needs root and Debian's apt)")
    threads = min(threads, connections)
    r = subprocess.run(
        [binary, f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--latency", "--timeout", "60s", url],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    if r.returncode != 0:
        raise RuntimeError(f"wrk failed (exit {r.returncode}): {r.stderr[-1000:]}")
    return parse_wrk(r.stdout, url.split("/", 3)[-1] if url.count("/") >= 3 else url)


def _bench_row(tool: str, name: str, summary: pd.DataFrame) -> pd.DataFrame:
    """A :func:`bench.instrument.load.loops.summarize` row in these columns."""
    return summary.iloc[:1].assign(tool=tool, name=name).reindex(columns=SUMMARY_COLUMNS)


def crosscheck(
    framework: str,
    *,
    connections: int,
    duration_s: int,
    heavy_query: str,
    size: int = 1000,
    tools: tuple[str, ...] = ("bench", "wrk"),
) -> pd.DataFrame:
    """bench's closed loops and wrk (those of them in ``tools``), one after the other on the
    same server (process mode), for ``/ping`` and for a heavy ``/run``: one row per tool and
    endpoint, with each client's CPU per request (bench's: this process's CPU, the server
    being another process; wrk's: its own, as a finished child)."""
    rows = []
    with harness.serve(framework, "process", size=size, timeout=60) as s:
        for name, path in (("/ping", "/ping"), ("/run", f"/run?{heavy_query}")):
            url = s.url + path
            for tool in (t for t in tools if t in BENCH_CLIENTS):
                before = time.process_time()
                recs = loops.closed_loop(
                    url,
                    clients=connections,
                    max_requests=10**9,
                    duration_s=duration_s,
                    timeout_s=120,
                    client=BENCH_CLIENTS[tool],
                )
                cpu_s = time.process_time() - before  # the load alone, before its summary is computed
                rows.append(_per_request_cpu_ms(_bench_row(tool, name, loops.summarize(loops.frame(recs))), cpu_s))
            if "wrk" in tools:
                before = _children_cpu_s()
                table = _wrk(url, connections=connections, duration_s=duration_s)
                rows.append(_per_request_cpu_ms(table, _children_cpu_s() - before).assign(name=name))
    return pd.concat(rows, ignore_index=True)


def scenario_env(endpoint: str, heavy: dict[str, str] | None = None) -> dict[str, str]:
    """The environment that sets the locustfile's scenario (see :data:`servers.names.ENV_SCENARIO`)."""
    given = {"endpoint": endpoint, **(heavy or {})}
    unknown = set(given) - set(harness.ENV_SCENARIO)
    if unknown:
        raise ValueError(f"the locustfile has no setting {sorted(unknown)}; it reads {sorted(harness.ENV_SCENARIO)}")
    return {harness.ENV_SCENARIO[k]: str(v) for k, v in given.items()}


def locust_against(
    framework: str,
    *,
    users: int,
    run_time_s: int,
    out_prefix: Path,
    endpoint: str = "async",
    heavy: dict[str, str] | None = None,
    size: int = 1000,
) -> pd.DataFrame:
    """Start ``framework`` (process mode, loopback) and run the locustfile's two users against it."""
    with harness.serve(framework, "process", size=size, timeout=60) as s:
        before = _children_cpu_s()
        table = _locust(
            s.url, out_prefix, users=users, spawn_rate=users, run_time_s=run_time_s, env=scenario_env(endpoint, heavy)
        )
        return _per_request_cpu_ms(table, _children_cpu_s() - before)


def side_by_side(
    framework: str, *, tools: list[str], clients: int, duration_s: int, heavy_query: str, folder: Path
) -> pd.DataFrame:
    """The chosen ``tools`` (of :data:`TOOLS`), one after another against ``framework``'s
    server, for ``/ping`` and the heavy request: one table, Locust's own files in ``folder``."""
    frames = []
    if {*BENCH_CLIENTS, "wrk"} & set(tools):
        both = tuple(t for t in tools if t in (*BENCH_CLIENTS, "wrk"))
        frames.append(
            crosscheck(framework, connections=clients, duration_s=duration_s, heavy_query=heavy_query, tools=both)
        )
    if "locust" in tools:
        heavy = dict(kv.split("=", 1) for kv in heavy_query.split("&") if "=" in kv)
        frames.append(
            locust_against(framework, users=clients, run_time_s=duration_s, out_prefix=folder / "locust", heavy=heavy)
        )
    return pd.concat(frames, ignore_index=True)
