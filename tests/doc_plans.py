"""What each command of the README and docs/ runs in its test, and what is checked.

:data:`PLANS` groups the commands: a group's commands run in one test file,
``tests/commands/test_readme_<group>.py``, in one scratch copy of the checkout, so that the commands
that only read what another made (the reports of one smoke run) share it; the runs and bench
groups share theirs with the tests that read a smoke run, so that one smoke run serves them all
(:func:`tests.doc_commands.shared_scratch`). Where a command
would run for minutes the plan takes the smaller setting the pages name for it
(``PRESET=smoke``, ``--preset smoke``, ``SECONDS=2``, ``--duration 2``, ``-t 5s``,
``--size 300``), and placeholders get real values. The groups are sized so that no file holds
a worker for long; the fixed ports of the article's servers are shared through a lock
(:func:`tests.doc_commands.port_held`).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import requests

from bench.analysis import variance
from bench.instrument import debian
from bench.instrument.load.external import read_locust
from bench.presentation import reading as reader
from bench.presentation.article import without_gil
from bench.vocabulary import advice_records, records

from . import ROOT
from .conftest import wait_for
from .doc_commands import (
    BENCH_RUN,
    LONG_S,
    RUN_SMOKE,
    SMOKE_SCRATCH,
    ByCI,
    Finished,
    Interactive,
    NotHere,
    Plan,
    Run,
    Scratch,
    Selection,
    Serve,
    Terminal,
    WithServers,
    bound_s,
    meta,
    new_scratch,
    newest,
    run_plan,
    shared_scratch,
    stop,
)
from .terminal import noise


def article_built(s: Scratch, f: Finished) -> None:
    f.ok()
    said = f.out + f.err
    assert noise(said) == [], noise(said)  # progress and the result, no warning a reader cannot act on
    assert f.out.rstrip().splitlines()[-1].startswith("built build/article.html"), f.out[-500:]
    # make article's runner (bench/frontends/notebook.py): what it runs with, each section as it starts, where it went
    lines = f.out.splitlines()
    assert lines[0].startswith("notebooks/article.ipynb: executing with preset=smoke"), lines[0]
    sections = [line.split("] ", 1)[1] for line in lines if re.match(r"\[\d+:\d\d\] ", line)]
    assert sections[0].startswith("FastAPI vs Flask") and "Appendix" in sections, sections
    assert any(re.fullmatch(r"notebooks/article\.ipynb: executed in \S+ into build/article\.ipynb", x) for x in lines)
    build = s.path / "build"
    assert (build / "article.html").stat().st_size > 100_000 and (build / "article-reader.html").exists()
    html = (build / "article.html").read_text()
    assert "Figure 1." in html and "Table 1." in html and "Traceback" not in html
    assert s.runs("smoke") and s.runs("load-smoke")  # the run's data went where told
    nb = nbformat.read(build / "article.ipynb", as_version=4)
    assert not any("autoreload" in c.source for c in nb.cells), "the published article keeps %autoreload"
    paragraphs = [p.strip() for p in _prose(nb) if len(p.strip()) > 60]
    repeated = {p for p in paragraphs if paragraphs.count(p) > 1}
    assert not repeated, f"the article says these twice: {sorted(repeated)}"
    # The reader's version: the answer first, short, every image described, nothing raw
    # (the build itself fails if a claim does not hold: claims.check in the notebook).
    assert reader.problems((build / "article-reader.html").read_text()) == []
    assert any("claims.check(" in c.source for c in nb.cells)
    # The part without the GIL reads the committed gil run if there is one, else says it shows nothing;
    # a figure from a run other than the article's own says which, in its caption.
    page = " ".join(reader.text_of((build / "article-reader.html").read_text()).split())
    no_gil_run = without_gil.default_run(s.path) is None
    assert (without_gil.NO_RUN in page) == no_gil_run
    assert ("Figure 9. Without the GIL" in page) != no_gil_run
    assert no_gil_run or re.search(r"Figure 9\. Without the GIL.*?From a separate run started \d{4}-\d\d-\d\d", page)
    assert re.search(r"Figure 6\. A light request.*?From a separate run of many clients started \d{4}-", page)


def _prose(nb: nbformat.NotebookNode) -> Iterator[str]:
    """Every paragraph a reader sees: markdown cells and Markdown the code cells display."""
    for cell in nb.cells:
        texts = (
            [cell.source]
            if cell.cell_type == "markdown"
            else [o.get("data", {}).get("text/markdown", "") for o in cell.get("outputs", [])]
        )
        for text in texts:
            yield from re.split(r"\n\s*\n", text)


def smoke_run_reported(s: Scratch, f: Finished) -> None:
    f.ok()
    folder = newest(s, "smoke")
    m = meta(folder)
    assert m["completed"] is True and m["format"] == records.META_FORMAT and m["trials_done"] == m["trials_planned"]
    assert "FastAPI vs Flask, median wall time ratio" in f.out
    assert (folder / "times.png").exists() and f"figure: data/runs/{folder.name}/times.png" in f.out


def report_printed(s: Scratch, f: Finished) -> None:
    f.ok()
    assert re.search(r"^run \S+  \(", f.out, re.M) and "workload article" in f.out and "figure: " in f.out


#: The line ``make report`` runs, as make prints it.
BENCH_REPORT = ".venv/bin/python -m bench report --latest --out data/runs"


def report_by_make(s: Scratch, f: Finished) -> None:
    """``make report`` ran the page's ``python -m bench report --latest`` (--out data/runs is its
    default), which reported the newest run."""
    assert BENCH_REPORT in f.out.splitlines(), f"make report did not run {BENCH_REPORT!r}"
    report_printed(s, f)


def json_reported(s: Scratch, f: Finished) -> None:
    """One JSON object: every cited figure with its interval, half-width and target."""
    f.ok()
    report = json.loads(f.out)
    by = {fig["id"]: fig for fig in report["figures"]}
    assert {"headline.isolated", "headline.back_to_back", "headline.server_cpu"} <= set(by)
    for fig in by.values():
        assert {"ratio", "low", "high", "half_width", "target", "met", "configs"} <= set(fig)
    head = by["headline.isolated"]
    if head["trials"] >= 8:
        assert head["half_width"] == pytest.approx((head["high"] - head["low"]) / 2 / head["ratio"])
    else:  # a smoke run's few trials: no interval, and why
        assert head["low"] is head["high"] is head["half_width"] is None and "too few trials" in head["no_interval"]
    assert head["target"] == 0.10 and isinstance(head["met"], bool) and head["size"] == report["size"]


def run_made(s: Scratch, f: Finished) -> None:
    """``python -m bench run --preset smoke --out data/runs`` ran (as ``make run`` runs it) and
    said where the run went and how to report it again."""
    f.ok()
    folder = newest(s, "smoke")
    assert BENCH_RUN in f.out.splitlines(), f"make run did not run {BENCH_RUN!r}"
    assert f"run folder: data/runs/{folder.name}" in f.out and "report again: python -m bench report" in f.out


def servers_run_made(s: Scratch, f: Finished) -> None:
    """The servers preset's grid, at the smoke preset's size: every framework x server ratio
    in the report, and its verdicts."""
    run_made(s, f)
    assert "Framework or server, isolated (the ratios fxs.isolated.*):" in f.out
    assert "With the server held constant (each framework over FastAPI behind the same server), 9 ratios" in f.out


def scaling_run_made(s: Scratch, f: Finished) -> None:
    """A sweep over n, at the smoke preset's scale: the report's speed-up lines and scaling.png."""
    run_made(s, f)
    assert "Speed-up against n (" in f.out and "- python, fastapi: best n=1:" in f.out
    assert re.search(r"^- python, fastapi, processes at n=\d+: [\d.]+x = pace [\d.]+ x overlap", f.out, re.M)


def variance_sides_measured(s: Scratch, f: Finished) -> None:
    """The variance preset's four servers, at the smoke preset's scale (one block: the report of
    a run in several blocks, its components and hierarchical ratios, is tests/analysis/test_variance.py's)."""
    run_made(s, f)
    assert all(f"{side.label} /" in f.out or f"/ {side.label}" in f.out for side in variance.SIDES), f.out[-2000:]


def components_printed(s: Scratch, f: Finished) -> None:
    """The committed runs' variance components: a table with a row per server measured."""
    f.ok()
    assert "Variance components of log time, isolated" in f.out and "trials" in f.out, f.out
    assert sum(side.label in f.out for side in variance.SIDES) >= 2, f.out


def gil_run_made(s: Scratch, f: Finished) -> None:
    """Both interpreters side by side, at the gil-smoke preset's scale: the report's gil lines
    (values without intervals: two trials each), every free-threaded trial without its GIL."""
    f.ok()
    assert "Without the GIL" in f.out and "gil_enabled was False in every one of the" in f.out
    # two trials a configuration at this scale: a value, and no interval drawn from so few
    assert re.search(r"^  ideal\s+without the GIL\s+[\d.]+x \(no interval\)", f.out, re.M), f.out
    assert "- pure-Python threads at n=2, ideal: " in f.out


def gil_off(t: Terminal, url: str) -> None:
    """The server runs under the free-threaded Python, and its GIL stayed off after the app's imports."""
    ping = requests.get(url + "/ping", timeout=10).json()
    assert ping["gil_enabled"] is False and ping["interpreter"].endswith("free-threading"), ping
    answer = requests.get(url + "/run", params={"workload": "python", "strategy": "threads", "n": "2", "size": "50"})
    assert answer.status_code == 200 and answer.json()["server"]["gil_enabled"] is False


def runs_compared(s: Scratch, f: Finished) -> None:
    """The committed runs side by side: with two or more, every figure they all cite judged
    (exit 0 or 1, the verdict's last line); with one, refused as too few (exit 2)."""
    committed = list((s.path / "data" / "reference").glob("*/meta.json"))
    if len(committed) < 2:
        assert f.returncode == 2 and "at least two" in f.err, (f.returncode, f.err)
        return
    assert f.returncode in (0, 1), (f.returncode, f.err)
    assert re.search(r"The runs (agree|DISAGREE) over \d+ judged figure\(s\)", f.out), f.out[-2000:]


#: Two committed quick runs, the older first: what the pages' `bench compare` lines compare here
#: (the runs they name, a preset's run before and after a change, take minutes to make).
COMPARED = [p.parent.name for p in sorted((ROOT / "data" / "reference").glob("*-quick-*/meta.json"))[-2:]]


def runs_compared_per_configuration(s: Scratch, f: Finished) -> None:
    """Each configuration both runs measured, read as faster, slower, unresolved or not judged,
    and the figures side by side; exit 1 only with a resolved slowdown beyond the limit, named."""
    assert f.returncode in (0, 1), (f.returncode, f.err)
    assert "new over base:" in f.out and "figures both cite (base, then new):" in f.out, f.out[-2000:]
    assert re.search(r"isolated .* (faster|slower|unresolved)$", f.out, re.M), f.out[-2000:]
    assert (f.returncode == 1) == ("slower than 15% allows" in f.err), f.err


def load_run_made(s: Scratch, f: Finished) -> None:
    f.ok()
    folder = newest(s, "load-smoke")
    assert {"requests.csv", "summary.csv", "meta.json", "probe.png", "sweep.png"} <= {p.name for p in folder.iterdir()}
    assert meta(folder)["completed"] is True
    df = pd.read_csv(folder / "requests.csv")
    assert set(df["part"]) == {"probe", "sweep", "overload"} and (df["status"] == 200).all()
    verdicts = [line for line in f.out.splitlines() if re.match(r"- fastapi \w+ endpoint, gather: ", line)]
    assert len(verdicts) == 2 and all(("STALLS" in v) != ("stays responsive" in v) for v in verdicts)
    assert f.out.count("then answered /ping") == 2


def load_made_by_make(s: Scratch, f: Finished) -> None:
    """``make load`` ran the page's ``python -m bench load --preset smoke`` (into data/runs, its
    default), and that run is whole."""
    assert BENCH_LOAD in f.out.splitlines(), f"make load did not run {BENCH_LOAD!r}"
    load_run_made(s, f)


def external_by_make(s: Scratch, f: Finished) -> None:
    """``make load-locust`` ran the page's ``python -m bench external`` line (for 2 seconds, into
    data/runs, its default), and the three tools measured side by side."""
    assert BENCH_EXTERNAL in f.out.splitlines(), f"make load-locust did not run {BENCH_EXTERNAL!r}"
    side_by_side(s, f)


def side_by_side(s: Scratch, f: Finished) -> None:
    if debian.program("wrk", "wrk") is None:
        pytest.skip("wrk is not installed and cannot be here (needs root and Debian's apt)")
    f.ok()
    table = pd.read_csv(newest(s, "external") / "external.csv")
    assert set(table["tool"]) == {"bench", "wrk", "locust"}
    assert set(table["name"]) == {"/ping", "/run", "/run/async"}
    assert (table["requests"] > 0).all() and (table["errors"] == 0).all()


def both_clients(s: Scratch, f: Finished) -> None:
    if debian.program("wrk", "wrk") is None:
        pytest.skip("wrk is not installed and cannot be here (needs root and Debian's apt)")
    f.ok()
    table = pd.read_csv(newest(s, "external") / "external.csv")
    assert set(table["tool"]) == {"bench", "bench-threads", "wrk"} and set(table["name"]) == {"/ping", "/run"}
    assert (table["requests"] > 0).all() and (table["errors"] == 0).all() and (table["client_cpu_ms"] > 0).all()
    assert "client_cpu_ms" in f.out


def helps(s: Scratch, f: Finished) -> None:
    f.ok()
    assert "5500 for flask" in f.out and "8000 for fastapi" in f.out and "--variant" in f.out


def docs_current(s: Scratch, f: Finished) -> None:
    f.ok()
    assert f.out.startswith("docs are current: README.md, docs/")


def docs_rendered(s: Scratch, f: Finished) -> None:
    f.ok()
    assert f.out.strip() == "rendered: nothing changed"


def advised(*rows: str, free_threaded: bool = False) -> Callable[[Scratch, Finished], None]:
    """``bench advise`` printed its table (every row named; with ``free_threaded``, the row of
    the free-threaded Python's threads where .venv-ft is there), how its predictions held, and
    the advice."""

    def check(s: Scratch, f: Finished) -> None:
        f.ok()
        ft = ("threads, free-threaded",) if free_threaded and (s.path / ".venv-ft" / "bin" / "python").exists() else ()
        for row in ("sequential", "gather", "threads", "processes", *rows, *ft):
            assert re.search(rf"^{re.escape(row)}  ", f.out, re.M), (row, f.out)
        assert re.search(r"^\d+ of \d+ predictions hold", f.out, re.M) and "\nadvice: " in f.out, f.out
        assert "Traceback" not in f.err, f.err[-2000:]

    return check


def advice_record(s: Scratch, f: Finished) -> None:
    """``advise --json``: the versioned record, the coroutine's awaiting among its traits, every
    row predicted and measured from 8 trials with its interval and error, and the advice."""
    f.ok()
    record = json.loads(f.out)
    assert record["format"] == advice_records.ADVICE_FORMAT and record["kind"] == "advice" and record["n"] == 4
    assert record["function"] == "examples.tasks:fetch_then_crunch" and record["rounds"] == 8
    assert record["traits"]["coroutine"] and record["traits"]["await_s"] > 0.01, record["traits"]
    assert record["environment"]["cpu"]["usable_cores"] == record["cores"]
    measured = [r for r in record["rows"] if r["verdict"] != "not measured"]
    assert [r["row"] for r in measured][:4] == list(advice_records.STRATEGIES)
    for r in measured:
        assert r["trials"] == 8 == len(r["times"]) and r["predicted_s"] > 0 and r["median_s"] > 0
        assert r["verdict"] == "baseline" or (r["speedup_low"] is not None and r["error"] is not None)
    assert record["advice"] and record["accuracy"]["rows"] >= 3


def bad_spec(s: Scratch, f: Finished) -> None:
    assert f.returncode == 2 and f.out == "", (f.returncode, f.out)
    assert f.err.count("\n") == 1 and f.err.startswith("error: ") and "has no attribute 'nothing'" in f.err, f.err


def accuracy_recorded(s: Scratch, f: Finished) -> None:
    f.ok()
    raw = json.loads((s.path / "data" / "advice" / "accuracy.json").read_text())
    record = advice_records.read_accuracy(raw, "accuracy.json")
    assert [fn["function"] for fn in record["functions"]] == ["examples.tasks:block"]
    assert record["summary"]["rows"] >= 3 and "| `examples.tasks:block` |" in f.out, f.out


def presets_listed(s: Scratch, f: Finished) -> None:
    f.ok()
    from bench.instrument import presets

    assert all(name in f.out for name in presets.PRESETS)


def locked(s: Scratch, f: Finished) -> None:
    f.ok()
    runtime, dev = (pins(s.path / name) for name in ("requirements.lock", "requirements-dev.lock"))
    names = {name for name, _ in runtime}
    assert {"fastapi", "flask", "numpy", "jupyterlab", "papermill"} <= names
    assert not {"ruff", "mypy", "pytest", "scipy", "locust"} & names, "the runtime lock has no development tool"
    assert {"uv", "ruff", "mypy", "pytest", "scipy", "locust"} <= {name for name, _ in dev}
    assert runtime <= dev, f"the development lock holds the runtime lock's versions: {sorted(runtime - dev)}"


def pins(lock: Path) -> set[tuple[str, str]]:
    """A lock's pins: each package with its version and environment marker."""
    found = (re.match(r"([A-Za-z0-9_.-]+)==(.+)", line.strip()) for line in lock.read_text().splitlines())
    return {(m.group(1).lower(), m.group(2)) for m in found if m}


def timed_twice(s: Scratch, f: Finished, terminals: list[Terminal]) -> None:
    f.ok()
    assert f.out.count("Wall time:") == 2 and f.out.count("CPU times:") == 2 and "Traceback" not in f.out + f.err
    flask, fastapi = terminals
    assert '"GET /api/multiply HTTP/1.1" 200' in flask.output()
    assert '"GET /api-fast/multiply HTTP/1.1" 200' in fastapi.output()


def distributed(s: Scratch, f: Finished, terminals: list[Terminal]) -> None:
    f.ok()
    table = read_locust(s.path / "data" / "runs" / "locust-distributed_stats.csv")
    assert set(table["name"]) == {"/ping", "/run/async"}
    assert (table["requests"] > 0).all() and (table["errors"] == 0).all()
    assert "warning: listening on 0.0.0.0" in terminals[0].output()


def script_ran(s: Scratch, f: Finished) -> None:
    f.ok()
    assert re.match(r"5 tasks, the first from [\d.]+ to [\d.]+", f.out)


def article_route(framework: str, body: str) -> Callable[[Terminal, str], None]:
    """The article's route answers its own body (at a size a test can afford: ``?size=``)."""
    path = {"flask": "/api/multiply", "fastapi": "/api-fast/multiply"}[framework]

    def check(t: Terminal, url: str) -> None:
        r = requests.get(url + path, params={"size": 200}, timeout=60)
        assert r.status_code == 200 and r.json() == {"message": body}, r.text

    return check


def debug_reloader(t: Terminal, url: str) -> None:
    """Flask's debug mode as the article ran it: served from the reloader's child process."""
    article_route("flask", "Hello")(t, url)
    import psutil

    serving = requests.get(url + "/ping", timeout=10).json()["pid"]
    below = {p.pid for p in psutil.Process(t.proc.pid).children(recursive=True)}
    assert serving in below and psutil.Process(serving).ppid() in below | {t.proc.pid}, "not the reloader's child"
    assert "Debugger is active" in t.output()


def workers(framework: str, body: str, least: int) -> Callable[[Terminal, str], None]:
    """A production server: the article's route answers, from worker processes of its own."""

    def check(t: Terminal, url: str) -> None:
        article_route(framework, body)(t, url)
        import psutil

        family = {p.pid for p in psutil.Process(t.proc.pid).children(recursive=True)}
        assert len(family) >= least, f"{len(family)} processes under {t.command!r}"
        pids = {requests.get(url + "/ping", timeout=10).json()["pid"] for _ in range(10)}
        assert pids <= family

    return check


def serves_own(framework: str, name: str, *, overlaps: bool) -> Callable[[Terminal, str], None]:
    """A function of one's own, registered at start: every strategy fans it out; gathered copies
    overlap only where it awaits; a name that was not registered is refused."""

    def check(t: Terminal, url: str) -> None:
        for strategy in ("sequential", "gather", "threads", "processes"):
            r = requests.get(url + "/run", params={"workload": name, "strategy": strategy, "n": "2"}, timeout=60)
            assert r.status_code == 200 and r.json()["workload"] == name, (strategy, r.text)
            if strategy == "gather":
                assert (r.json()["overlap"] > 1.5) == overlaps, r.json()["overlap"]
        other = requests.get(url + "/run", params={"workload": "theirs"}, timeout=10)
        assert other.status_code == 400 and name in other.json()["error"]["message"], other.text

    return check


def serves_run(framework: str, least: int = 1) -> Callable[[Terminal, str], None]:
    """Any framework on any server: ``/run`` answers with its task timeline, bad input gets
    the JSON 400, from processes of the command's own."""

    def check(t: Terminal, url: str) -> None:
        import psutil

        r = requests.get(url + "/run", params={"n": "2", "size": "100", "strategy": "threads"}, timeout=60)
        data = r.json()
        assert r.status_code == 200 and data["framework"] == framework, r.text
        assert [task["index"] for task in data["tasks"]] == [0, 1]
        bad = requests.get(url + "/run", params={"n": "two"}, timeout=10)
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "n", bad.text
        family = {t.proc.pid} | {p.pid for p in psutil.Process(t.proc.pid).children(recursive=True)}
        assert len(family) >= least and data["pid"] in family

    return check


def exposed(t: Terminal, url: str) -> None:
    article_route("fastapi", "HELLO")(t, url)
    assert "warning: listening on 0.0.0.0, not on loopback" in t.output()


def own_app_serves(kind: str, *, least: int = 1) -> Callable[[Terminal, str], None]:
    """Your own app behind a server (the example's, ``kind`` its class): its heavy route fans
    out and answers, its light one too, from ``least`` processes of the command's own or more;
    the terminal said what it serves and where."""

    def check(t: Terminal, url: str) -> None:
        import psutil

        r = requests.get(url + "/fanout", params={"n": "3"}, timeout=60)
        assert r.status_code == 200 and len(set(r.json()["digests"])) == 3, r.text
        assert requests.get(url + "/ping", timeout=10).json() == {"message": "pong"}
        family = {t.proc.pid} | {p.pid for p in psutil.Process(t.proc.pid).children(recursive=True)}
        assert len(family) >= least, f"{len(family)} processes under {t.command!r}"
        assert re.search(rf":app \({kind}, (WSGI|ASGI)\) on [\w-]+ on {re.escape(url)}$", t.output(), re.M), t.output()

    return check


def url_loaded(
    url: str, counts: tuple[int, ...], *, probe: str = ""
) -> Callable[[Scratch, Finished, list[Terminal]], None]:
    """``bench load --url`` on the app in the terminal: a run folder of kind load saying what it
    loaded, every request answered, a row of the report for each client count (none failed),
    the probe's verdict when there is a probe, and how to print the report again."""

    def check(s: Scratch, f: Finished, terminals: list[Terminal]) -> None:
        f.ok()
        folder = newest(s, "load-url")
        m = meta(folder)
        assert m["completed"] is True and m["kind"] == "load"
        assert m["load_url"]["url"] == url and m["load_url"]["probe"] == probe  # type: ignore[index]
        df = pd.read_csv(folder / "requests.csv")
        assert set(df["part"]) == ({"url", "probe"} if probe else {"url"}) and (df["status"] == 200).all()
        assert f"Closed loop on {url}, " in f.out, f.out
        rows = re.findall(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+[\d.]+ ", f.out, re.M)
        assert [int(c) for c, _, _ in rows] == list(counts) and all(e == "0" and int(a) > 0 for _, a, e in rows), rows
        case = rf"^- {re.escape(probe)} while {max(counts)} client\(s\) load {re.escape(url)}: "
        assert bool(re.search(case + "(STALLS|stays responsive)", f.out, re.M)) == bool(probe), f.out
        assert f"report again: python -m bench report data/runs/{folder.name}" in f.out
        assert "GET /fanout" in terminals[0].output() or "--quiet" in terminals[0].command

    return check


def refused(*said: str) -> Callable[[Scratch, Finished], None]:
    """Refused before anything starts: exit status 2 and one line that says each of ``said``."""

    def check(s: Scratch, f: Finished) -> None:
        lines = f.err.strip().splitlines()
        assert f.returncode == 2 and len(lines) == 1 and all(x in lines[0] for x in said), (f.returncode, f.err)

    return check


def lab_serves_the_notebooks(scratch: Scratch) -> None:
    """``make lab`` prints JupyterLab's URL, which lists the notebooks; it stops on SIGTERM."""
    proc = scratch.popen("make lab", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert proc.stdout is not None
        seen: list[str] = []
        url = None
        deadline = time.monotonic() + 90
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline()
            seen.append(line)
            found = re.search(r"(http://127\.0\.0\.1:\d+)/lab\?token=(\w+)", line)
            if found:
                url, token = found.groups()
        assert url is not None, "".join(seen)[-3000:]
        contents: list[requests.Response] = []

        def listed() -> bool:  # the URL is printed as the server starts: ask until it answers
            try:
                contents.append(requests.get(f"{url}/api/contents", params={"token": token}, timeout=10))
            except requests.RequestException:
                return False
            return contents[-1].ok

        assert wait_for(listed, timeout=30, interval=0.2), (
            f"JupyterLab did not answer; make lab printed:\n{''.join(seen)[-3000:]}"
        )
        names = {c["name"] for c in contents[-1].json()["content"]}
        assert {"article.ipynb", "explore.ipynb", "workshop.ipynb"} <= names
        if os.geteuid() == 0:
            assert any("running as root" in line for line in seen), "make lab says why it allows root"
    finally:
        stop(proc, signal.SIGTERM)  # JupyterLab asks before it stops on one Ctrl-C
        if proc.stdout is not None:
            proc.stdout.close()


ARTICLE_SMOKE = "make article PRESET=smoke"
#: ``make load`` at the smoke preset, and the line it runs, as make prints it.
LOAD_SMOKE = "make load LOAD_PRESET=smoke"
BENCH_LOAD = ".venv/bin/python -m bench load --preset smoke --out data/runs"
#: ``make load-locust`` for 2 seconds a tool and endpoint, and the line it runs.
EXTERNAL = "make load-locust SECONDS=2"
BENCH_EXTERNAL = ".venv/bin/python -m bench external --framework fastapi --clients 4 --duration 2 --out data/runs"
MASTER = (
    ".venv/bin/locust -f loadtest/locustfile.py --master --headless --expect-workers 2 -u 8 -r 8 -t 5s "
    "--host http://127.0.0.1:8000 --csv data/runs/locust-distributed"
)
WORKER = ".venv/bin/locust -f loadtest/locustfile.py --worker --master-host 127.0.0.1"
TIME_LINES = """import requests
%time r = requests.get("http://127.0.0.1:5500/api/multiply")
%time r = requests.get("http://127.0.0.1:8000/api-fast/multiply")"""
SCRIPT = """import requests

from servers import launch

with launch.serve("fastapi", mode="thread", size=1000) as server:  # or mode="process"
    timeline = requests.get(server.url + "/run", params={"n": 5}).json()["tasks"]
print(f"{len(timeline)} tasks, the first from {timeline[0]['start']:.3f} to {timeline[0]['end']:.3f}")"""


#: docs/yourapp.md's two apps, and the URLs its load commands load.
YOUR_FLASK = "python -m servers --app examples.yourapp.flask_app:app"
YOUR_FASTAPI = "python -m servers --app examples.yourapp.fastapi_app:app"
FANOUT, PING = "http://127.0.0.1:8000/fanout", "http://127.0.0.1:8000/ping"


#: The article at the smoke preset, built from the newest smoke run and load run (``<smoke>``,
#: ``<load-smoke>``: their folders under data/runs).
ARTICLE = Run(
    "make article PRESET=smoke RUN=data/runs/<smoke> LOAD_RUN=data/runs/<load-smoke>",
    article_built,
    needs=(RUN_SMOKE, LOAD_SMOKE),
    timeout=LONG_S,
)


#: docs/advise.md's notebook example.
ADVISE_IN_A_NOTEBOOK = """from bench import advise
from examples.tasks import crunch

advise(crunch, n=4)"""
#: The same with the page's quicker settings (the fewest rounds, a smaller call).
ADVISE_IN_A_NOTEBOOK_QUICKER = ADVISE_IN_A_NOTEBOOK.replace("n=4)", "n=4, args=(150000,), rounds=8)")


#: Every command of the pages, and how it runs here, by the group (the test file) that runs it.
PLANS: dict[str, dict[str, Plan]] = {
    # Not run by a test: each says why.
    "none": {
        "make test": ByCI(),
        "make lint": ByCI(),
        "make test-fast": Selection('-m "not slow"'),
        "make test-deep": Selection('--deep -m "deep and not alone"'),
        "make freethreaded": ByCI(),
        ".venv/bin/uv python install 3.14t": NotHere(
            "uv's builds of CPython cannot be downloaded from this machine; make freethreaded tries this first "
            "and says why it could not (test_make_freethreaded_says_so_where_neither_route_works)"
        ),
        "FT_PYTHON=$(.venv/bin/uv python find 3.14t) make freethreaded": NotHere(
            "needs uv's 3.14t, which cannot be downloaded here (the line above); make freethreaded takes the "
            "Python it builds itself the same way"
        ),
        "conda env create -f environment.yml": NotHere(
            "conda-forge cannot be reached from this machine; test_environment_yml_installs_the_lock checks the file"
        ),
    },
    # One build of the article at the smoke preset, for its three commands and the browser, from
    # the smoke run and the load run the runs and load groups made (the notebook measures them with
    # the same two calls those commands make; the build that measures its own runs is the article
    # test of make test-deep).
    "article": {
        "make article": ARTICLE,
        "make article PRESET=smoke": ARTICLE,
        "make article PRESET=article": ARTICLE,
        "make article RUN=data/runs/<run> LOAD_RUN=data/runs/<load-run>": ARTICLE,
    },
    # One smoke run by make, and the reports that read the newest run: that one.
    "runs": {
        "make run": Run(RUN_SMOKE, smoke_run_reported, timeout=LONG_S),
        "make run PRESET=smoke": Run(RUN_SMOKE, smoke_run_reported, timeout=LONG_S),
        "make report": Run("make report", report_printed, needs=(RUN_SMOKE,)),
        "python -m bench report --latest": Run("make report", report_by_make, needs=(RUN_SMOKE,)),
    },
    # The presets whose grids the smoke preset holds too, and the reports that read a run, of the
    # smoke run above (make run runs `python -m bench run --preset smoke --out data/runs`, as it
    # prints; this group shares the runs group's scratch copy).
    "bench": {
        "python -m bench run --preset smoke --out DIR": Run(RUN_SMOKE, run_made, timeout=LONG_S),
        # Three to ten minutes: the same grid runs in the smoke preset, which reports it the same way.
        "python -m bench run --preset servers": Run(RUN_SMOKE, servers_run_made, timeout=LONG_S),
        # About four minutes: the smoke preset sweeps the process pool over the same n, and reports it the same way.
        "python -m bench run --preset scaling": Run(RUN_SMOKE, scaling_run_made, timeout=LONG_S),
        # About five minutes: the smoke preset measures the same four servers, in one block.
        "python -m bench run --preset variance": Run(RUN_SMOKE, variance_sides_measured, timeout=LONG_S),
        # About four minutes: gil-smoke, which the page names, runs the same code in seconds (into a
        # folder of its own, so that the reports of the newest run under data/runs read the smoke run).
        "python -m bench run --preset gil": Run(
            "python -m bench run --preset gil-smoke --out data/gil-runs", gil_run_made, free_threaded=True
        ),
        "python -m bench agree data/reference/*/": Run("python -m bench agree data/reference/*/", runs_compared),
        "python -m bench compare data/runs/<base-run> data/runs/<new-run> --fail-if-slower 15": Run(
            f"python -m bench compare data/reference/{COMPARED[0]} data/reference/{COMPARED[-1]} --fail-if-slower 15",
            runs_compared_per_configuration,
        ),
        "python -m bench compare data/runs/<base-run> data/runs/<new-run>": Run(
            f"python -m bench compare data/reference/{COMPARED[0]} data/reference/{COMPARED[-1]} --fail-if-slower 15",
            runs_compared_per_configuration,
        ),
        "python -m bench components data/reference/*/": Run(
            "python -m bench components data/reference/*/", components_printed
        ),
        "python -m bench report data/runs/<run-id>": Run(
            "python -m bench report data/runs/<smoke>", report_printed, needs=(RUN_SMOKE,)
        ),
        "python -m bench report --latest --json": Run(
            "python -m bench report --latest --json", json_reported, needs=(RUN_SMOKE,)
        ),
        "python -m bench run --help": Run("python -m bench run --help", presets_listed),
        "python -m bench docs --check": Run("python -m bench docs --check", docs_current),
        "python -m bench docs": Run("python -m bench docs", docs_rendered, copied=("README.md", "docs")),
    },
    # One load run at the smoke preset, by make, which runs the page's `python -m bench load
    # --preset smoke` (as it prints); the overload preset's parts are the smoke preset's, longer.
    "load": {
        "make load": Run(LOAD_SMOKE, load_run_made),
        "python -m bench load --preset smoke": Run(LOAD_SMOKE, load_made_by_make),
        "python -m bench load --preset overload": Run(LOAD_SMOKE, load_made_by_make),
    },
    # One run of the three tools, by make, which runs the page's `python -m bench external` line
    # (as it prints), for 2 seconds a tool and endpoint instead of 10 or 20.
    "external": {
        "make load-locust": Run(EXTERNAL, side_by_side),
        "python -m bench external --framework fastapi --clients 4 --duration 10": Run(EXTERNAL, external_by_make),
        "python -m bench external --framework fastapi --clients 4 --duration 10 --tools bench,bench-threads,wrk": Run(
            "python -m bench external --framework fastapi --clients 4 --duration 2 --tools bench,bench-threads,wrk",
            both_clients,
        ),
    },
    # The article's two terminals, as it ran them, and the servers on other hosts.
    "terminals": {
        "make serve-flask": Serve("make serve-flask", 5500, article_route("flask", "Hello")),
        "make serve-fastapi": Serve("make serve-fastapi", 8000, article_route("fastapi", "HELLO")),
        "python -m servers --help": Run("python -m servers --help", helps),
        "python -m servers flask --debug": Serve("python -m servers flask --debug", 5500, debug_reloader),
        "python -m servers fastapi": Serve("python -m servers fastapi", 8000, article_route("fastapi", "HELLO")),
        "python -m servers fastapi --python .venv-ft/bin/python": Serve(
            "python -m servers fastapi --python .venv-ft/bin/python", 8000, gil_off, free_threaded=True
        ),
        "python -m servers flask --debug --port 5501": Serve(
            "python -m servers flask --debug --port 5501", 5501, debug_reloader
        ),
        TIME_LINES: WithServers(
            (("python -m servers flask --debug --size 300", 5500), ("python -m servers fastapi --size 300", 8000)),
            f"ipython -c {shlex.quote(TIME_LINES)}",
            timed_twice,
        ),
        "python -m servers fastapi --host 0.0.0.0": Serve("python -m servers fastapi --host 0.0.0.0", 8000, exposed),
        MASTER.replace("-t 5s", "-t 60s").replace("127.0.0.1", "SERVER"): WithServers(
            (("python -m servers fastapi --host 0.0.0.0", 8000),), f"{MASTER} & {WORKER} & {WORKER} & wait", distributed
        ),
        WORKER.replace("127.0.0.1", "MASTER"): WithServers(
            (("python -m servers fastapi --host 0.0.0.0", 8000),), f"{MASTER} & {WORKER} & {WORKER} & wait", distributed
        ),
    },
    # Every framework behind the production servers.
    "production": {
        "python -m servers flask --server gunicorn-gthread --workers 2 --threads 4": Serve(
            "python -m servers flask --server gunicorn-gthread --workers 2 --threads 4",
            5500,
            workers("flask", "Hello", 2),
        ),
        "python -m servers flask --server gunicorn-sync --workers 2": Serve(
            "python -m servers flask --server gunicorn-sync --workers 2", 5500, workers("flask", "Hello", 2)
        ),
        "python -m servers fastapi --workers 2": Serve(
            "python -m servers fastapi --workers 2", 8000, workers("fastapi", "HELLO", 2)
        ),
        "python -m servers fastapi --server gunicorn-uvicorn --workers 2": Serve(
            "python -m servers fastapi --server gunicorn-uvicorn --workers 2", 8000, workers("fastapi", "HELLO", 2)
        ),
        "python -m servers fastapi --server gunicorn-asgi --workers 2": Serve(
            "python -m servers fastapi --server gunicorn-asgi --workers 2", 8000, workers("fastapi", "HELLO", 2)
        ),
        "python -m servers flask --server granian --workers 2 --threads 4": Serve(
            "python -m servers flask --server granian --workers 2 --threads 4", 5500, workers("flask", "Hello", 2)
        ),
        "python -m servers quart": Serve("python -m servers quart", 5000, serves_run("quart")),
        "python -m servers fastapi --workload crunch=examples.tasks:crunch": Serve(
            "python -m servers fastapi --workload crunch=examples.tasks:crunch",
            8000,
            serves_own("fastapi", "crunch", overlaps=False),
        ),
        """python -m servers flask --workload wait=examples.tasks:wait --workload-args 'wait={"ms": 50}'""": Serve(
            """python -m servers flask --workload wait=examples.tasks:wait --workload-args 'wait={"ms": 50}'""",
            5500,
            serves_own("flask", "wait", overlaps=True),
        ),
        "python -m servers litestar": Serve("python -m servers litestar", 8100, serves_run("litestar")),
        "python -m servers litestar --sync-on-loop --port 8101": Serve(
            "python -m servers litestar --sync-on-loop --port 8101", 8101, serves_run("litestar")
        ),
        "python -m servers fastapi --server gunicorn-asgi": Serve(
            "python -m servers fastapi --server gunicorn-asgi", 8000, serves_run("fastapi", 2)
        ),
        "python -m servers fastapi --server granian": Serve(
            "python -m servers fastapi --server granian", 8000, serves_run("fastapi", 2)
        ),
        "python -m servers flask --server granian": Serve(
            "python -m servers flask --server granian", 5500, serves_run("flask", 2)
        ),
    },
    # bench advise on examples of each kind, a bad spec, and the notebook's advise(fn).
    "advise": {
        "python -m bench advise examples.tasks:crunch": Run(
            "python -m bench advise examples.tasks:crunch --args '[300000]' --trials 8", advised(free_threaded=True)
        ),
        "python -m bench advise examples.tasks:fetch_then_crunch --args '[20, 100000]' --n 4 --trials 8 --json": Run(
            "python -m bench advise examples.tasks:fetch_then_crunch --args '[20, 100000]' --n 4 --trials 8 --json",
            advice_record,
        ),
        "python -m bench advise examples.tasks:nothing": Run("python -m bench advise examples.tasks:nothing", bad_spec),
        ADVISE_IN_A_NOTEBOOK: Run(f"python -c {shlex.quote(ADVISE_IN_A_NOTEBOOK_QUICKER)}", advised()),
    },
    # Served, and the accuracy record (one of its functions: --only, which the page names).
    "accuracy": {
        "python -m bench advise examples.tasks:block --args '[20]' --trials 8 --served": Run(
            "python -m bench advise examples.tasks:block --args '[20]' --trials 8 --served",
            advised(*(f"{f} {s}" for f in ("flask", "fastapi") for s in advice_records.STRATEGIES)),
        ),
        "python -m bench advise --accuracy --out data/advice/": Run(
            "python -m bench advise --accuracy --out data/advice/ --only block --n 2 --trials 8", accuracy_recorded
        ),
    },
    # The environment's tools, and the servers from Python.
    "tools": {
        "make lab": Interactive(lab_serves_the_notebooks),
        "make lock": Run("make lock", locked, copied=("requirements.lock", "requirements-dev.lock")),
        SCRIPT: Run(f"python -c {shlex.quote(SCRIPT)}", script_ran),
    },
    # Your own app (the examples of examples/yourapp/) behind two servers each, loaded with bench
    # load --url (for 2 seconds at each client count where the page leaves the default), and the refusals.
    "yourapp": {
        YOUR_FLASK: Serve(YOUR_FLASK, 8000, own_app_serves("Flask")),
        f"{YOUR_FLASK} --server gunicorn-gthread --workers 2 --threads 4": Serve(
            f"{YOUR_FLASK} --server gunicorn-gthread --workers 2 --threads 4", 8000, own_app_serves("Flask", least=3)
        ),
        YOUR_FASTAPI: Serve(YOUR_FASTAPI, 8000, own_app_serves("FastAPI")),
        f"{YOUR_FASTAPI} --server granian --workers 2": Serve(
            f"{YOUR_FASTAPI} --server granian --workers 2", 8000, own_app_serves("FastAPI", least=3)
        ),
        f"{YOUR_FLASK} --server uvicorn": Run(
            f"{YOUR_FLASK} --server uvicorn",
            refused("runs on werkzeug, gunicorn-sync, gunicorn-gthread, granian, not 'uvicorn'", "adapter"),
        ),
        f"python -m bench load --url {FANOUT} --probe {PING}": WithServers(
            ((YOUR_FLASK, 8000),),
            f"python -m bench load --url {FANOUT} --probe {PING} --duration 2",
            url_loaded(FANOUT, (1, 4), probe=PING),
        ),
        f"python -m bench load --url {FANOUT} --clients 1,2,4,8 --duration 2": WithServers(
            ((f"{YOUR_FASTAPI} --server granian --workers 2", 8000),),
            f"python -m bench load --url {FANOUT} --clients 1,2,4,8 --duration 2",
            url_loaded(FANOUT, (1, 2, 4, 8)),
        ),
        "python -m bench load --url http://example.com/": Run(
            "python -m bench load --url http://example.com/",
            refused("http://example.com/ is not on this machine", "--allow-remote"),
        ),
    },
}
#: Every command of the pages, and its plan.
ALL: dict[str, Plan] = {command: plan for group in PLANS.values() for command, plan in group.items()}


#: The groups whose commands read the smoke run: they share one scratch copy with the tests
#: that read a smoke run (tests/conftest.py ``smoke_run``), so that one smoke run serves all.
SMOKE_GROUPS = ("runs", "bench", "load", "article")


def group_tests(group: str) -> tuple[Callable[..., Scratch], Callable[..., None]]:
    """The scratch fixture and the test of a group's file (``tests/commands/test_readme_<group>.py``):
    one scratch copy for the file, and each of the group's commands run by its plan."""

    @pytest.fixture(scope="module", name="scratch")
    def scratch(tmp_path_factory: pytest.TempPathFactory) -> Scratch:
        if group in SMOKE_GROUPS:
            return shared_scratch(tmp_path_factory, SMOKE_SCRATCH)
        return new_scratch(tmp_path_factory)

    commands = [pytest.param(c, marks=pytest.mark.timeout(bound_s(p))) for c, p in PLANS[group].items()]

    @pytest.mark.slow
    @pytest.mark.parametrize("command", commands)
    def test_command(command: str, scratch: Scratch, tmp_path: Path) -> None:
        run_plan(PLANS[group][command], scratch, tmp_path)

    return scratch, test_command
