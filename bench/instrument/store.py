"""Where runs live: ``<out>/<run-id>/trials.csv`` and ``meta.json``.

Each run gets a new folder that never existed before; trials are appended one row at a
time as they finish (flushed to disk), so an interrupted run keeps what it measured. What a
row and meta.json hold is typed in :mod:`bench.vocabulary.records`; reading a run folder upgrades an
older format and refuses an unknown one.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from bench.vocabulary.records import (
    COLUMNS,
    META_FORMAT,
    Environment,
    RunDataError,
    RunKind,
    RunMeta,
    TrialRow,
    project_interpreter,
    upgrade_meta,
)
from servers.harness import NATIVE_ENDPOINT

__all__ = ["CHECKOUT", "COLUMNS", "DEFAULT_ROOT", "REFERENCE", "Run", "RunDataError", "latest", "now", "runs"]

DEFAULT_ROOT = Path("data/runs")
#: The checkout this package runs from, and where its committed runs live in it.
CHECKOUT = Path(__file__).resolve().parents[2]
REFERENCE = Path("data") / "reference"
#: Where committed runs of the gil preset live (its own folder: they are not the quick runs'
#: reference set); the newest is the article's section without the GIL by default.
GIL_REFERENCE = Path("data") / "gil-reference"
TRIALS = "trials.csv"
META = "meta.json"
#: The columns a trials table must have to be read at all.
REQUIRED = ("framework", "mode", "workload", "strategy", "status", "client_wall_s")


def now() -> str:
    """The time now, as meta.json and trials.csv write it (UTC, ISO 8601)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Run:
    """One run's folder. Create new ones with :meth:`create`; open old ones with ``Run(path)``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def trials_path(self) -> Path:
        return self.path / TRIALS

    @property
    def meta_path(self) -> Path:
        return self.path / META

    @classmethod
    def create(cls, root: Path | str, preset: str) -> Run:
        """A new, empty run folder under ``root``; never reuses an existing one."""
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        while True:
            path = root / f"{stamp}-{preset}-{secrets.token_hex(2)}"
            try:
                path.mkdir()  # fails if it exists: a run never overwrites another
                return cls(path)
            except FileExistsError:
                continue

    def new_meta(self, kind: RunKind, environment: Environment) -> RunMeta:
        """The meta.json of a run starting now: its format, kind and id, not yet ended, and
        ``environment`` (:func:`bench.instrument.environment.collect`)."""
        meta: RunMeta = {
            **environment,
            "format": META_FORMAT,
            "kind": kind,
            "run_id": self.id,
            "started_at": now(),
            "ended_at": None,
            "completed": False,
            "interrupted": False,
        }
        return meta

    def append(self, row: TrialRow) -> None:
        """Append one trial to trials.csv (header first if new) and flush it to disk."""
        new = not self.trials_path.exists()
        with open(self.trials_path, "a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            if new:
                writer.writeheader()
            writer.writerow(row.record())
            f.flush()
            os.fsync(f.fileno())

    def write_meta(self, meta: RunMeta) -> None:
        """Write meta.json atomically (replaced whole, never half-written)."""
        tmp = self.meta_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(meta, indent=2, sort_keys=False, default=str) + "\n")
        tmp.replace(self.meta_path)

    def _raw_meta(self) -> dict[str, Any]:
        """meta.json as written, {} where it is missing or unreadable (for what trials.csv
        alone cannot say)."""
        try:
            raw = json.loads(self.meta_path.read_text())
        except (OSError, ValueError):
            return {}
        return raw if isinstance(raw, dict) else {}

    def meta(self) -> RunMeta:
        """meta.json, upgraded to the current format. :class:`RunDataError` if there is none,
        if it is not a JSON object, or if its format is unknown (naming the folder and it)."""
        try:
            raw = json.loads(self.meta_path.read_text())
        except FileNotFoundError:
            raise RunDataError(f"{self.path} has no {META}: not a run folder") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise RunDataError(f"{self.meta_path} is not readable JSON ({e}); this run folder is damaged") from None
        if not isinstance(raw, dict):
            raise RunDataError(f"{self.meta_path} holds no JSON object; this run folder is damaged")
        return upgrade_meta(raw, str(self.path))

    def trials(self) -> pd.DataFrame:
        """All trials, warm-ups included (column ``warmup``); empty if none finished.
        :class:`RunDataError` if trials.csv is not this project's table."""
        if not self.trials_path.exists():
            return pd.DataFrame(columns=list(COLUMNS))
        try:
            df = pd.read_csv(self.trials_path)
        except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
            raise RunDataError(f"{self.trials_path} is not a readable CSV table ({e})") from None
        missing = [c for c in REQUIRED if c not in df]
        if missing:
            raise RunDataError(f"{self.trials_path} lacks the columns {missing}: not a trials table of this project")
        return _upgrade_trials(df, project_interpreter(self._raw_meta()))


