"""``python -m bench advise`` and, in a notebook, ``advise(fn)``: how a function's calls fan out
here, predicted from its traits and then measured; and the model's accuracy on record.

:func:`measure` does it for one function: its traits (:mod:`bench.instrument.traits`), each
row's overhead (the same trials of a call that does nothing), the predictions
(:mod:`bench.analysis.advice_model`), as many rounds of trials as fit :data:`BUDGET_S` (never
fewer than 8, :mod:`bench.instrument.advice_trials`), then predicted against measured and the
advice (:mod:`bench.analysis.advice`), in one versioned record. :func:`advise` returns its
table as a DataFrame and draws it; :func:`command` is the command line's; :func:`_accuracy`
measures every function of :data:`ACCURACY` into ``data/advice/accuracy.json``, which
``bench docs`` renders into docs/advise.md.
"""

from __future__ import annotations

import argparse
import json
import math
import secrets
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from IPython.display import display

from bench.analysis import advice, advice_model
from bench.instrument import environment, machine_state, traits
from bench.instrument.advice_trials import SERVED, Bench, Row, TrialFailed
from bench.instrument.progress import Progress, bar
from bench.instrument.store import now
from bench.presentation import advice_report
from bench.vocabulary.advice_records import (
    ACCURACY_FORMAT,
    ACCURACY_RECORD,
    ADVICE_FORMAT,
    BASELINE,
    IN_PROCESS,
    AccuracyRecord,
    AdviceRecord,
    AdviceRow,
    Traits,
    TraitsRecord,
)
from bench.vocabulary.records import Measurement, json_safe
from bench.vocabulary.stats import MIN_TRIALS
from servers import harness

#: Seconds the trials may take, together (the traits, the servers' start and the overheads come before).
BUDGET_S = 30.0
#: The most rounds of trials, however fast the function.
MAX_ROUNDS = 30
#: Rounds of the call that does nothing, for each row's overhead.
OVERHEAD_ROUNDS = 5
#: What a trial adds besides its calls: the wait until this process's tree is idle.
QUIET_S = 0.03
#: The functions ``--accuracy`` measures, with their arguments: the built-in workloads at about
#: a tenth of a second (the article's task, pure Python, a BLAS product, an awaited sleep), and
#: examples of other kinds (examples/tasks.py).
ACCURACY: tuple[tuple[str, str], ...] = (
    ("servers.workloads:multiply", "[1500]"),
    ("servers.workloads:python_loop", "[1300]"),
    ("servers.workloads:matmul", "[1000]"),
    ("servers.workloads:asleep", "[100]"),
    ("examples.tasks:block", ""),
    ("examples.tasks:digest", ""),
    ("examples.tasks:squeeze", ""),
    ("examples.tasks:parse", ""),
    ("examples.tasks:fetch_then_crunch", ""),
)
#: Where ``--accuracy`` writes its record, under ``--out``: the committed record's name.
ACCURACY_FILE = ACCURACY_RECORD.name
#: The row of the free-threaded Python, where there is none to measure.
NO_OTHER = (
    "threads, free-threaded",
    "no free-threaded Python here: `make freethreaded` makes one (or --python PATH names another)",
)


def _traits_record(t: Traits, cores: int) -> TraitsRecord:
    """``t`` as JSON, with the shares the model derives from it (of one call's time)."""
    threads = advice_model.gil_seconds(t, cores) / t.thread_wall_s
    processes = (
        advice_model.serial_seconds(wall=t.process_wall_s, cpu=t.process_cpu_s, two=t.two_processes_s, cores=cores)
        / t.process_wall_s
    )
    shares = {"threads_serial_share": threads, "processes_serial_share": processes}
    return cast(TraitsRecord, {**asdict(t), **shares, "gil_share": advice_model.gil_share(t, cores)})


def _median(found: Sequence[Measurement], field: str) -> float:
    values = [getattr(m, field) for m in found if math.isfinite(getattr(m, field))]
    return float(np.median(values)) if values else math.nan


def _rounds(predicted: Mapping[str, advice_model.Prediction], budget_s: float) -> int:
    """As many rounds as the predicted trials fit in ``budget_s``, at least :data:`MIN_TRIALS`."""
    per_round = sum(p.seconds + QUIET_S for p in predicted.values())
    fit = int(budget_s / per_round) if per_round > 0 else MAX_ROUNDS
    return max(MIN_TRIALS, min(MAX_ROUNDS, fit))


