"""Every command the README shows, run as written.

Each command runs in a scratch copy of the checkout (symlinks to everything but ``data/`` and
``build/``), so that what it writes stays out of the repository, with this environment first
on the PATH, as ``. .venv/bin/activate`` would put it. Where a command would run for minutes
the plan takes the smaller setting the README names for it (``PRESET=smoke``,
``--preset smoke``, ``SECONDS=2``, ``--duration 2``, ``-t 5s``, ``--size 300``), and
placeholders get real values; :data:`PLANS` says, command by command, what runs and what is
checked. Servers stop with Ctrl-C, as in a terminal.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import nbformat
import pandas as pd
import pytest
import requests

from bench import debian, records
from bench.load.external import read_locust

from .conftest import chromium, wait_for

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
#: What a scratch copy does not link to: what commands write, and caches.
UNLINKED = {"data", "build", "lab", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
#: Inline code in the README's prose that is a command.
INLINE_COMMAND = re.compile(r"(make|python -m \w+|\.venv/bin/\S+|conda) \S")


def readme_commands() -> list[str]:
    """Every command the README shows, in order, once: each line of its ``sh`` blocks
    (continuation lines joined, comments dropped), each ``python`` block whole, and inline
    code in its prose that reads as a command."""
    text = "\n".join(p.read_text() for p in [README, *sorted((ROOT / "docs").glob("*.md"))])
    found = []
    for lang, body in re.findall(r"```(\w*)\n(.*?)```", text, re.S):
        if lang == "sh":
            for line in body.replace("\\\n", " ").splitlines():
                command = " ".join(re.sub(r"(^|\s)#.*$", "", line).split())
                if command:
                    found.append(command)
        elif lang == "python":
            found.append(body.strip())
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for span in re.findall(r"`([^`]+)`", prose):
        span = " ".join(span.split())
        if INLINE_COMMAND.match(span) or span == "make test":
            found.append(span)
    return list(dict.fromkeys(found))


# -- running commands -----------------------------------------------------------------------
@dataclass
class Finished:
    """A command that ran to its end."""

    command: str
    returncode: int
    out: str
    err: str

    def ok(self) -> Finished:
        assert self.returncode == 0, (
            f"{self.command!r} exited {self.returncode}:\n{self.out[-3000:]}\n{self.err[-3000:]}"
        )
        return self


@dataclass
class Scratch:
    """A scratch copy of the checkout that commands run in, and what ran there."""

    path: Path
    env: dict[str, str]
    finished: dict[str, Finished] = field(default_factory=dict)

    def run(self, command: str, timeout: float = 300.0) -> Finished:
        """Run ``command`` with bash to its end (once: a second call gets the first result)."""
        if command not in self.finished:
            proc = self.popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate(timeout=30)
                raise AssertionError(f"{command!r} did not end within {timeout:.0f} s") from None
            self.finished[command] = Finished(command, proc.returncode, out, err)
        return self.finished[command]

    def popen(
        self, command: str, *, stdout: int | IO[str] | None = None, stderr: int | None = None
    ) -> subprocess.Popen[str]:
        """``command`` started with bash in a session of its own, with Ctrl-C's default meaning
        (a shell's background job, or a CI runner, may have started this test with it ignored)."""
        return subprocess.Popen(
            ["bash", "-c", command],
            cwd=self.path,
            env=self.env,
            text=True,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            stdout=stdout,
            stderr=stderr,
        )

    def runs(self, kind: str) -> list[Path]:
        """The run folders of a preset (or "load-<preset>") under the scratch data/runs."""
        # Folders are <time>Z-<preset>-<id>: "smoke" is not "load-smoke".
        return sorted(p for p in (self.path / "data" / "runs").glob(f"*Z-{kind}-*") if p.is_dir())


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Scratch:
    path = tmp_path_factory.mktemp("checkout")
    for entry in ROOT.iterdir():
        if entry.name not in UNLINKED:
            (path / entry.name).symlink_to(entry)
    (path / "data" / "runs").mkdir(parents=True)
    (path / "data" / "reference").symlink_to(ROOT / "data" / "reference")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}
    env.update(PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(BIN.parent))
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_WORKSPACES_DIR", "JUPYTERLAB_SETTINGS_DIR"):
        env[name] = str(path / "jupyter" / name.lower())
    return Scratch(path, env)


