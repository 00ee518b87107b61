"""``python -m bench load``: the blocking probe, the concurrency sweep and the overload, into
a run folder (its report: :mod:`bench.presentation.load_report`); or, with ``--url``, any
endpoint's closed loops and its blocking probe (:func:`run_url`).

A load run writes ``requests.csv`` (every request, with its part and configuration, appended
as each case is measured, so that an interrupted run keeps what it measured),
``summary.csv``, ``meta.json`` and the figures ``probe.png`` and ``sweep.png``, then prints
the verdicts. A preset's run targets servers it starts on 127.0.0.1; a URL's, the URL given.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from bench.instrument.lifecycle import recorded
from bench.instrument.load import blocking, sweep, url_load
from bench.instrument.load.load_presets import LoadPreset
from bench.instrument.load.load_store import REQUESTS, SUMMARY, keeper, requests_of
from bench.instrument.progress import Progress
from bench.instrument.progress import bar as progress_bar
from bench.instrument.store import DEFAULT_ROOT, Run
from bench.presentation import load_plots
from bench.vocabulary.records import RunMeta


def run(preset: LoadPreset, out: Path | str = DEFAULT_ROOT, *, progress: Progress = True) -> Run:
    """Run ``preset`` into a new folder under ``out``: probe, sweep, overload. An interrupt
    (Ctrl-C, SIGTERM) keeps the requests measured so far, marks meta.json ``interrupted``
    with the time it ended, and is re-raised."""
    heavy = dict(preset.heavy)
    steps = (
        len(preset.probe_cases)
        + len(preset.sweep_setups) * len(preset.sweep_clients)
        + (len(preset.sweep_setups) if preset.overload_s else 0)
    )
    with recorded(out, f"load-{preset.name}", "load") as (run, meta):
        meta["load_preset"] = preset.to_dict()
        run.write_meta(meta)
        with _measuring(run, meta, progress=progress, steps=steps) as step:
            probe = blocking.run(
                preset.probe_cases,
                heavy,
                heavy_clients=preset.probe_clients,
                ping_rate=preset.ping_rate,
                duration_s=preset.probe_s,
                baseline_s=preset.baseline_s,
                progress=step,
                keep=keeper(run, "probe"),
            )
            swept = sweep.run(
                preset.sweep_setups,
                preset.sweep_clients,
                path="/run",
                params=heavy,
                duration_s=preset.sweep_s,
                max_requests=preset.sweep_max_requests,
                progress=step,
                keep=keeper(run, "sweep"),
            )
            if preset.overload_s:
                sweep.overload(
                    preset.sweep_setups,
                    preset.overload_clients,
                    path="/run",
                    params=heavy,
                    duration_s=preset.overload_s,
                    max_requests=10**9,
                    progress=step,
                    keep=keeper(run, "overload"),
                )
            _write_summaries(run, probe, swept)
    return run


def run_url(load: url_load.UrlLoad, out: Path | str = DEFAULT_ROOT, *, progress: Progress = True) -> Run:
    """``bench load --url``: the closed loops on ``load.url`` at each client count, then the
    blocking probe when ``load.probe`` names a light URL, into a new folder under ``out``
    (``load-url``, meta.json's ``load_url`` saying what was loaded); interrupted, as :func:`run`.
    Raises :class:`~bench.instrument.load.url_load.NoAnswer`, before it makes the folder, when
    a URL does not answer a first request with a success."""
    url_load.check_answers(load)
    with recorded(out, "load-url", "load") as (run, meta):
        meta["load_url"] = load.to_dict()
        run.write_meta(meta)
        with _measuring(run, meta, progress=progress, steps=len(load.clients) + bool(load.probe)) as step:
            looped = url_load.closed_loops(load, progress=step, keep=keeper(run, "url"))
            summaries = [url_load.summarize(looped).assign(part="url")]
            if load.probe:
                probed = url_load.probe(load, progress=step, keep=keeper(run, "probe"))
                summaries.append(blocking.summarize(probed).assign(part="probe"))
            pd.concat(summaries, ignore_index=True).to_csv(run.path / SUMMARY, index=False)
    return run


#: ``bench load``'s flags that only ``--url`` takes, by their names in the parsed namespace.
URL_ONLY = ("probe", "clients", "duration", "timeout", "allow_remote")


def add_url_arguments(p: argparse.ArgumentParser) -> None:
    """``bench load``'s flags for any URL (``--url`` and those that go with it), on ``p``;
    :func:`url_load_of` reads them back."""
    p.add_argument("--url", help="load this URL instead of a preset's servers: a closed loop at each --clients count")
    p.add_argument(
        "--probe",
        metavar="URL",
        help="with --url: the blocking probe, this light URL alone, then while the most --clients load --url",
    )
    p.add_argument(
        "--clients",
        type=_counts,
        help=f"with --url: client counts, comma-separated (default {','.join(map(str, url_load.CLIENTS))})",
    )
    p.add_argument(
        "--duration",
        type=float,
        help=f"with --url: seconds at each client count, and of the probe under load (default {url_load.DURATION_S:g})",
    )
    p.add_argument(
        "--timeout",
        type=float,
        help=f"with --url: longest wait for one answer, in seconds (default {url_load.TIMEOUT_S:g})",
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="with --url: load a host that is not this machine (127.0.0.0/8, ::1, localhost): one you may load",
    )


def _counts(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(c) for c in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not whole numbers separated by commas: {text!r}") from None


def url_only(args: argparse.Namespace) -> list[str]:
    """The flags of :data:`URL_ONLY` given (without ``--url``, each is a mistake)."""
    return [f"--{name.replace('_', '-')}" for name in URL_ONLY if getattr(args, name) not in (None, False)]


def url_load_of(args: argparse.Namespace) -> url_load.UrlLoad:
    """What the flags of :func:`add_url_arguments` ask for, the defaults where none was given;
    :class:`~bench.instrument.load.url_load.Refused` (one line) for what cannot be loaded."""
    given = {"clients": args.clients, "duration_s": args.duration, "timeout_s": args.timeout}
    return url_load.UrlLoad(
        args.url,
        args.probe or "",
        allow_remote=args.allow_remote,
        **{name: value for name, value in given.items() if value is not None},
    )


@contextmanager
def _measuring(run: Run, meta: RunMeta, *, progress: Progress, steps: int) -> Iterator[Callable[[str], None]]:
    """A progress bar of ``steps`` steps for the block, whose step (given the step's label)
    is yielded; meta.json's count of ``requests`` taken at its end, whatever ended it."""
    try:
        with progress_bar(progress, total=steps, unit="step", desc="load") as bar:

            def step(label: str) -> None:
                bar.set_postfix_str(label, refresh=False)
                bar.update()

            yield step
    finally:
        meta["requests"] = len(requests_of(run)) if (run.path / REQUESTS).exists() else 0


def _write_summaries(run: Run, probe: pd.DataFrame, swept: pd.DataFrame) -> None:
    """summary.csv, probe.png and sweep.png, from the probe's and the sweep's requests."""
    summaries = []
    if not probe.empty:
        probe_summary = blocking.summarize(probe)
        summaries.append(probe_summary.assign(part="probe"))
        load_plots.probe(probe_summary).savefig(run.path / "probe.png", dpi=110)
    if not swept.empty:
        sweep_summary = sweep.summarize(swept)
        summaries.append(sweep_summary.assign(part="sweep"))
        load_plots.sweep(sweep_summary).savefig(run.path / "sweep.png", dpi=110)
    if summaries:
        pd.concat(summaries, ignore_index=True).to_csv(run.path / SUMMARY, index=False)
