"""``python -m bench load``: the blocking probe, the concurrency sweep and the overload, into
a run folder (its report: :mod:`bench.presentation.load_report`).

A load run writes ``requests.csv`` (every request, with its part and configuration, appended
as each case is measured, so that an interrupted run keeps what it measured),
``summary.csv``, ``meta.json`` and the figures ``probe.png`` and ``sweep.png``, then prints
the verdicts. Everything targets servers it starts on 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.instrument.lifecycle import recorded
from bench.instrument.load import blocking, sweep
from bench.instrument.load.load_presets import LoadPreset
from bench.instrument.load.load_store import REQUESTS, SUMMARY, keeper, requests_of
from bench.instrument.progress import Progress
from bench.instrument.progress import bar as progress_bar
from bench.instrument.store import DEFAULT_ROOT, Run
from bench.presentation import load_plots


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
        try:
            with progress_bar(progress, total=steps, unit="step", desc="load") as bar:

                def step(label: str) -> None:
                    bar.set_postfix_str(label, refresh=False)
                    bar.update()

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
        finally:
            meta["requests"] = len(requests_of(run)) if (run.path / REQUESTS).exists() else 0
    return run


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
