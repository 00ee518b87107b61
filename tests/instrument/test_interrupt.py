"""Interruption: Ctrl-C during ``bench run`` and a notebook kernel's interrupt stop the
servers, keep every trial started, and mark the run interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from bench.frontends import preset_runner
from bench.instrument import presets
from bench.instrument.store import Run
from bench.vocabulary.config import Grid
from tests import ROOT
from tests.conftest import children, gone, wait_for

#: A preset run interrupted from outside: slow.
pytestmark = pytest.mark.slow


def rows(folder: Path) -> int:
    """Trials written so far in the only run folder under ``folder`` (0 if none yet)."""
    runs = [p for p in folder.iterdir() if (p / "trials.csv").exists()] if folder.exists() else []
    return sum(1 for _ in open(runs[0] / "trials.csv")) - 1 if runs else 0


def the_run(folder: Path) -> Run:
    (path,) = [p for p in folder.iterdir() if p.is_dir()]
    return Run(path)


def assert_kept_and_marked(run: Run, at_least: int) -> None:
    meta, df = run.meta(), run.trials()
    assert meta["interrupted"] is True and meta["completed"] is False
    assert len(df) == meta["trials_started"] >= at_least  # every trial started has its row
    assert meta["trials_done"] >= at_least - 1 and (df["status"] == 200).sum() >= at_least - 1


@pytest.mark.parametrize("how", ["ctrl-c", "kill"])
def test_stopping_bench_run_keeps_every_trial_and_leaves_no_process(tmp_path, how):
    out = tmp_path / "runs"
    # Its own session, so that the Ctrl-C below reaches its process group as a terminal's
    # would, and nothing of this test's.
    # Python keeps SIGINT ignored when its parent ignored it (a shell's background job, some
    # CI runners); a terminal's user has it at its default, so the child starts from there.
    # The smoke preset cut to two servers of their own process, each with its pool, long enough
    # to be interrupted: what is stopped matters here, not how many servers a preset starts.
    argv = ["bench", "run", "--preset", "interrupted", "--out", str(out), "--no-progress"]
    start = (
        "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from dataclasses import replace; from bench.instrument import presets; "
        "from bench.vocabulary.config import Grid; "
        "presets.PRESETS['interrupted'] = replace(presets.get('smoke'), name='interrupted', repeats=100, "
        "grids=(Grid(frameworks=('flask', 'fastapi'), modes=('process',), workloads=('sleep',), "
        "strategies=('processes',)),)); "
        f"sys.argv = {argv!r}; runpy.run_module('bench', run_name='__main__')"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", start],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: rows(out) >= 3 or proc.poll() is not None, timeout=120)
        assert proc.poll() is None, "the smoke run ended before it could be interrupted"
        family = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
        assert family, "the run has its servers and pools running"
        if how == "ctrl-c":  # a terminal sends SIGINT to the whole foreground process group
            os.killpg(proc.pid, signal.SIGINT)
        else:  # `kill PID`
            os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    assert proc.returncode == 130 and "interrupted" in err
    assert "Traceback" not in err, err[-2000:]
    assert_kept_and_marked(the_run(out), at_least=3)
    assert wait_for(lambda: all(gone(pid) for pid in family), timeout=10), "a server or worker outlived the run"


def test_a_kernel_interrupt_during_a_run_keeps_every_trial_and_stops_the_servers(tmp_path):
    long = replace(
        presets.get("smoke"),
        repeats=100,
        warmup=0,
        grids=(
            Grid(
                frameworks=("fastapi",),
                modes=("thread",),
                workloads=("sleep",),
                strategies=("gather",),
                ideal_strategies=("processes",),
            ),
        ),
    )
    kids_before = children()

    def interrupt_after_three() -> None:  # what a kernel's interrupt button does: SIGINT
        if wait_for(lambda: rows(tmp_path) >= 3, timeout=60):
            os.kill(os.getpid(), signal.SIGINT)

    helper = threading.Thread(target=interrupt_after_three)
    # A kernel turns SIGINT into KeyboardInterrupt; so does Python, unless this test process
    # was started with SIGINT ignored (a shell's background job, some CI runners).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    helper.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            preset_runner.run_preset(long, out=tmp_path, seed=3, progress=False)
    finally:
        helper.join(timeout=70)
        signal.signal(signal.SIGINT, previous)
    assert_kept_and_marked(the_run(tmp_path), at_least=3)
    kids = children() - kids_before
    assert wait_for(lambda: all(gone(pid) for pid in kids), timeout=10), [
        psutil.Process(k).cmdline() for k in kids if not gone(k)
    ]
