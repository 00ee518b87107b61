"""Running the commands the README and docs/ show, as a user would in a terminal.

Each command runs in a scratch copy of the checkout (symlinks to everything but ``data/`` and
``build/``), so that what it writes stays out of the repository, with this environment first
on the PATH, as ``. .venv/bin/activate`` would put it. Servers stop with Ctrl-C, as in a
terminal; a server on one of the article's fixed ports holds a lock on that port (shared by
every test process of this machine) while it runs, so that test files on other workers wait
for the port instead of failing on it. :mod:`tests.doc_plans` says, command by command, what
runs and what is checked; the ``tests/commands/test_readme_*.py`` files run them, a group each.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO

import pytest
import requests

from . import ROOT
from .sharing import locked, session_folder, wait_for

BIN = Path(sys.executable).parent
#: What a scratch copy does not link to: what commands write, and caches.
UNLINKED = {"data", "build", "lab", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
#: Inline code in the pages' prose that is a command.
INLINE_COMMAND = re.compile(r"(make|python -m \w+|\.venv/bin/\S+|conda) \S")
#: Longest wait for a fixed port that another test process is using.
PORT_WAIT_S = 300.0
#: The bound on a command that makes a whole smoke run, and on what a command needs before
#: it (seconds here; minutes on a busy machine): a guard against a hang, not a goal.
LONG_S = 600.0
#: The smoke run: the pages' ``make run`` at the smoke preset, which runs the pages' ``python -m
#: bench run --preset smoke --out data/runs`` and then reports it; the tests that read a smoke run
#: read that one.
RUN_SMOKE = "make run PRESET=smoke"
#: The scratch copy where it runs, shared by the session's test processes.
SMOKE_SCRATCH = "smoke"
#: The command ``make run`` runs first, as make prints it.
BENCH_RUN = ".venv/bin/python -m bench run --preset smoke --out data/runs"


def pages() -> list[Path]:
    """The pages whose commands are run: README.md, then docs/*.md."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def documented_commands() -> list[str]:
    """Every command the pages show, in order, once: each line of their ``sh`` blocks
    (continuation lines joined, comments dropped), each ``python`` block whole, and inline
    code in their prose that reads as a command."""
    found = []
    for page in pages():
        text = page.read_text()
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
    """A scratch copy of the checkout that commands run in, and what ran there. A ``shared``
    one is shared by the session's test processes (:func:`shared_scratch`): each command runs
    in one of them, under a lock, and the others get its result from a file."""

    path: Path
    env: dict[str, str]
    finished: dict[str, Finished] = field(default_factory=dict)
    shared: bool = False

    def run(self, command: str, timeout: float = 300.0) -> Finished:
        """Run ``command`` with bash to its end (once: a second call gets the first result).
        A command that does not end within ``timeout``, or whose test is stopped, is killed
        with its whole process group, and kept as failed, so that the commands sharing its
        result fail at once instead of running it again."""
        if command in self.finished:
            return self.finished[command]
        if not self.shared:
            return self._run(command, timeout)
        kept = self.path / ".finished"
        kept.mkdir(exist_ok=True)
        name = hashlib.sha256(command.encode()).hexdigest()[:16]
        with locked(kept / f"{name}.lock"):
            record = kept / f"{name}.json"
            if record.exists():
                self.finished[command] = Finished(**json.loads(record.read_text()))
                return self.finished[command]
            try:
                return self._run(command, timeout)
            finally:
                if command in self.finished:
                    record.write_text(json.dumps(asdict(self.finished[command])))

    def _run(self, command: str, timeout: float) -> Finished:
        proc = self.popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = proc.communicate(timeout=timeout)
        except BaseException as e:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
            why = f"did not end within {timeout:.0f} s" if isinstance(e, subprocess.TimeoutExpired) else repr(e)
            self.finished[command] = Finished(command, -signal.SIGKILL, "", f"killed: {why}")
            if isinstance(e, subprocess.TimeoutExpired):
                raise AssertionError(f"{command!r} {why}") from None
            raise
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


def new_scratch(tmp_path_factory: pytest.TempPathFactory) -> Scratch:
    """A scratch copy of the checkout, with empty ``data/runs`` and the committed runs linked."""
    return _scratch_at(tmp_path_factory.mktemp("checkout"))


def shared_scratch(tmp_path_factory: pytest.TempPathFactory, name: str) -> Scratch:
    """The scratch copy called ``name`` that every test process of this session shares (made
    by the first to ask): what a command made there, the others read."""
    path = session_folder(tmp_path_factory) / f"shared-checkout-{name}"
    with locked(path.with_suffix(".lock")):
        if not path.exists():
            _scratch_at(path)
    return replace(_scratch_at(path, make=False), shared=True)


#: The committed runs under data/ that a scratch copy links to (the rest of data/ is its own).
COMMITTED_RUNS = ("reference", "gil-reference")


def link_committed_runs(path: Path) -> None:
    """Link the checkout's committed run folders into the scratch copy at ``path``."""
    for name in COMMITTED_RUNS:
        if (ROOT / "data" / name).exists():
            (path / "data" / name).symlink_to(ROOT / "data" / name)


def _scratch_at(path: Path, *, make: bool = True) -> Scratch:
    if make:
        path.mkdir(exist_ok=True)
        for entry in ROOT.iterdir():
            if entry.name not in UNLINKED:
                (path / entry.name).symlink_to(entry)
        (path / "data" / "runs").mkdir(parents=True)
        link_committed_runs(path)
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
def port_held(port: int) -> Iterator[None]:
    """Hold this machine's lock on ``port`` for the block (waiting for it at most
    :data:`PORT_WAIT_S`): test processes that take it never start two servers on one port."""
    path = Path(tempfile.gettempdir()) / f"fanout-test-port-{port}.lock"
    with open(path, "a") as lock:
        deadline = time.monotonic() + PORT_WAIT_S
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.skip(f"port {port} stayed locked by another test process for {PORT_WAIT_S:.0f} s")
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def terminal(scratch: Scratch, command: str, port: int) -> Iterator[Terminal]:
    """Run a server command for the block, holding its port's lock: wait until it answers
    ``/ping`` on ``port``, and stop it with Ctrl-C afterwards; its port must be free again."""
    with port_held(port), _terminal(scratch, command, port) as t:
        yield t


@contextmanager
def _terminal(scratch: Scratch, command: str, port: int) -> Iterator[Terminal]:
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
    #: Entries of the checkout the command rewrites: it runs in a scratch copy of its own
    #: where they are copies, not links.
    copied: tuple[str, ...] = ()
    #: Needs the free-threaded Python of ``make freethreaded`` (skipped, saying so, without it).
    free_threaded: bool = False


@dataclass(frozen=True)
class Serve:
    """Run a server ``command`` as in a terminal, ``check`` it while it serves on ``port``,
    then stop it with Ctrl-C."""

    command: str
    port: int
    check: Callable[[Terminal, str], None]
    free_threaded: bool = False


@dataclass(frozen=True)
class WithServers:
    """Start ``servers`` (commands and ports) as in terminals, then run ``command`` to its end."""

    servers: tuple[tuple[str, int], ...]
    command: str
    check: Callable[[Scratch, Finished, list[Terminal]], None]


@dataclass(frozen=True)
class Interactive:
    """A command that runs until stopped and is checked while it runs (JupyterLab):
    ``check`` starts it in the scratch copy, checks it and stops it."""

    check: Callable[[Scratch], None]


@dataclass(frozen=True)
class ByCI:
    """Run as written by ``.ci/run``, on every submission."""


@dataclass(frozen=True)
class Selection:
    """Runs a selection of the tests ``make test`` runs, the same tests (CI runs them within
    ``make test``, never twice): ``args``, the pytest arguments its Makefile recipe passes."""

    args: str


@dataclass(frozen=True)
class NotHere:
    """Cannot run on this machine; ``why`` says why."""

    why: str


Plan = Run | Serve | WithServers | Interactive | ByCI | Selection | NotHere
#: The plans a test runs (the others say why not).
RUNNABLE = (Run, Serve, WithServers, Interactive)


def copy_of(scratch: Scratch, tmp_path: Path, copied: tuple[str, ...]) -> Scratch:
    """A scratch copy of the checkout whose entries ``copied`` are copies (with their times), not links."""
    copy = tmp_path / "checkout"
    copy.mkdir()
    for entry in scratch.path.iterdir():
        if entry.is_symlink() and entry.name not in copied:
            (copy / entry.name).symlink_to(entry.resolve())
    (copy / "data" / "runs").mkdir(parents=True)
    link_committed_runs(copy)
    for name in copied:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, copy / name)
        else:
            shutil.copy2(ROOT / name, copy / name)
    return Scratch(copy, scratch.env)


def newest(scratch: Scratch, kind: str) -> Path:
    runs = scratch.runs(kind)
    assert runs, f"no {kind} run folder under {scratch.path / 'data' / 'runs'}"
    return runs[-1]


def meta(folder: Path) -> dict[str, object]:
    m: dict[str, object] = json.loads((folder / "meta.json").read_text())
    return m


def bound_s(plan: Plan) -> float:
    """The longest a plan's test may take: its commands' own bounds, and a margin to stop
    them (pytest-timeout's limit for the test, so that the plan's own bound, which kills the
    command's process group and says which command, comes first)."""
    if isinstance(plan, Run):
        return plan.timeout + LONG_S * len(plan.needs) + 60.0
    return 600.0


def run_plan(plan: Plan, scratch: Scratch, tmp_path: Path) -> None:
    """Run ``plan`` in ``scratch`` (once per scratch copy for what several commands share:
    a command's first result is kept) and check what it did."""
    if isinstance(plan, Run | Serve) and plan.free_threaded and not (ROOT / ".venv-ft" / "bin" / "python").exists():
        pytest.skip(
            f"{plan.command!r} needs .venv-ft: `make freethreaded` builds a free-threaded Python and enables it"
        )
    if isinstance(plan, Run):
        if plan.copied:
            scratch = copy_of(scratch, tmp_path, plan.copied)
        for need in plan.needs:
            scratch.run(need, LONG_S).ok()
        # <smoke>, <load-smoke>: the newest run of that preset the commands before made
        actual = re.sub(r"<((?:load-)?smoke)>", lambda m: newest(scratch, m.group(1)).name, plan.command)
        plan.check(scratch, scratch.run(actual, plan.timeout))
    elif isinstance(plan, Serve):
        with terminal(scratch, plan.command, plan.port) as t:
            plan.check(t, f"http://127.0.0.1:{plan.port}")
    elif isinstance(plan, WithServers):
        if plan.command not in scratch.finished:
            with ExitStack() as stack:
                terminals = [stack.enter_context(terminal(scratch, c, port)) for c, port in plan.servers]
                plan.check(scratch, scratch.run(plan.command, timeout=180), terminals)
    elif isinstance(plan, Interactive):
        plan.check(scratch)
    else:
        raise AssertionError(f"{plan} is not run by a test")
