"""One request at a time, for exploring and for workshop exercises.

:class:`Explorer` keeps one server per framework and mode running, sends single ``/run``
requests, and keeps a history of what was tried. Each answer carries its speed-up (the same
tasks one after another in this process, over the request's wall time: see
:mod:`bench.instrument.speedup`) beside the parallelism the server measured. A server may run under
the clone's free-threaded Python (``python="freethreaded"``, process mode: see
:data:`bench.vocabulary.config.PYTHONS`); its speed-up is then over that Python's own one-after-another
time, measured in a process of it (:func:`bench.instrument.speedup.in_runner`), so that the build's
slower single thread does not read as parallelism. The first time a
configuration is sent, an untimed warm-up request starts what it will use (the app's
process pool, its imports), and the answer says how long that took instead of counting it.
:func:`check` turns a prediction into a plain-words :class:`Verdict`. The notebooks wire
widgets (:mod:`bench.frontends.panel`) or exercises to these; the logic is here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import requests
from IPython.display import display

from bench.analysis.families.scaling import bend
from bench.instrument.environment import usable_cores
from bench.instrument.speedup import BaselineRefused, Baselines, in_runner, speedup
from bench.presentation import grid_plots, timeline_plots
from bench.vocabulary.config import PYTHONS, python_path, scaling_ns
from servers import harness

COLUMNS = [
    "framework",
    "server",
    "mode",
    "python",
    "interpreter",
    "gil_enabled",
    "endpoint",
    "workload",
    "strategy",
    "n",
    "size",
    "status",
    "wall_s",
    "one_after_another_s",
    "speedup",
    "parallelism",
    "overlap",
    "server_cpu_s",
    "warmup_s",
    "error",
]
#: The size of the untimed warm-up request: the smallest task of any workload.
WARMUP_SIZE = 1


def resolved_endpoint(framework: str, endpoint: str) -> str:
    """What ``endpoint`` ("" = the framework's native style) is for ``framework``."""
    return endpoint or harness.NATIVE_ENDPOINT[framework]


def free_threaded_here() -> bool:
    """Whether this clone has the free-threaded Python (``.venv-ft``, made by ``make freethreaded``)."""
    return harness.free_threaded_python() is not None


#: Why the free-threaded Python cannot serve in thread mode.
THREAD_MODE_REFUSED = (
    "the free-threaded Python serves in a process of its own: use mode='process' (a server in thread mode "
    "runs in this kernel, under this kernel's Python)"
)


#: Where an answer's one-after-another time was measured, by whether it ran under another Python.
BASELINE_WHERE = {False: "in this process", True: "under the same Python, in a process of it"}
#: What the free-threaded venv serves (requirements-ft.lock): the article's two frameworks, each
#: on its own server.
FREE_THREADED_FRAMEWORKS: tuple[str, ...] = harness.ARTICLE_FRAMEWORKS


def _interpreter_path(python: str, mode: str) -> str:
    """The executable a server of ``mode`` runs under for ``python`` (:data:`bench.vocabulary.config.PYTHONS`):
    "" for the project's own; ValueError when the free-threaded one is missing (saying that
    ``make freethreaded`` makes it) or asked for in thread mode."""
    if python not in PYTHONS:
        raise ValueError(f"unknown interpreter {python!r}; choose one of: {PYTHONS}")
    if python and mode != "process":
        raise ValueError(THREAD_MODE_REFUSED)
    return python_path(python) or ""


@dataclass
class Explorer:
    """Servers started on demand (loopback, free ports), one configuration per :meth:`run`.

    Servers are shared by name across Explorers of one process and stop when it exits; use
    as a context manager, or call :meth:`close`, to stop them sooner.
    """

    article_size: int = 1000
    timeout: float = 120.0
    #: By (framework, mode, server, python).
    servers: dict[tuple[str, str, str, str], harness.Server] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    baselines: Baselines = field(default_factory=Baselines)
    #: Seconds each configuration's warm-up took, by (python, framework, server, mode, endpoint, strategy, workload).
    warmed: dict[tuple[str, ...], float] = field(default_factory=dict)
    #: The one-after-another times under each other interpreter, measured in a process of it.
    other_baselines: dict[str, Baselines] = field(default_factory=dict)
    #: The processes of those interpreters that measure them (stopped by :meth:`close`).
    runners: dict[str, harness.IdealRunner] = field(default_factory=dict)

    def server(self, framework: str, mode: str, server: str = "", *, python: str = "") -> harness.Server:
        """The explorer's server of ``framework`` in ``mode`` on the HTTP server ``server``
        ("": the framework's own) under the interpreter ``python`` ("": the project's;
        ``"freethreaded"``: process mode only), started on first use. Servers are shared by
        name (:func:`servers.harness.shared`): a notebook cell that makes a new Explorer again
        gets the running ones back, not a second set."""
        path = _interpreter_path(python, mode)
        if python and (framework not in FREE_THREADED_FRAMEWORKS or server):
            raise ValueError(
                f"the free-threaded Python serves {' and '.join(FREE_THREADED_FRAMEWORKS)} on their own servers only "
                f"(what .venv-ft holds), not {framework}" + (f" on {server}" if server else "")
            )
        key = (framework, mode, server, python)
        if key not in self.servers or not self.servers[key].url:
            name = "-".join(["explorer", framework, mode, *(k for k in (server, python) if k)])
            self.servers[key] = harness.shared(
                name, framework, mode, size=self.article_size, server=server, python=path
            )
        return self.servers[key]

    def baselines_for(self, python: str) -> Baselines:
        """Where the one-after-another times under ``python`` come from: this process for the
        project's interpreter, a process of the other one (started on first use) otherwise."""
        if not python:
            return self.baselines
        if python not in self.other_baselines:
            path = _interpreter_path(python, "process")
            runner = self.runners[python] = harness.IdealRunner(path).start()
            self.other_baselines[python] = Baselines(measure=in_runner(runner))
        return self.other_baselines[python]

    def _get(self, url: str, query: dict[str, Any]) -> tuple[requests.Response, float, float]:
        sent = time.monotonic()
        t0 = time.perf_counter()
        r = requests.get(url, params=query, timeout=self.timeout)
        return r, time.perf_counter() - t0, sent

    def _warm(self, url: str, key: tuple[str, ...], query: dict[str, Any]) -> float:
        """Send ``query`` once at :data:`WARMUP_SIZE`, untimed, the first time ``key`` is
        run; return the seconds it took (0 when the configuration was warm already)."""
        if key in self.warmed:
            return 0.0
        _, wall, _ = self._get(url, {**query, "size": WARMUP_SIZE})
        self.warmed[key] = wall
        return wall

    def run(
        self,
        framework: str = "fastapi",
        strategy: str = "gather",
        workload: str = "article",
        n: int = 5,
        size: int | None = None,
        endpoint: str = "",
        mode: str = "thread",
        *,
        server: str = "",
        python: str = "",
        repeats: int = 1,
    ) -> dict[str, Any]:
        """Send one configuration ``repeats`` times (after its warm-up, on first use) and
        return the answer of the fastest: on a shared machine interference only adds time, so
        the fastest of several requests says what the configuration costs when nothing gets in
        the way (the one-after-another time is the fastest of its measurements too). The
        answer carries ``wall_s`` (the client's), ``one_after_another_s``, ``speedup`` (the
        one over the other), ``speedups`` (every request's), ``warmup_s`` and ``sent_mono``;
        a row is added to :attr:`history`. ``server`` is the HTTP server ("": the framework's
        own; another runs in its own process: ``mode="process"``). ``python`` is the
        interpreter the server runs under ("": the project's; ``"freethreaded"``: the clone's
        free-threaded Python, process mode only; ValueError saying how to get it when it is
        missing), and the one-after-another time is that interpreter's own.

        A 4xx answer is returned (with ``error``) and recorded, not raised.
        """
        if repeats < 1:
            raise ValueError(f"repeats must be at least 1, not {repeats}")
        s = self.server(framework, mode, server, python=python)
        url = s.url + (f"/run/{endpoint}" if endpoint else "/run")
        query: dict[str, Any] = {"workload": workload, "strategy": strategy, "n": n}
        if size is not None:
            query["size"] = size
        shown = resolved_endpoint(framework, endpoint)
        warmup = self._warm(url, (python, framework, s.options.server, mode, shown, strategy, workload), query)
        sent = [self._get(url, query) for _ in range(repeats)]
        r, wall, sent_mono = min(sent, key=lambda x: x[1])
        body = r.json()
        row: dict[str, Any] = {
            "framework": framework,
            "server": s.options.server,
            "mode": mode,
            "python": python,
            "endpoint": shown,
            "status": r.status_code,
            "wall_s": wall,
            "warmup_s": warmup,
            **{k: query.get(k) for k in ("workload", "strategy", "n")},
        }
        if r.ok:
            try:
                base = self.baselines_for(python).seconds(workload, n=body["n"], size=body["size"])
                why_not = ""
            except BaselineRefused as e:
                base, why_not = float("nan"), f"no one-after-another time: {e}"
            row.update(
                size=body["size"],
                **{k: body["server"].get(k) for k in harness.INTERPRETER_FIELDS},
                server_cpu_s=body["server"]["cpu_s"],
                parallelism=body["parallelism"],
                overlap=body.get("overlap", float("nan")),
                one_after_another_s=base,
                speedup=speedup(base, wall),
                error=why_not,
            )
            body.update(
                wall_s=wall,
                sent_mono=sent_mono,
                one_after_another_s=base,
                speedup=row["speedup"],
                speedups=[speedup(base, w) for _, w, _ in sent],
                warmup_s=warmup,
                one_after_another_where=BASELINE_WHERE[bool(python)],
            )
        else:
            row.update(size=size, error=body["error"]["message"])
            body.update(wall_s=wall, warmup_s=warmup)
        self.history.append(row)
        return body

    def sweep(
        self,
        framework: str = "fastapi",
        strategy: str = "processes",
        workload: str = "python",
        ns: Sequence[int] | None = None,
        size: int | None = None,
        endpoint: str = "",
        mode: str = "thread",
        *,
        server: str = "",
        python: str = "",
        repeats: int = 1,
    ) -> pd.DataFrame:
        """:meth:`run` one configuration at each of ``ns`` (default: n = 1, 2, 4, ... up to
        twice the usable cores and the core count, as the scaling preset) and return its
        speed-up curve in the columns of :func:`bench.analysis.families.scaling.table`: ``speedup`` is the
        fastest request's, ``low`` and ``high`` the slowest and fastest of the ``repeats``
        (their range, not an interval). A refused n is left out."""
        rows = []
        for n in ns or scaling_ns(usable_cores() or 1):
            a = self.run(
                framework,
                strategy,
                workload,
                n=n,
                size=size,
                endpoint=endpoint,
                mode=mode,
                server=server,
                python=python,
                repeats=repeats,
            )
            if "error" in a:
                continue
            rows.append(
                {
                    "workload": workload,
                    "framework": framework,
                    "endpoint": a["endpoint"],
                    "strategy": strategy,
                    "n": n,
                    "size": a["size"],
                    "trials": repeats,
                    "speedup": a["speedup"],
                    "low": min(a["speedups"]),
                    "high": max(a["speedups"]),
                    "parallelism": a["parallelism"],
                    "overlap": a.get("overlap", float("nan")),
                    "pool_workers": a.get("pool_workers"),
                    "task_threads": a.get("task_threads"),
                    "blas_threads": a["blas_threads"],
                }
            )
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """What was tried in this session, one row per configuration run."""
        return pd.DataFrame(self.history, columns=COLUMNS)

    def close(self) -> None:
        """Stop every server this explorer started, and the processes that measured other
        interpreters' one-after-another times."""
        for s in self.servers.values():
            s.stop()
        self.servers.clear()
        for r in self.runners.values():
            r.stop()
        self.runners.clear()
        self.other_baselines.clear()

    def __enter__(self) -> Explorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: A prediction holds when it is within this factor of the measured number, either way. On
#: this project's 2-core machine the fastest of seven requests of one workshop exercise moved
#: from run to run by up to a factor of 1.5 (see the workshop's introduction): 1.3 either way
#: of the middle of such a range covers it, and still tells 1 from 2 from 4.
TOLERANCE = 1.3


@dataclass(frozen=True)
class Verdict:
    """Whether a prediction held, and a sentence that says so."""

    held: bool
    text: str

    def __str__(self) -> str:
        return self.text

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text)


