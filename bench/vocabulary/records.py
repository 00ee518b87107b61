"""The records a run keeps, each typed once, and the format they are written in.

- :class:`TrialRow`: one row of ``trials.csv`` (:class:`Measurement` is what a trial
  measured; the rest says which trial it was);
- :class:`RunMeta`: ``meta.json``, whose ``"format"`` is the format of the whole run folder
  (:data:`META_FORMAT`);
- :class:`PhaseSummary`: one row of a load run's ``summary.csv``.

:func:`upgrade_meta` reads any format this version knows (a run folder written before the
``"format"`` field existed is format 1) and refuses any other with :class:`UnknownFormat`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, TypedDict, cast

import pandas as pd

#: The format of run folders this version writes. 1: before meta.json had a "format"
#: field. 2: that field; meta.json's servers record their options and command line; a load
#: run records when it ended and whether it was interrupted. 3: trials of a request sent
#: twice back to back (``back_to_back``, ``b2b_wall_s``) and the server's CPU until it is
#: idle again (``server_cpu_to_idle_s``); meta.json's ``targets`` and ``stopping``. 4: each
#: trial's ``pool_workers`` and ``task_threads`` (what its tasks could run on). 5: the
#: interpreter each trial ran under: which one it was asked for (``python``: "" the project's,
#: ``"freethreaded"``), what it was (``interpreter``, version and build) and whether its GIL
#: was on (``gil_enabled``), and the concurrent clients of a burst (``clients``); meta.json's
#: servers record the same (see :func:`upgrade_meta` and :func:`bench.instrument.store.Run.trials` for
#: what older folders are given). 6: each trial's ``block`` (a stretch of the run with servers
#: of its own: the servers' processes are its instances); meta.json's servers record their
#: block, and its ``warmup`` how many warm-up trials each server took and whether it reached
#: a steady state (older folders: one block, 0). 7: meta.json's ``cpu`` records its frequency
#: and governor where readable, and ``machine_state`` how loaded the machine was at the start
#: and through the run (older folders: none recorded). 8: each trial's ``parallelism`` is how many
#: tasks ran at once (the CPU time of the threads that ran them over their span, from each
#: task's CPU readings in ``tasks``), and ``overlap`` how many were in progress at once (their
#: summed wall time over their span: what formats 1-7 called ``parallelism``; older trials
#: read as their ``overlap``, with no ``parallelism``).
META_FORMAT = 8
KNOWN_FORMATS = (1, 2, 3, 4, 5, 6, 7, 8)

NAN = math.nan


@dataclass(frozen=True)
class Measurement:
    """What one trial measured; NaN (or "") where nothing could be. See :mod:`bench.frontends.preset_runner`."""

    status: int = 0
    error: str = ""
    client_wall_s: float = NAN
    client_cpu_s: float = NAN
    client_process_cpu_s: float = NAN
    server_pid: int = 0
    server_is_client_process: bool = False
    server_process_cpu_s: float = NAN
    server_wall_s: float = NAN
    server_cpu_s: float = NAN
    blas_threads: float = NAN
    #: The app's process pool's size (the measuring process's own for the ideal), and the
    #: threads the strategy started (format 4; NaN before).
    pool_workers: float = NAN
    task_threads: float = NAN
    peak_rss_bytes: float = NAN
    peak_rss_method: str = ""
    minor_faults: float = NAN
    major_faults: float = NAN
    #: How many tasks ran at once: the CPU time of the threads that ran them over their span
    #: (format 8; NaN before, when ``parallelism`` held what is now ``overlap``).
    parallelism: float = NAN
    #: How many tasks were in progress at once: their summed wall time over their span.
    overlap: float = NAN
    tasks_sum_s: float = NAN
    tasks_window_s: float = NAN
    #: When the client sent the request, on the tasks' ``time.monotonic`` clock.
    sent_mono: float = NAN
    #: The task timeline, as JSON: ``[{index, start, end, pid, thread, cpu_start, cpu_end}, ...]``
    #: (the CPU readings from format 8).
    tasks: str = "[]"
    #: Back-to-back trials: the wall time of the same request sent again the moment the
    #: first answered, on the same connection (one client in a closed loop).
    b2b_wall_s: float = NAN
    #: Process mode: the server's CPU (its whole process tree) per request, from the first
    #: request's send until the server is idle again after the last, so that work done after
    #: an answer (freeing results, collecting garbage) counts.
    server_cpu_to_idle_s: float = NAN
    #: The interpreter that ran the tasks, version and build (``"3.13.5 free-threading"``), and
    #: whether its GIL was on, as the server said after the request (the measuring process,
    #: or the free-threaded ideal's runner, for the ideal); "" and None where nothing answered.
    interpreter: str = ""
    gil_enabled: bool | None = None


@dataclass(frozen=True)
class TrialRow:
    """One row of ``trials.csv``: which trial, of which configuration, and what it measured."""

    run_id: str
    seq: int
    repeat: int
    warmup: bool
    framework: str
    variant: str
    mode: str
    server: str
    endpoint: str
    workload: str
    strategy: str
    n: int
    size: int
    back_to_back: bool
    started_at: str
    memory_wait_s: float
    quiet_wait_s: float
    measured: Measurement
    #: The interpreter asked for (:data:`bench.vocabulary.config.PYTHONS`) and the concurrent clients.
    python: str = ""
    clients: int = 1
    #: The block of the run it was measured in (:attr:`bench.vocabulary.config.Preset.blocks`), from 0.
    block: int = 0

    def record(self) -> dict[str, Any]:
        """The row as trials.csv holds it, column by column (see :data:`COLUMNS`)."""
        ids = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "measured"}
        return {**ids, **asdict(self.measured)}


#: The columns of trials.csv, in order.
COLUMNS: tuple[str, ...] = tuple(
    [f.name for f in fields(TrialRow) if f.name != "measured"] + [f.name for f in fields(Measurement)]
)


@dataclass(frozen=True)
class PhaseSummary:
    """One phase of a load run: requests, errors, throughput and latency, with 95% intervals."""

    phase: str
    requests: int
    errors: int
    throughput_rps: float
    throughput_low_rps: float
    throughput_high_rps: float
    p50_ms: float
    p50_low_ms: float
    p50_high_ms: float
    p90_ms: float
    p90_low_ms: float
    p90_high_ms: float
    p99_ms: float
    p99_low_ms: float
    p99_high_ms: float
    max_ms: float


def json_safe(x: Any) -> Any:
    """``x`` with every float that is not finite as None, inside dicts, lists and tuples too
    (a tuple becomes a list): JSON has no NaN."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [json_safe(v) for v in x]
    return x