def _upgrade_trials(df: pd.DataFrame, project: str) -> pd.DataFrame:
    """A trials table of any known format, in the current columns and types. A table older
    than format 5 ran every trial under ``project``, the run's own interpreter, with its
    GIL on: its rows get ``python`` "", ``interpreter`` ``project``, ``gil_enabled`` True
    and one client; older than format 6, ``block`` 0 (one block); older than format 8, their
    ``parallelism`` is their ``overlap``, and no parallelism."""
    if "gil_enabled" not in df:
        df["python"], df["interpreter"], df["gil_enabled"], df["clients"] = "", project, True, 1
    if "block" not in df:  # before format 6: the whole run was one block
        df["block"] = 0
    if "overlap" not in df:  # before format 8: "parallelism" was the overlap; the CPU was not read
        df["overlap"], df["parallelism"] = df.get("parallelism", float("nan")), float("nan")
    if "endpoint" not in df:  # format 1, before endpoint styles were measured: each framework's own
        df["endpoint"] = df["framework"].map(dict(NATIVE_ENDPOINT)).fillna("none")
    df = df.reindex(columns=list(COLUMNS))
    df["gil_enabled"] = [None if pd.isna(v) or str(v) == "" else str(v).lower() == "true" for v in df["gil_enabled"]]
    for col in ("variant", "error", "peak_rss_method", "python", "interpreter"):  # empty strings, not NaN
        df[col] = ["" if pd.isna(v) else str(v) for v in df[col]]
    for col in ("warmup", "server_is_client_process", "back_to_back"):  # a missing column (formats 1, 2): False
        df[col] = df[col].astype(str).str.lower().eq("true")
    return df


def runs(root: Path | str = DEFAULT_ROOT, kind: RunKind = "trials", complete: bool = True) -> list[Run]:
    """The readable run folders of ``kind`` under ``root``, oldest first. Folders that are
    damaged (meta.json unreadable), of an unknown format, or incomplete when ``complete``
    (interrupted, or still running), are left out with a warning naming them."""
    root = Path(root)
    found: list[tuple[str, str, Run]] = []
    skipped: list[str] = []
    for p in sorted(root.iterdir()) if root.is_dir() else []:
        if not p.is_dir() or not (p / META).exists():
            continue
        run = Run(p)
        try:
            meta = run.meta()
        except RunDataError as e:
            skipped.append(f"{p.name} ({e})")
            continue
        if meta["kind"] != kind:
            continue
        if complete and not meta["completed"]:
            state = "interrupted" if meta["interrupted"] else "not completed"
            done = f"{meta.get('trials_done', '?')}/{meta.get('trials_planned', '?')} trials"
            skipped.append(f"{p.name} ({state}: {done})" if kind == "trials" else f"{p.name} ({state})")
            continue
        found.append((meta["started_at"], p.name, run))
    if skipped:
        warnings.warn(
            f"left out {len(skipped)} run folder(s) under {root}: "
            + "; ".join(skipped)
            + " (open one by its path to read what it kept)",
            stacklevel=2,
        )
    return [r for _, _, r in sorted(found, key=lambda t: (t[0], t[1]))]


def latest(root: Path | str = DEFAULT_ROOT) -> Run:
    """The complete preset run (not a load run) under ``root`` that started last;
    FileNotFoundError if there is none. Incomplete and damaged folders are passed over
    with a warning (see :func:`runs`)."""
    found = runs(root)
    if not found:
        raise FileNotFoundError(f"no complete runs under {root}; make one with: python -m bench run --preset quick")
    return found[-1]
