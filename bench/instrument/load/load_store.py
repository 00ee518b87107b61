"""A load run's folder: every request in ``requests.csv``, appended as each part of the run
measures it (:func:`keeper`), and read back (:func:`requests_of`); ``summary.csv`` beside it.
"""

from __future__ import annotations

from dataclasses import fields

import pandas as pd

from bench.instrument.load import loops
from bench.instrument.load.loops import Record
from bench.instrument.store import Run

REQUESTS = "requests.csv"

SUMMARY = "summary.csv"

#: The columns of requests.csv: each request (:class:`bench.instrument.load.loops.Record`), the part of
#: the run it belongs to, and the configuration it was sent to (a probe case, a setup and its
#: client count, or a URL and its client count; a column that does not apply stays empty).
REQUEST_COLUMNS = [f.name for f in fields(Record)] + [
    "part",
    "url",
    "framework",
    "endpoint",
    "strategy",
    "config",
    "server",
    "workers",
    "threads",
    "clients",
]


def keeper(run: Run, part: str) -> loops.Keep:
    """Append a part's requests to the run's requests.csv, header first if it is new."""
    path = run.path / REQUESTS

    def keep(frame: pd.DataFrame) -> None:
        rows = frame.assign(part=part).reindex(columns=REQUEST_COLUMNS)
        rows.to_csv(path, mode="a", header=not path.exists(), index=False)

    return keep


def requests_of(run: Run, part: str | None = None) -> pd.DataFrame:
    """The requests of a load run, or of one part of it ("probe", "sweep", "overload", "url")."""
    df = pd.read_csv(run.path / REQUESTS)
    return df if part is None else df[df["part"] == part]