def frame_of(cls: type, records: Iterable[Any]) -> pd.DataFrame:
    """Dataclass records as a DataFrame with one column per field, in order (also when empty)."""
    return pd.DataFrame([asdict(r) for r in records], columns=[f.name for f in fields(cls)])


class ServerRecord(TypedDict):
    """A server a run started: its options and the command line that serves them."""

    framework: str
    mode: str
    variant: str
    server: str
    options: dict[str, Any]
    command: str
    pid: int
    url: str
    #: The interpreter asked for, and what the server's ``/ping`` said of its own once started.
    python: str
    interpreter: str
    gil_enabled: bool | None
    #: The block of the run it served (format 6; 0 before).
    block: int


class WarmupRecord(TypedDict):
    """How one server of one block was warmed up: its probe (the configuration whose times
    the steady-state detector read), the warm-up trials it took (all its configurations'),
    and whether its probe's times stopped drifting (:func:`bench.instrument.steady.steadiness`)."""

    block: int
    framework: str
    mode: str
    variant: str
    python: str
    probe: str
    warmup_trials: int
    probe_trials: int
    steady: bool
    #: The relative change of the probe's median over its last two windows (None: too few).
    change: float | None


class GitInfo(TypedDict):
    commit: str | None
    dirty: bool | None
    changed: list[str]


class CpuInfo(TypedDict):
    model: str
    logical_cores: int | None
    physical_cores: int | None
    usable_cores: int | None
    #: The frequency now and its range, in MHz, and the scaling governor, where readable
    #: (format 7; None before, and where the system does not say).
    frequency_mhz: dict[str, float] | None
    governor: str | None


class StartState(TypedDict):
    """The machine just before a run started anything (:func:`bench.instrument.machine_state.check`)."""

    load_1min: float
    #: Cores other processes used over a second, and the busiest of them.
    others_cores: float
    busiest: dict[str, Any] | None
    busy: bool
    reasons: list[str]


class MachineState(TypedDict):
    """How loaded the machine was at the start and through a run, read every ``every_s``
    seconds (:class:`bench.instrument.machine_state.Sampler`); ``busy`` with its reasons."""

    at_start: StartState
    every_s: float
    samples: int
    load_1min_mean: float | None
    load_1min_max: float | None
    others_cores_mean: float | None
    others_cores_max: float | None
    busy: bool
    reasons: list[str]


class MemoryInfo(TypedDict):
    total_bytes: int
    available_bytes_at_start: int
    swap_total_bytes: int


