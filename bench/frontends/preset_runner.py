"""Run a preset as the article does: its trials (:func:`bench.instrument.lifecycle.measure_preset`),
judged by the article's figures (:func:`bench.analysis.cited_figures.judge`) so that the stopping rule adds
rounds where a cited figure is short of its precision target.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.analysis import cited_figures
from bench.instrument.lifecycle import measure_preset
from bench.instrument.presets import resolve
from bench.instrument.progress import Progress
from bench.instrument.store import DEFAULT_ROOT, Run
from bench.vocabulary.config import Preset


def run_preset(
    preset: Preset,
    out: Path | str = DEFAULT_ROOT,
    *,
    seed: int | None = None,
    progress: Progress = True,
    on_start: Callable[[Run], None] | None = None,
) -> Run:
    """Run ``preset`` (made concrete for this machine, :func:`bench.instrument.presets.resolve`) into a
    new run folder under ``out`` and return it, the stopping rule judging the article's
    figures with a target: see :func:`bench.instrument.lifecycle.measure_preset`."""
    resolved = resolve(preset)
    return measure_preset(
        resolved, out, judge=cited_figures.judge(resolved), seed=seed, progress=progress, on_start=on_start
    )