@dataclass
class Terminal:
    """A server command running as in a terminal of its own, its output kept in a file."""

    command: str
    proc: subprocess.Popen[str]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def answers(url: str) -> bool:
    try:
        return requests.get(url + "/ping", timeout=2).ok
    except requests.RequestException:
        return False


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGINT) -> None:
    """Ctrl-C (or ``sig``) to the command's process group, as a terminal sends it; then wait
    until every process of the group has ended."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            raise AssertionError(f"{proc.args!r} did not stop on signal {sig}") from None
    if not wait_for(lambda: group_gone(proc.pid), timeout=15):
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(f"{proc.args!r} left processes behind when it stopped")


@contextmanager
def terminal(scratch: Scratch, command: str, port: int) -> Iterator[Terminal]:
    """Run a server command for the block: wait until it answers ``/ping`` on ``port``, and
    stop it with Ctrl-C afterwards; its port must be free again."""
    if not port_free(port):
        pytest.skip(f"port {port} is taken by another program here, so {command!r} cannot run as written")
    log = scratch.path / f"terminal-{port}-{time.monotonic_ns()}.log"
    with open(log, "w") as out:
        proc = scratch.popen(command, stdout=out, stderr=subprocess.STDOUT)
    t = Terminal(command, proc, log)
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: answers(url) or proc.poll() is not None, timeout=60), t.output()
        assert proc.poll() is None, f"{command!r} exited with {proc.returncode}:\n{t.output()}"
        yield t
    finally:
        stop(proc)
    assert wait_for(lambda: port_free(port), timeout=10), f"port {port} still open after {command!r} stopped"


# -- plans ----------------------------------------------------------------------------------
Check = Callable[[Scratch, Finished], None]


@dataclass(frozen=True)
class Run:
    """Run ``command`` (the README's, or the smaller setting the README names) to its end,
    after ``needs``, then ``check`` what it did."""

    command: str
    check: Check
    needs: tuple[str, ...] = ()
    timeout: float = 300.0


@dataclass(frozen=True)
class Serve:
    """Run a server ``command`` as in a terminal, ``check`` it while it serves on ``port``,
    then stop it with Ctrl-C."""

    command: str
    port: int
    check: Callable[[Terminal, str], None]


@dataclass(frozen=True)
class WithServers:
    """Start ``servers`` (commands and ports) as in terminals, then run ``command`` to its end."""

    servers: tuple[tuple[str, int], ...]
    command: str
    check: Callable[[Scratch, Finished, list[Terminal]], None]


@dataclass(frozen=True)
class Lab:
    """JupyterLab, run until it serves the notebooks (see test_make_lab_serves_the_notebooks)."""


@dataclass(frozen=True)
class ByCI:
    """Run as written by ``.ci/run``, on every submission."""


@dataclass(frozen=True)
class NotHere:
    """Cannot run on this machine; ``why`` says why."""

    why: str


Plan = Run | Serve | WithServers | Lab | ByCI | NotHere


def newest(scratch: Scratch, kind: str) -> Path:
    runs = scratch.runs(kind)
    assert runs, f"no {kind} run folder under {scratch.path / 'data' / 'runs'}"
    return runs[-1]


def meta(folder: Path) -> dict[str, object]:
    m: dict[str, object] = json.loads((folder / "meta.json").read_text())
    return m


def article_built(s: Scratch, f: Finished) -> None:
    f.ok()
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


def json_reported(s: Scratch, f: Finished) -> None:
    """One JSON object: every cited figure with its interval, half-width and target."""
    f.ok()
    report = json.loads(f.out)
    by = {fig["id"]: fig for fig in report["figures"]}
    assert {"headline.isolated", "headline.back_to_back", "headline.server_cpu"} <= set(by)
    for fig in by.values():
        assert {"ratio", "low", "high", "half_width", "target", "met", "configs"} <= set(fig)
    head = by["headline.isolated"]
    assert head["half_width"] == pytest.approx((head["high"] - head["low"]) / 2 / head["ratio"])
    assert head["target"] == 0.10 and isinstance(head["met"], bool) and head["size"] == report["size"]


def run_made(s: Scratch, f: Finished) -> None:
    f.ok()
    folder = newest(s, "smoke")
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
    assert re.search(r"^- python, fastapi, processes at n=\d+: [\d.]+x = pace [\d.]+ x parallelism", f.out, re.M)


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


def presets_listed(s: Scratch, f: Finished) -> None:
    f.ok()
    from bench import presets

    assert all(name in f.out for name in presets.PRESETS)


def locked(s: Scratch, f: Finished) -> None:
    f.ok()
    pinned = {line.split("==")[0] for line in (s.path / "requirements.lock").read_text().splitlines() if "==" in line}
    assert {"fastapi", "flask", "numpy", "uv", "ruff", "mypy", "pytest"} <= pinned


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


ARTICLE_SMOKE = "make article PRESET=smoke"
RUN_SMOKE = "make run PRESET=smoke"
BENCH_RUN = "python -m bench run --preset smoke --out data/runs"
LOAD_SMOKE = "python -m bench load --preset smoke"
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

#: Every command of the README, and how it runs here.
PLANS: dict[str, Plan] = {
    "make test": ByCI(),
    "make lint": ByCI(),
    "make test-fast": ByCI(),
    "conda env create -f environment.yml": NotHere(
        "conda-forge cannot be reached from this machine; test_environment_yml_installs_the_lock checks the file"
    ),
    "make article": Run(ARTICLE_SMOKE, article_built),
    "make article PRESET=smoke": Run(ARTICLE_SMOKE, article_built),
    "make article PRESET=article": Run(ARTICLE_SMOKE, article_built),
    "make run": Run(RUN_SMOKE, smoke_run_reported),
    "make run PRESET=smoke": Run(RUN_SMOKE, smoke_run_reported),
    "make report": Run("make report", report_printed, needs=(RUN_SMOKE,)),
    "make load": Run("make load LOAD_PRESET=smoke", load_run_made),
    "make lab": Lab(),
    "make lock": Run("make lock", locked),  # in a scratch copy of its own: see test_readme_command
    "make load-locust": Run("make load-locust SECONDS=2", side_by_side),
    "make serve-flask": Serve("make serve-flask", 5500, article_route("flask", "Hello")),
    "make serve-fastapi": Serve("make serve-fastapi", 8000, article_route("fastapi", "HELLO")),
    "python -m bench run --preset smoke --out DIR": Run(BENCH_RUN, run_made),
    "python -m bench report data/runs/<run-id>": Run(
        "python -m bench report data/runs/RUN", report_printed, needs=(BENCH_RUN,)
    ),
    "python -m bench report --latest": Run("python -m bench report --latest", report_printed, needs=(BENCH_RUN,)),
    "python -m bench report --latest --json": Run(
        "python -m bench report --latest --json", json_reported, needs=(BENCH_RUN,)
    ),
    "python -m bench load --preset smoke": Run(LOAD_SMOKE, load_run_made),
    "python -m bench load --preset overload": Run(LOAD_SMOKE, load_run_made),
    # Three to ten minutes: the same grid runs in the smoke preset, which reports it the same way.
    "python -m bench run --preset servers": Run(BENCH_RUN, servers_run_made),
    # About three minutes: the smoke preset sweeps the process pool over the same n, and reports it the same way.
    "python -m bench run --preset scaling": Run(BENCH_RUN, scaling_run_made),
    "python -m bench external --framework fastapi --clients 4 --duration 10": Run(
        "python -m bench external --framework fastapi --clients 4 --duration 2", side_by_side
    ),
    "python -m bench external --framework fastapi --clients 4 --duration 10 --tools bench,bench-threads,wrk": Run(
        "python -m bench external --framework fastapi --clients 4 --duration 2 --tools bench,bench-threads,wrk",
        both_clients,
    ),
    "python -m servers --help": Run("python -m servers --help", helps),
    "python -m bench run --help": Run("python -m bench run --help", presets_listed),
    "python -m bench docs --check": Run("python -m bench docs --check", docs_current),
    "python -m bench docs": Run("python -m bench docs", docs_rendered),  # in a copy of README.md and docs/
    "python -m servers flask --debug": Serve("python -m servers flask --debug", 5500, debug_reloader),
    "python -m servers fastapi": Serve("python -m servers fastapi", 8000, article_route("fastapi", "HELLO")),
    "python -m servers flask --debug --port 5501": Serve(
        "python -m servers flask --debug --port 5501", 5501, debug_reloader
    ),
    "python -m servers flask --server gunicorn-gthread --workers 2 --threads 4": Serve(
        "python -m servers flask --server gunicorn-gthread --workers 2 --threads 4", 5500, workers("flask", "Hello", 2)
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
    "python -m servers fastapi --host 0.0.0.0": Serve("python -m servers fastapi --host 0.0.0.0", 8000, exposed),
    MASTER.replace("-t 5s", "-t 60s").replace("127.0.0.1", "SERVER"): WithServers(
        (("python -m servers fastapi --host 0.0.0.0", 8000),), f"{MASTER} & {WORKER} & {WORKER} & wait", distributed
    ),
    WORKER.replace("127.0.0.1", "MASTER"): WithServers(
        (("python -m servers fastapi --host 0.0.0.0", 8000),), f"{MASTER} & {WORKER} & {WORKER} & wait", distributed
    ),
    TIME_LINES: WithServers(
        (("python -m servers flask --debug --size 300", 5500), ("python -m servers fastapi --size 300", 8000)),
        f"ipython -c {shlex.quote(TIME_LINES)}",
        timed_twice,
    ),
    SCRIPT: Run(f"python -c {shlex.quote(SCRIPT)}", script_ran),
}


def test_every_command_of_the_readme_has_a_plan():
    commands = readme_commands()
    assert sorted(commands) == sorted(PLANS), {
        "in the README, not planned here": sorted(set(commands) - set(PLANS)),
        "planned here, not in the README": sorted(set(PLANS) - set(commands)),
    }


def test_ci_runs_the_commands_left_to_it():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert [c for c in ci if c.startswith("make ")] == ["make lint", "make test-fast", "make test"]


RUNNABLE = [c for c, p in PLANS.items() if isinstance(p, (Run, Serve, WithServers))]


@pytest.mark.slow
@pytest.mark.parametrize("command", RUNNABLE)
def test_readme_command(command: str, scratch: Scratch, tmp_path: Path) -> None:
    plan = PLANS[command]
    if command == "make lock":  # it rewrites requirements.lock: in a scratch copy of its own
        scratch = copy_of(scratch, tmp_path, ("requirements.lock",))
    if command == "python -m bench docs":  # it rewrites what is stale: in a scratch copy of its own
        scratch = copy_of(scratch, tmp_path, ("README.md", "docs"))
    if isinstance(plan, Run):
        for need in plan.needs:
            scratch.run(need).ok()
        actual = plan.command
        if "RUN" in actual:  # the run the command before made
            actual = actual.replace("RUN", newest(scratch, "smoke").name)
        plan.check(scratch, scratch.run(actual, plan.timeout))
    elif isinstance(plan, Serve):
        with terminal(scratch, plan.command, plan.port) as t:
            plan.check(t, f"http://127.0.0.1:{plan.port}")
    elif isinstance(plan, WithServers):
        if plan.command not in scratch.finished:
            with ExitStack() as stack:
                terminals = [stack.enter_context(terminal(scratch, c, port)) for c, port in plan.servers]
                plan.check(scratch, scratch.run(plan.command, timeout=180), terminals)


def copy_of(scratch: Scratch, tmp_path: Path, copied: tuple[str, ...]) -> Scratch:
    """A scratch copy of the checkout whose entries ``copied`` are copies (with their times), not links."""
    copy = tmp_path / "checkout"
    copy.mkdir()
    for entry in scratch.path.iterdir():
        if entry.is_symlink() and entry.name not in copied:
            (copy / entry.name).symlink_to(entry.resolve())
    (copy / "data" / "runs").mkdir(parents=True)
    (copy / "data" / "reference").symlink_to(ROOT / "data" / "reference")
    for name in copied:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, copy / name)
        else:
            shutil.copy2(ROOT / name, copy / name)
    return Scratch(copy, scratch.env)


@pytest.mark.slow
def test_make_lab_serves_the_notebooks(scratch: Scratch) -> None:
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


def test_environment_yml_installs_the_lock():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- python=3\.11$", text, re.M)
    assert re.search(r"^\s+- -r requirements\.lock$", text, re.M) and re.search(r"^\s+- -e \.$", text, re.M)


CHECK_FIGURES = """<script>
window.addEventListener("load", () => {
  const imgs = [...document.images];
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  document.body.setAttribute("data-figures", JSON.stringify({total: imgs.length, broken: broken}));
});
</script></body>"""


@pytest.mark.slow
def test_every_figure_of_the_built_article_renders_in_chromium(scratch: Scratch, tmp_path: Path) -> None:
    article_built(scratch, scratch.run(ARTICLE_SMOKE))
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium, and it could not be installed here (needs root and Debian's apt)")
    html = (scratch.path / "build" / "article.html").read_text()
    page = tmp_path / "checked.html"
    page.write_text(html.replace("</body>", CHECK_FIGURES, 1))
    r = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    found = re.search(r'data-figures="([^"]+)"', r.stdout)
    assert found, f"the page did not finish loading in Chromium: {r.stderr[-2000:]}"
    figures = json.loads(found.group(1).replace("&quot;", '"'))
    expected = len(re.findall(r'<img[^>]+src="data:image/png', html))
    assert figures["total"] >= expected > 0 and figures["broken"] == 0, figures