class Environment(TypedDict):
    """What a run's results depend on besides its own settings (see :mod:`bench.instrument.environment`)."""

    python: dict[str, str]
    platform: dict[str, str]
    cpu: CpuInfo
    memory: MemoryInfo
    packages: dict[str, str | None]
    blas: list[dict[str, Any]]
    env: dict[str, str]
    git: GitInfo


RunKind = Literal["trials", "load", "external"]


class _MetaAlways(Environment):
    format: int
    kind: RunKind
    run_id: str
    started_at: str
    ended_at: str | None
    completed: bool
    interrupted: bool


class RunMeta(_MetaAlways, total=False):
    """meta.json. Every run has the keys of :class:`_MetaAlways`; a preset's run (kind
    "trials") the preset, its schedule and its servers; a load run its load preset, or the URL
    it loaded."""

    preset: dict[str, Any]
    seed: int
    configs: list[dict[str, Any]]
    trials_planned: int
    trials_started: int
    trials_done: int
    trials_failed: int
    #: The figures with a precision target, and how the run stopped measuring them.
    targets: dict[str, float]
    stopping: dict[str, Any]
    memory_guard: dict[str, Any]
    servers: list[ServerRecord]
    #: Per block and server, its warm-up (format 6).
    warmup: list[WarmupRecord]
    client_pid: int
    load_preset: dict[str, Any]
    #: What ``bench load --url`` loaded (a load run of a URL, not of a preset).
    load_url: dict[str, Any]
    requests: int
    #: How loaded the machine was (format 7; None: not recorded).
    machine_state: MachineState | None


class RunDataError(ValueError):
    """A run folder whose meta.json or trials.csv cannot be read; the message says which."""


class UnknownFormat(RunDataError):
    """meta.json of a format this version does not read."""


def project_interpreter(meta: dict[str, Any]) -> str:
    """The interpreter a run's environment names (``"3.11.7"``, the first word of its
    ``sys.version``): what a run folder older than format 5 ran every trial and server under."""
    words = str(meta.get("python", {}).get("version", "")).split()
    return words[0] if words else ""


def upgrade_meta(raw: dict[str, Any], where: str) -> RunMeta:
    """``raw`` meta.json as the current format; :class:`UnknownFormat` (naming ``where``, the
    folder, and the format) when it is none this version knows."""
    fmt = raw.get("format", 1)
    if fmt not in KNOWN_FORMATS or isinstance(fmt, bool):
        known = ", ".join(str(f) for f in KNOWN_FORMATS)
        raise UnknownFormat(
            f"{where}: meta.json is in format {fmt!r}, which this version of bench does not read "
            f"(it reads formats {known}); report it with the version that wrote it"
        )
    meta = dict(raw)
    if fmt < 7:  # neither the CPU's frequency nor the machine's load was recorded
        meta.setdefault("machine_state", None)
        if isinstance(meta.get("cpu"), dict):
            meta["cpu"] = {"frequency_mhz": None, "governor": None, **meta["cpu"]}
    if fmt < 6:  # one block; how the servers were warmed up was not recorded
        meta["servers"] = [{"block": 0, **s} for s in meta.get("servers", [])]
        meta.setdefault("warmup", [])
    if fmt < 5:  # every server ran under the project's interpreter, with its GIL
        project = project_interpreter(meta)
        meta["servers"] = [
            {"python": "", "interpreter": project, "gil_enabled": True, **s} for s in meta.get("servers", [])
        ]
    if fmt < 3:
        meta.setdefault("targets", {})
    if fmt == 1:
        meta.setdefault("kind", "trials")
        meta.setdefault("run_id", where.rstrip("/").rsplit("/", 1)[-1])
        meta.setdefault("started_at", "")
        meta.setdefault("ended_at", None)
        meta.setdefault("completed", False)
        meta.setdefault("interrupted", False)
        if "trials_done" in meta:
            meta.setdefault("trials_started", meta["trials_done"])
            meta.setdefault("trials_failed", 0)
        meta["servers"] = [
            {"server": "", "options": {}, "command": "", "pid": 0, "url": "", **s} for s in meta.get("servers", [])
        ]
        for key, empty in (("packages", {}), ("blas", []), ("env", {}), ("python", {}), ("platform", {})):
            meta.setdefault(key, empty)
        meta.setdefault("git", {"commit": None, "dirty": None, "changed": []})
        meta.setdefault(
            "cpu",
            {
                "model": "",
                "logical_cores": None,
                "physical_cores": None,
                "usable_cores": None,
                "frequency_mhz": None,
                "governor": None,
            },
        )
        meta.setdefault("memory", {"total_bytes": 0, "available_bytes_at_start": 0, "swap_total_bytes": 0})
    meta["format"] = META_FORMAT
    return cast(RunMeta, meta)