def check(
    prediction: float | None, measured: float, *, tolerance: float = TOLERANCE, what: str = "speed-up"
) -> Verdict:
    """Does ``prediction`` hold: is it within a factor ``tolerance`` of ``measured``, either
    way? The sentence gives both numbers and, when it does not hold, which way it was off
    and where to look. An empty prediction (None) is not judged: the sentence asks for one."""
    if tolerance < 1:
        raise ValueError(f"tolerance is a factor of at least 1, not {tolerance}")
    if prediction is None:
        return Verdict(
            False, f"No prediction yet: write your {what} in the prediction cell above, run it, then this one."
        )
    if not (measured > 0):  # NaN or nothing measured
        return Verdict(False, f"No measured {what} to check your {prediction:g} against.")
    said = f"you said {prediction:g}, measured {measured:.2f}"
    if prediction > 0 and max(prediction / measured, measured / prediction) <= tolerance:
        return Verdict(True, f"Holds: {said} (within a factor of {tolerance:g}).")
    if prediction > measured:
        hint = "the request gained less than you expected: which tasks waited for others, or were stretched?"
    else:
        hint = "the request gained more than you expected: which tasks ran at the same time?"
    return Verdict(False, f"Not quite: {said}. Look at the timeline: {hint}")


def show_curve(curve: pd.DataFrame) -> None:
    """A speed-up curve of :meth:`Explorer.sweep`: speed-up against n, the core count marked,
    and where it bends (:func:`bench.analysis.families.scaling.bend`)."""
    cores = usable_cores()
    display(grid_plots.scaling(curve, cores=cores, interval="the requests' range"))
    if len(curve) >= 2:
        where = bend(list(curve["n"]), list(curve["speedup"])).words(
            first_n=int(curve["n"].min()), max_n=int(curve["n"].max()), cores=None
        )
        each = ", ".join(f"n={n}: {v:.2f}x" for n, v in zip(curve["n"], curve["speedup"], strict=True))
        print(f"speed-up {each}; the curve {where} ({cores} cores here)")


