"""Independent load generators, run against our servers and read into bench's own tables.

- :func:`locust` runs Locust headless (``loadtest/locustfile.py``) and reads its CSV
  statistics into the columns of :func:`bench.load.summarize`;
- :func:`wrk` runs ``wrk`` (Debian's package, installed here when missing and allowed) and
  parses its latency distribution into the same columns.

Both only ever target the URL they are given; callers give loopback servers they started.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "loadtest" / "locustfile.py"
SUMMARY_COLUMNS = ["tool", "name", "requests", "errors", "throughput_rps", "p50_ms", "p90_ms", "p99_ms", "max_ms"]


def locust(
    host: str,
    out_prefix: Path,
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
    return read_locust(stats_path)


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


def debian_program(program: str, package: str, install: bool = True) -> str | None:
    """The path of ``program``; when it is missing and we are root with apt-get, Debian's
    ``package`` is installed first. None when it is not there and cannot be."""
    found = shutil.which(program)
    if found or not install or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env, capture_output=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return shutil.which(program)


def wrk_binary(install: bool = True) -> str | None:
    """The wrk program; installed from Debian's packages when missing, if we are root."""
    return debian_program("wrk", "wrk", install)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(output: str, name: str) -> pd.DataFrame:
    """wrk's ``--latency`` report as one summary row."""
    dist = {int(p): _ms(v) for p, v in re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.M)}
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
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


def wrk(
    url: str, connections: int, duration_s: int, threads: int = 1, timeout_s: float = 600, binary: str | None = None
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


def bench_row(tool: str, name: str, summary: pd.DataFrame) -> pd.DataFrame:
    """A :func:`bench.load.summarize` row in these columns."""
    s = summary.iloc[0]
    return pd.DataFrame(
        [
            {
                "tool": tool,
                "name": name,
                "requests": s["requests"],
                "errors": s["errors"],
                "throughput_rps": s["throughput_rps"],
                "p50_ms": s["p50_ms"],
                "p90_ms": s["p90_ms"],
                "p99_ms": s["p99_ms"],
                "max_ms": s["max_ms"],
            }
        ],
        columns=SUMMARY_COLUMNS,
    )


def crosscheck(framework: str, connections: int, duration_s: int, heavy_query: str, size: int = 1000) -> pd.DataFrame:
    """bench's closed loop and wrk, one after the other on the same server (process mode),
    for ``/ping`` and for a heavy ``/run``: one row per tool and endpoint."""
    from servers import launch

    from . import load

    rows = []
    with launch.serve(framework, "process", size=size, timeout=60) as s:
        for name, path in (("/ping", "/ping"), ("/run", f"/run?{heavy_query}")):
            url = s.url + path
            recs = load.closed_loop(url, None, connections, 10**9, duration_s, 120)
            rows.append(bench_row("bench", name, load.summarize(load.frame(recs))))
            rows.append(wrk(url, connections, duration_s).assign(name=name))
    return pd.concat(rows, ignore_index=True)


def locust_against(
    framework: str,
    users: int,
    run_time_s: int,
    out_prefix: Path,
    endpoint: str = "async",
    heavy: dict[str, str] | None = None,
    size: int = 1000,
) -> pd.DataFrame:
    """Start ``framework`` (process mode, loopback) and run the locustfile's two users against it."""
    from servers import launch

    env = {"FANOUT_ENDPOINT": endpoint, **{f"FANOUT_{k.upper()}": str(v) for k, v in (heavy or {}).items()}}
    with launch.serve(framework, "process", size=size, timeout=60) as s:
        return locust(s.url, out_prefix, users, users, run_time_s, env)


def locust_distributed(
    host: str,
    out_prefix: Path,
    workers: int,
    users: int,
    run_time_s: int,
    env: dict[str, str] | None = None,
    timeout_s: float = 600,
) -> pd.DataFrame:
    """One Locust master and ``workers`` workers, all on this machine's loopback (the set-up
    the README describes for several machines), against ``host``; the master's statistics."""
    from servers.launch import bind_socket

    probe = bind_socket("127.0.0.1", 0)  # a free port for the master
    master_port = probe.getsockname()[1]
    probe.close()
    full_env = {**os.environ, **(env or {})}
    base = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    master = subprocess.Popen(
        base
        + [
            "--master",
            "--headless",
            "--expect-workers",
            str(workers),
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(master_port),
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{run_time_s}s",
            "--host",
            host,
            "--csv",
            str(out_prefix),
            "--only-summary",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
        start_new_session=True,
    )
    procs = [
        subprocess.Popen(
            base + ["--worker", "--master-host", "127.0.0.1", "--master-port", str(master_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=full_env,
            start_new_session=True,
        )
        for _ in range(workers)
    ]
    try:
        _, err = master.communicate(timeout=timeout_s)
        for p in procs:
            p.wait(timeout=30)  # workers quit when the master does
    finally:
        for p in [master, *procs]:
            if p.poll() is None:
                os.killpg(p.pid, 15)
                p.wait(timeout=30)
    stats = Path(f"{out_prefix}_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"the locust master wrote no statistics (exit {master.returncode}): {err[-2000:]}")
    return read_locust(stats)
