"""The instrument: one trial, a run's lifecycle and its stopping rule, the named presets, run
folders, the machine's description; many clients at once (:mod:`bench.instrument.load`)."""

from bench.instrument.environment import usable_cores
from bench.instrument.presets import PRESETS, resolve
from bench.instrument.speedup import EXPLAINED
from bench.instrument.store import Run, latest, runs

__all__ = ["EXPLAINED", "PRESETS", "Run", "latest", "resolve", "runs", "usable_cores"]