def show(answer: dict[str, Any]) -> None:
    """The answer's timeline and its numbers as a small table (:func:`answer_table`), with a
    line of what the table does not hold (the requests' range, the interpreter), if any."""
    if "error" not in answer:
        display(timeline_plots.request_timeline(answer))
    display(answer_table(answer))
    notes = _notes(answer)
    if notes:
        print(notes)


def answer_table(answer: dict[str, Any]) -> pd.DataFrame:
    """An explorer's answer as a small table: what it ran, its speed-up, parallelism and overlap,
    the request's wall time against the same tasks one after another, and the warm-up (the
    server and its pool starting) that was not counted; or why it was refused."""
    if "error" in answer:
        return pd.DataFrame([{"refused": answer["error"]["message"]}])
    row = {
        "framework": answer["framework"],
        "endpoint": answer["endpoint"],
        "strategy": answer["strategy"],
        "workload": answer["workload"],
        "n": answer["n"],
        "speed-up": round(answer["speedup"], 2),
        "parallelism": round(answer["parallelism"], 2),
        "overlap": round(answer.get("overlap", float("nan")), 2),
        "wall, s": round(answer["wall_s"], 3),
        "one after another, s": round(answer["one_after_another_s"], 3),
        "first use, s": round(answer.get("warmup_s", 0.0), 2),
    }
    return pd.DataFrame([row]).set_index("framework")


