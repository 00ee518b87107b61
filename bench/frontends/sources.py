"""The article's two runs: measured when it is built, or read from folders made before.

``make article`` measures a preset's trials and then many clients at once; ``make article
RUN=data/runs/<run> LOAD_RUN=data/runs/<load-run>`` builds the same article from runs that
already exist, in seconds (a committed reference run, or the runs ``make run`` and ``make
load`` made). Either may be given alone: the other is measured.
"""

from __future__ import annotations

from pathlib import Path

from bench.frontends import load_runner
from bench.frontends.preset_runner import run_preset
from bench.instrument.load import load_presets
from bench.instrument.presets import get
from bench.instrument.progress import Progress
from bench.instrument.store import Run
from bench.vocabulary.records import RunDataError, RunKind


def given(folder: Path, kind: RunKind) -> Run:
    """The complete run of ``kind`` in ``folder``; :class:`RunDataError` naming the folder and
    what is wrong with it otherwise (no meta.json, another kind of run, not completed)."""
    run = Run(folder)
    meta = run.meta()
    if meta["kind"] != kind:
        raise RunDataError(f"{folder} is a {meta['kind']} run; the article needs a {kind} run here")
    if "load_url" in meta:
        raise RunDataError(f"{folder} loaded a URL (bench load --url); the article needs a load run of a preset here")
    if not meta.get("completed"):
        raise RunDataError(f"{folder} is not a completed run (interrupted or still running); give a completed one")
    return run


def article_runs(
    preset: str, *, root: Path, out: str, progress: Progress, run: str = "", load: str = ""
) -> tuple[Run, Run]:
    """The article's trials run and load run: the folders given (relative to ``root``; ``""``:
    none), checked by :func:`given`, else measured now into ``root / out``; the trials at
    ``preset``, the load at the load preset that goes with the trials' own preset
    (:func:`bench.instrument.load.load_presets.for_article`)."""
    into = root / out
    trials = given(root / run, "trials") if run else run_preset(get(preset), out=into, progress=progress)
    made_by = str(trials.meta()["preset"]["name"])
    many = (
        given(root / load, "load")
        if load
        else load_runner.run(load_presets.for_article(made_by), into, progress=progress)
    )
    return trials, many


def scope(run: Run) -> tuple[int, int]:
    """The ``(n, size)`` the run's preset measured the article's task at."""
    preset = run.meta()["preset"]
    return int(preset["n"]), int(preset["size"])