def measure(
    subject: traits.Subject,
    *,
    n: int | None = None,
    python: str | None = None,
    served: bool = False,
    rounds: int | None = None,
    seed: int | None = None,
    budget_s: float = BUDGET_S,
    progress: Progress = True,
    alone: bool = True,
) -> AdviceRecord:
    """Advise on ``subject`` (see the module's docstring): n calls (default: the usable cores),
    ``threads`` also under ``python`` (default: the free-threaded Python, where there is one),
    the rows through Flask and FastAPI too with ``served``; ``rounds`` of trials (default: as
    many as fit ``budget_s``, at least 8) in orders shuffled from ``seed``. ``alone``: record
    the environment and the machine's state (an accuracy record keeps them once for all)."""
    cores = environment.usable_cores() or 1
    n = cores if n is None else n
    if n < 1:
        raise ValueError(f"n is the number of calls, at least 1, not {n}")
    asked = python is not None
    python = python if asked else harness.free_threaded_python()
    if python:
        python = harness.check_python(python)
    seed = secrets.randbelow(2**31) if seed is None else seed
    described, start = machine_state.check(environment.collect) if alone else (None, None)
    if start is not None and start["busy"]:
        said = "; ".join(start["reasons"])
        print(f"warning: the machine is busy ({said}): the timings share the cores they measure", file=sys.stderr)
    sampler = machine_state.Sampler(start) if start is not None else None
    started, t0 = now(), time.perf_counter()
    with sampler or nullcontext(), Bench(subject, n=n, python=python, python_asked=asked, served=served) as b:
        if not python:
            b.unmeasured[NO_OTHER[0]] = NO_OTHER[1]
        here, there = _traits(subject, b, progress)
        with bar(progress, total=(OVERHEAD_ROUNDS + 1) * len(b.rows), desc="overheads", unit="trial") as shown:
            noop = b.rounds(traits.NOOP, rounds=OVERHEAD_ROUNDS, seed=seed, step=shown.update)
        overhead = {name: _median(found, "client_wall_s") for name, found in noop.items()}
        predicted = {
            r.name: advice_model.predict(
                there if r.python and there else here,
                r.strategy,
                n=n,
                cores=cores,
                workers=b.workers,
                overhead_s=overhead[r.name],
            )
            for r in b.rows
        }
        k = rounds or _rounds(predicted, budget_s)
        with bar(progress, total=(k + 1) * len(b.rows), desc="trials", unit="trial") as shown:
            found = b.rounds(traits.NAME, rounds=k, seed=seed + 1, step=shown.update)
    rows = _rows(b.rows, b.unmeasured, predicted, found)
    chosen = advice.advise(rows, served=SERVED)
    record = AdviceRecord(
        format=ADVICE_FORMAT,
        kind="advice",
        function=subject.label,
        args=subject.args,
        n=n,
        cores=cores,
        workers=b.workers,
        seed=seed,
        rounds=k,
        started_at=started,
        ended_at=now(),
        elapsed_s=round(time.perf_counter() - t0, 1),
        traits=_traits_record(here, cores),
        other_traits=_traits_record(there, cores) if there else None,
        other_python=python or "",
        pool_start_s=b.pool_start_s,
        overhead_s=overhead,
        rows=rows,
        advice=advice_report.words(chosen),
        advised=chosen.best["row"] if chosen.best else None,
        accuracy=advice.summary(rows),
    )
    if described is not None and sampler is not None:
        record["environment"] = described
        record["machine_state"] = sampler.state()
    return record


def _traits(subject: traits.Subject, b: Bench, progress: Progress) -> tuple[Traits, Traits | None]:
    """The function's traits here, and under the bench's other Python if it has one;
    :class:`TrialFailed` with its exception if a call raised."""
    there_spans = b.spans_there()
    try:
        with bar(progress, total=traits.REPEATS * (2 if there_spans else 1), desc="traits", unit="repeat") as shown:
            here = traits.traits(subject, b.spans_here(), said=harness.interpreter_report(), step=shown.update)
            if there_spans is None:
                return here, None
            return here, traits.traits(subject, there_spans, said=b.other_said, here=False, step=shown.update)
    except Exception as e:  # noqa: BLE001 -- the function's own failure, said as such
        raise TrialFailed(f"raised {type(e).__name__}: {e} (while its traits were measured)") from e


def _rows(
    measured_rows: Sequence[Row],
    unmeasured: Mapping[str, str],
    predicted: Mapping[str, advice_model.Prediction],
    found: Mapping[str, Sequence[Measurement]],
) -> list[AdviceRow]:
    """Every row, predicted against measured, and the rows not measured with why."""
    base = next(r.name for r in measured_rows if r.strategy == BASELINE and r.where == IN_PROCESS)
    base_times = [m.client_wall_s for m in found[base]]
    rows = [
        advice.row(
            r.name,
            strategy=r.strategy,
            where=r.where,
            predicted=predicted[r.name],
            baseline_predicted_s=predicted[base].seconds,
            measured=advice.Measured(
                [m.client_wall_s for m in found[r.name]],
                [m.parallelism for m in found[r.name]],
                [m.overlap for m in found[r.name]],
            ),
            baseline_times=base_times,
        )
        for r in measured_rows
    ]
    for name, why in unmeasured.items():
        strategy = name.split(",")[0]
        rows.append(
            advice.row(
                name,
                strategy=strategy,
                where="",
                predicted=None,
                baseline_predicted_s=predicted[base].seconds,
                measured=None,
                baseline_times=base_times,
                note=f"not measured: {why}",
            )
        )
    return rows


