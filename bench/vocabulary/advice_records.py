"""What ``bench advise`` measures and keeps, typed once and versioned.

- :class:`Traits`: what one call of a function does on this machine (measured by
  :mod:`bench.instrument.traits`), the model's only input besides the cores and overheads;
- :class:`AdviceRow`: one way of running n calls, predicted against measured;
- :class:`AdviceRecord`: one function's advice (``advise --json``), :data:`ADVICE_FORMAT`;
- :class:`AccuracyRecord`: the model's accuracy over a list of functions
  (``advise --accuracy``), :data:`ACCURACY_FORMAT`.

:func:`read_accuracy` reads a record this version knows and refuses any other format with
:class:`~bench.vocabulary.records.UnknownFormat`, as run folders are read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from bench.vocabulary.records import Environment, MachineState, UnknownFormat

#: The format of ``advise --json``'s record. 1: the first.
ADVICE_FORMAT = 1
#: The format of ``advise --accuracy``'s record. 1: the first.
ACCURACY_FORMAT = 1

#: The committed accuracy record (``advise --accuracy``), which ``bench docs`` renders.
ACCURACY_RECORD = Path("data") / "advice" / "accuracy.json"

#: Where a row's calls ran: in this process with no server, in a process of another Python
#: (``threads`` under it), or behind a framework's server in a process of its own.
IN_PROCESS = "in process"
#: The strategies in the order every table lists them; the first is the baseline.
STRATEGIES = ("sequential", "gather", "threads", "processes")
BASELINE = STRATEGIES[0]


@dataclass(frozen=True)
class Traits:
    """What one call does on this machine, each a median over a few calls (see
    :mod:`bench.instrument.traits`). Seconds on the wall unless said; CPU is the calling
    thread's (with BLAS pinned to one thread per task, as the servers pin it)."""

    #: One call on the calling thread, as one after another runs it, and its CPU.
    wall_s: float
    cpu_s: float
    #: One call on a fresh thread, as the ``threads`` strategy runs it, and its CPU.
    thread_wall_s: float
    thread_cpu_s: float
    #: Two calls on two threads at once: first start to last end.
    two_threads_s: float
    #: One call in a process pool's worker, its CPU, and two calls in two workers at once (NaN:
    #: not measured, as under another Python, where only threads are).
    process_wall_s: float = float("nan")
    process_cpu_s: float = float("nan")
    two_processes_s: float = float("nan")
    #: Whether it is a coroutine function; for one, what one awaited call spends awaiting
    #: (its running share is ``async_wall_s - await_s``), measured on an event loop.
    coroutine: bool = False
    async_wall_s: float = 0.0
    await_s: float = 0.0
    #: Its result pickled (bytes; -1: it cannot be), and pickling and unpickling it (s).
    result_bytes: int = 0
    result_pickle_s: float = 0.0
    #: What a process pool's worker receives per task (the workload, pickled) and unpickles.
    sent_bytes: int = 0
    unpickle_s: float = 0.0
    #: Its peak traced memory (bytes).
    peak_bytes: int = 0
    #: How many calls each median rests on.
    repeats: int = 0
    #: The interpreter it was measured under (version and build), and whether its GIL was on.
    interpreter: str = ""
    gil_enabled: bool = True


class TraitsRecord(TypedDict):
    """:class:`Traits` as JSON, with the shares the model derives from them: of one call's time,
    what two threads take in turns (``threads_serial_share``: the GIL, and the machine's shared
    hardware), what two processes do (``processes_serial_share``: the hardware alone), and the
    difference, the time it holds the GIL (``gil_share``)."""

    wall_s: float
    cpu_s: float
    thread_wall_s: float
    thread_cpu_s: float
    two_threads_s: float
    process_wall_s: float | None
    process_cpu_s: float | None
    two_processes_s: float | None
    threads_serial_share: float | None
    processes_serial_share: float | None
    gil_share: float | None
    coroutine: bool
    async_wall_s: float
    await_s: float
    result_bytes: int
    result_pickle_s: float
    sent_bytes: int
    unpickle_s: float
    peak_bytes: int
    repeats: int
    interpreter: str
    gil_enabled: bool


class AdviceRow(TypedDict):
    """One way of running n calls: predicted, then measured. Times in seconds; a speed-up is
    the in-process one-after-another median over this row's; None where there is no number
    (no interval from fewer than 8 trials, a row not measured)."""

    row: str
    strategy: str
    where: str
    predicted_s: float | None
    predicted_speedup: float | None
    predicted_parallelism: float | None
    median_s: float | None
    median_low: float | None
    median_high: float | None
    speedup: float | None
    speedup_low: float | None
    speedup_high: float | None
    trials: int
    parallelism: float | None
    overlap: float | None
    #: predicted speed-up / measured speed-up - 1.
    error: float | None
    #: Whether the prediction is within the tolerance of the measurement, or inside its interval.
    within: bool | None
    #: against one after another: "faster", "slower", "unresolved", "baseline", "too few", "not measured".
    verdict: str
    note: str
    times: list[float]


class AccuracySummary(TypedDict):
    """How well the predictions held over the rows judged (every row but the baseline)."""

    rows: int
    within: int
    median_error: float | None
    worst_error: float | None
    worst_row: str


class _AdviceAlways(TypedDict):
    format: int
    kind: str
    function: str
    args: str
    n: int
    cores: int
    workers: int
    seed: int
    rounds: int
    started_at: str
    ended_at: str
    elapsed_s: float
    traits: TraitsRecord
    #: The same traits under the other Python (``--python``), None without one.
    other_traits: TraitsRecord | None
    other_python: str
    pool_start_s: float
    #: Each row's overhead: the median of the same trials of a call that does nothing.
    overhead_s: dict[str, float]
    rows: list[AdviceRow]
    advice: str
    advised: str | None
    accuracy: AccuracySummary


class AdviceRecord(_AdviceAlways, total=False):
    """One function's advice (``python -m bench advise --json``); its environment and the
    machine's state where it was made alone (an accuracy record keeps one for all)."""

    environment: Environment
    machine_state: MachineState | None


class AccuracyRecord(TypedDict):
    """The model's accuracy over functions of different kinds (``advise --accuracy``)."""

    format: int
    kind: str
    n: int
    started_at: str
    ended_at: str
    environment: Environment
    machine_state: MachineState | None
    functions: list[AdviceRecord]
    summary: AccuracySummary


def number(x: float) -> float | None:
    """``x`` for JSON: None where it is not a finite number."""
    return float(x) if isinstance(x, int | float) and math.isfinite(x) else None


def read_accuracy(raw: dict[str, Any], where: str) -> AccuracyRecord:
    """``raw`` as an :class:`AccuracyRecord`; :class:`UnknownFormat` naming ``where`` for a
    record of another kind or a format this version does not read."""
    fmt = raw.get("format")
    if raw.get("kind") != "advice-accuracy" or fmt != ACCURACY_FORMAT or isinstance(fmt, bool):
        raise UnknownFormat(
            f"{where}: not an advice accuracy record of format {ACCURACY_FORMAT} (kind {raw.get('kind')!r}, "
            f"format {fmt!r}); make it again with python -m bench advise --accuracy"
        )
    return AccuracyRecord(**raw)  # type: ignore[typeddict-item]