def _notes(answer: dict[str, Any]) -> str:
    """What :func:`answer_table` leaves out: the range of the speed-ups of repeated requests, and
    a free-threaded interpreter (whether its GIL stayed off)."""
    if "error" in answer:
        return ""
    notes = []
    each = answer.get("speedups", [])
    if len(each) > 1:
        notes.append(f"the fastest of {len(each)} requests; their speed-ups ranged {min(each):.2f} to {max(each):.2f}")
    server = answer.get("server", {})
    if str(server.get("interpreter", "")).endswith("free-threading"):
        gil = "GIL on: it came back" if server.get("gil_enabled") else "GIL off"
        notes.append(f"served by {server['interpreter']} ({gil})")
    return "; ".join(notes)


#: Errors longer than this are shortened in :func:`history_view` (the whole text on hover).
ERROR_CHARS = 48
#: Decimals per column in :func:`history_view`.
DECIMALS = {
    "wall_s": 3,
    "one_after_another_s": 3,
    "server_cpu_s": 3,
    "warmup_s": 2,
    "speedup": 2,
    "parallelism": 2,
    "overlap": 2,
}


def _shortened(text: str, chars: int = ERROR_CHARS) -> str:
    """``text`` cut to ``chars`` characters, an ellipsis marking the cut."""
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "\u2026"


def history_view(table: pd.DataFrame) -> Any:
    """The history table for a notebook: numbers rounded (:data:`DECIMALS`), errors
    shortened with the whole text as a tooltip, one line per row."""
    shown = table.copy()
    shown["error"] = shown["error"].fillna("").map(_shortened)
    tips = pd.DataFrame("", index=table.index, columns=table.columns)
    tips["error"] = [e if len(e) > ERROR_CHARS else "" for e in table["error"].fillna("")]
    return (
        shown.style.format({k: f"{{:.{d}f}}" for k, d in DECIMALS.items()}, na_rep="")
        .set_tooltips(tips)
        .set_table_styles([{"selector": "td, th", "props": [("white-space", "nowrap")]}])
    )