def advise(
    fn: Callable[..., Any],
    n: int | None = None,
    *,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    python: str | None = None,
    served: bool = False,
    rounds: int | None = None,
    seed: int | None = None,
    draw: bool = True,
    progress: Progress = True,
) -> pd.DataFrame:
    """How n calls of ``fn(*args, **kwargs)`` fan out here (a plain function or an ``async def``,
    one defined in a notebook too): its traits, each strategy's speed-up predicted and then
    measured with its interval, the error and the advice; printed, drawn (``draw``), and
    returned as a DataFrame whose ``attrs["record"]`` holds the whole record. ``served``
    measures through Flask and FastAPI too (a function a server can import only)."""
    record = measure(
        traits.from_callable(fn, args=args, kwargs=kwargs),
        n=n,
        python=python,
        served=served,
        rounds=rounds,
        seed=seed,
        progress=progress,
    )
    print(advice_report.text(record))
    if draw:
        display(advice_report.figure(record))
    table = advice_report.frame(record)
    table.attrs["record"] = record
    return table


def command(args: argparse.Namespace) -> int:
    """``advise``: 2 with one line for a bad spec, arguments or option; 1 with the function's
    own exception when a trial of it raised, or a server could not serve it; else 0."""
    if args.n is not None and args.n < 1:
        print(f"error: --n {args.n}: the number of calls, at least 1", file=sys.stderr)
        return 2
    if args.trials is not None and args.trials < MIN_TRIALS:
        print(f"error: --trials {args.trials}: at least {MIN_TRIALS}, the fewest an interval rests on", file=sys.stderr)
        return 2
    if args.accuracy:
        return _accuracy_command(args)
    if not args.spec:
        print("error: advise needs MODULE:FUNCTION (or --accuracy)", file=sys.stderr)
        return 2
    try:
        if args.python:
            harness.check_python(args.python)
        subject = traits.from_spec(args.spec, args.args or "")
        record = measure(
            subject,
            n=args.n,
            python=args.python,
            served=args.served,
            rounds=args.trials,
            seed=args.seed,
            progress=not args.no_progress,
        )
    except (harness.SpecError, ValueError) as e:  # SpecError is a ValueError: said in one line
        print(f"error: {e}", file=sys.stderr)
        return 2
    except TrialFailed as e:  # the function raised in a trial: its own exception, said as such
        print(f"error: {args.spec} {e}", file=sys.stderr)
        return 1
    except RuntimeError as e:  # a server or the other Python's runner could not run it
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"error: {args.spec}: {first}", file=sys.stderr)
        return 1
    print(json.dumps(json_safe(record), indent=2) if args.json else advice_report.text(record))
    return 0


def _accuracy(
    out: Path,
    *,
    n: int | None = None,
    python: str | None = None,
    only: Sequence[str] = (),
    rounds: int | None = None,
    progress: Progress = True,
) -> AccuracyRecord:
    """Advise on every function of :data:`ACCURACY` (or those whose name holds one of
    ``only``), one after another, at n calls (default: twice the usable cores, where the
    predictions for threads and processes are the model's own, not two against one again),
    into ``out``/accuracy.json with the machine's description and state; the record."""
    chosen = [(spec, a) for spec, a in ACCURACY if not only or any(o in spec for o in only)]
    if not chosen:
        raise ValueError(f"no function of the accuracy list matches {', '.join(only)}")
    n = n or 2 * (environment.usable_cores() or 1)
    described, start = machine_state.check(environment.collect)
    started = now()
    sampler = machine_state.Sampler(start)
    with sampler:
        functions = []
        for spec, a in chosen:
            print(f"advise {spec} {a}".rstrip(), file=sys.stderr, flush=True)
            functions.append(
                measure(traits.from_spec(spec, a), n=n, python=python, rounds=rounds, progress=progress, alone=False)
            )
    rows = [r for f in functions for r in f["rows"]]
    record = AccuracyRecord(
        format=ACCURACY_FORMAT,
        kind="advice-accuracy",
        n=functions[0]["n"],
        started_at=started,
        ended_at=now(),
        environment=described,
        machine_state=sampler.state(),
        functions=functions,
        summary=advice.summary(rows),
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / ACCURACY_FILE).write_text(json.dumps(json_safe(record), indent=1) + "\n")
    return record


def _accuracy_command(args: argparse.Namespace) -> int:
    if args.spec or args.args or args.served:
        print(
            "error: --accuracy measures its own list of functions: give no MODULE:FUNCTION, --args or --served",
            file=sys.stderr,
        )
        return 2
    try:
        record = _accuracy(
            args.out, n=args.n, python=args.python, only=args.only, rounds=args.trials, progress=not args.no_progress
        )
    except (harness.SpecError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(advice_report.accuracy_markdown(record))
    print(f"\nsaved: {args.out / ACCURACY_FILE}; python -m bench docs renders it into docs/advise.md")
    return 0
