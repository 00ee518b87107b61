"""Where runs live: ``<out>/<run-id>/trials.csv`` and ``meta.json``.

Each run gets a new folder that never existed before; trials are appended one row at a
time as they finish (flushed to disk), so an interrupted run keeps what it measured.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import warnings
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

DEFAULT_ROOT = Path("data/runs")
TRIALS = "trials.csv"
META = "meta.json"

#: The columns of trials.csv, in order (see bench.trials for what each one means).
COLUMNS: tuple[str, ...] = (
    "run_id",
    "seq",
    "repeat",
    "warmup",
    "framework",
    "variant",
    "mode",
    "server",
    "endpoint",
    "workload",
    "strategy",
    "n",
    "size",
    "blas_threads",
    "status",
    "error",
    "client_wall_s",
    "client_cpu_s",
    "client_process_cpu_s",
    "server_pid",
    "server_is_client_process",
    "server_process_cpu_s",
    "server_wall_s",
    "server_cpu_s",
    "peak_rss_bytes",
    "peak_rss_method",
    "minor_faults",
    "major_faults",
    "parallelism",
    "tasks_sum_s",
    "tasks_window_s",
    "sent_mono",
    "tasks",
    "memory_wait_s",
    "quiet_wait_s",
    "started_at",
)


class RunDataError(ValueError):
    """A run folder whose meta.json or trials.csv cannot be read; the message says which."""


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
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        while True:
            path = root / f"{stamp}-{preset}-{secrets.token_hex(2)}"
            try:
                path.mkdir()  # fails if it exists: a run never overwrites another
                return cls(path)
            except FileExistsError:
                continue

    def append(self, row: Mapping[str, Any]) -> None:
        """Append one trial to trials.csv (header first if new) and flush it to disk."""
        unknown = set(row) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown trial columns: {sorted(unknown)}")
        new = not self.trials_path.exists()
        with open(self.trials_path, "a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            if new:
                writer.writeheader()
            writer.writerow({k: row.get(k, "") for k in COLUMNS})
            f.flush()
            os.fsync(f.fileno())

    def write_meta(self, meta: Mapping[str, Any]) -> None:
        """Write meta.json atomically (replaced whole, never half-written)."""
        tmp = self.meta_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(meta, indent=2, sort_keys=False, default=str) + "\n")
        tmp.replace(self.meta_path)

    def meta(self) -> dict[str, Any]:
        """meta.json ({} if there is none); :class:`RunDataError` if it is not a JSON object."""
        if not self.meta_path.exists():
            return {}
        try:
            meta = json.loads(self.meta_path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise RunDataError(f"{self.meta_path} is not readable JSON ({e}); this run folder is damaged") from None
        if not isinstance(meta, dict):
            raise RunDataError(f"{self.meta_path} holds no JSON object; this run folder is damaged")
        return meta

    def trials(self) -> pd.DataFrame:
        """All trials, warm-ups included (column ``warmup``); empty if none finished.
        :class:`RunDataError` if trials.csv is not this project's table."""
        if not self.trials_path.exists():
            return pd.DataFrame(columns=list(COLUMNS))
        try:
            df = pd.read_csv(self.trials_path)
        except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
            raise RunDataError(f"{self.trials_path} is not a readable CSV table ({e})") from None
        missing = [c for c in ("framework", "mode", "workload", "strategy", "status", "client_wall_s") if c not in df]
        if missing:
            raise RunDataError(f"{self.trials_path} lacks the columns {missing}: not a trials table of this project")
        if "endpoint" not in df:  # runs from before endpoint styles were measured
            df["endpoint"] = df["framework"].map({"flask": "sync", "fastapi": "async"}).fillna("none")
        df = df.reindex(columns=list(COLUMNS))
        for col in ("variant", "error", "peak_rss_method"):  # empty strings, not NaN
            df[col] = ["" if pd.isna(v) else str(v) for v in df[col]]
        for col in ("warmup", "server_is_client_process"):
            if col in df:
                df[col] = df[col].astype(str).str.lower().eq("true")
        return df


def runs(root: Path | str = DEFAULT_ROOT, kind: str = "trials", complete: bool = True) -> list[Run]:
    """The readable run folders of ``kind`` ("trials" for presets, "load") under ``root``,
    oldest first. Folders that are damaged (meta.json unreadable), or incomplete when
    ``complete`` (interrupted, or still running), are left out with a warning naming them."""
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
        if meta.get("kind", "trials") != kind:
            continue
        if complete and not meta.get("completed"):
            state = "interrupted" if meta.get("interrupted") else "not completed"
            skipped.append(
                f"{p.name} ({state}: {meta.get('trials_done', '?')}/{meta.get('trials_planned', '?')} trials)"
            )
            continue
        found.append((str(meta.get("started_at", "")), p.name, run))
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
