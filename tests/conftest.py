"""Shared fixtures: small servers in thread mode, and a guard that tests leave no thread."""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from bench.analysis import results_cache
from bench.instrument import debian
from bench.instrument.store import Run
from bench.vocabulary.config import Config
from bench.vocabulary.records import Measurement, TrialRow
from servers import frameworks, launch

from .doc_commands import LONG_S, RUN_SMOKE, SMOKE_SCRATCH, newest, shared_scratch
from .sharing import wait_for

# jsonschema (which nbformat imports) checks the "iri" format with rfc3987_syntax when that
# is installed, and rfc3987_syntax builds an Earley parser as it is imported: two seconds of
# CPU in every test process (each xdist worker) before the first test. No schema validated
# here has an IRI; without the module, jsonschema leaves that one format unchecked.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "cannot be imported"

SMALL = 200  # array side small enough for milliseconds per task

#: The article's routes and bodies, as the article printed them (the two frameworks it used).
ARTICLE_ROUTES = {
    "flask": ("/api/multiply", {"message": "Hello"}),
    "fastapi": ("/api-fast/multiply", {"message": "HELLO"}),
}


def pytest_configure(config: pytest.Config) -> None:
    """Results kept on disk (:mod:`bench.analysis.results_cache`) live in a folder of this session's, made by the
    first process (the xdist workers and every command a test runs inherit it): each session
    computes its own, and none is left in the user's cache."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # a worker: the session's first process made it
    folder = tempfile.mkdtemp(prefix="fanout-bench-results-")
    os.environ[results_cache.ENV] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--deep",
        action="store_true",
        help="the generated-input and lifecycle tests at their full sizes (make test-deep)",
    )


@pytest.fixture(scope="session")
def deep(request: pytest.FixtureRequest) -> bool:
    """Whether the run asked for the full sizes (``--deep``, ``make test-deep``): the tests
    that repeat something many times to find what fails rarely run their reduced sizes
    otherwise, sizes still large enough to catch the faults they are there for."""
    return bool(request.config.getoption("deep"))


#: The test files that take longest, first (make test runs files in this order, on four workers:
#: ``--no-loadscope-reorder``): the article's build first, which makes the smoke run and the load
#: run on its way (the critical path, about 2 minutes), then the longest of the rest. Files are
#: named by their name alone, wherever they lie under tests/ (no name is used twice there: a test
#: of tests/test_architecture.py checks it, and that each name here is a file's).
LONGEST_FIRST = (
    "test_readme_article.py",
    "test_notebooks.py",
    "test_browser.py",
    "test_readme_accuracy.py",
    "test_readme_advise.py",
    "test_readme_external.py",
    "test_readme_yourapp.py",
    "test_readme_production.py",
    "test_server_lifecycle.py",
    "test_readme_terminals.py",
    "test_own.py",
    "test_production_servers.py",
    "test_agreement.py",
    "test_userapp_serving.py",
    "test_fuzz.py",
    "test_terminal.py",
)
#: The pages' groups whose files read the smoke run (besides the tests that use ``smoke_run``).
READS_THE_SMOKE_RUN = ("test_readme_runs.py", "test_readme_bench.py", "test_readme_load.py")


@pytest.hookimpl(tryfirst=True)  # before -m selects, so that -m deep finds the tests marked here
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files in the order :data:`LONGEST_FIRST`, then those that read the smoke run (by the time
    a worker is done with a long file the article's build has made it, and a long file last
    would keep one worker busy while the others wait), then the rest. Tests that use the
    ``deep`` fixture are marked ``deep``; those that read the smoke run, ``slow``."""
    reads = set(READS_THE_SMOKE_RUN)
    for item in items:
        if "deep" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.deep)
        if "smoke_run" in getattr(item, "fixturenames", ()):  # a whole smoke run: never in make test-fast
            item.add_marker(pytest.mark.slow)
            reads.add(item.path.name)

    def order(item: pytest.Item) -> tuple[int, int]:
        name = item.path.name
        if name in LONGEST_FIRST:
            return (0, LONGEST_FIRST.index(name))
        return (1 if name in reads else 2, 0)

    items.sort(key=order)


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The smoke run the pages' ``make run`` makes (at the smoke preset) in the scratch copy
    that the runs and bench groups share (tests/doc_plans.py), shared by every test that reads
    it: the first test process to need it runs the command while the others wait, then all
    read the same folder."""
    scratch = shared_scratch(tmp_path_factory, SMOKE_SCRATCH)
    scratch.run(RUN_SMOKE, timeout=LONG_S).ok()
    return Run(newest(scratch, "smoke"))


def trial_row(config: Config, *, seq: int = 0, warmup: bool = False, **measured: Any) -> TrialRow:
    """A row of trials.csv for ``config`` that measured ``measured`` (the rest: defaults)."""
    return TrialRow(
        run_id="test",
        seq=seq,
        repeat=0,
        warmup=warmup,
        server="",
        started_at="",
        memory_wait_s=0.0,
        quiet_wait_s=0.0,
        measured=Measurement(**measured),
        **config.to_dict(),
    )


def query(**params: str | int) -> dict[str, str | int]:
    """A request's query, for ``requests.get(..., params=query(n=2, workload="sleep"))``."""
    return params


def live_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive()}


def gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie not yet reaped counts as ended)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def children() -> set[int]:
    """This process's descendants, but for multiprocessing's resource tracker: started by
    the first process pool, it serves every later one and ends with this process."""
    found = set()
    for p in psutil.Process().children(recursive=True):
        try:
            if not any("multiprocessing.resource_tracker" in part for part in p.cmdline()):
                found.add(p.pid)
        except psutil.Error:
            continue
    return found


def assert_no_new_threads(before: set[threading.Thread]) -> None:
    if live_threads() <= before:
        return
    # An idle executor thread ends when its executor is collected; after an exception in a
    # Flask async view, asgiref's one-use loop executor waits in a reference cycle of the
    # traceback for the next garbage collection, so collect it now rather than wait (a full
    # collection takes a tenth of a second here, so only when a thread is left).
    gc.collect()
    assert wait_for(lambda: live_threads() <= before, timeout=5), (
        f"threads left behind: {[t.name for t in live_threads() - before]}"
    )


@pytest.fixture(autouse=True)
def no_leftover_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test must leave the threads it found, and no more. Tests on a shared server
    (a fixture called ``server`` or ``*_server``) are checked when that server stops: its
    pools are its own until then."""
    before = live_threads()
    yield
    if not any(name == "server" or name.endswith("_server") for name in request.fixturenames):
        assert_no_new_threads(before)


@pytest.fixture(scope="module", params=frameworks.FRAMEWORKS)
def server(request: pytest.FixtureRequest) -> Iterator[launch.Server]:
    """Each framework's app in thread mode, shared by one module's tests; once it stops,
    no thread it started may be left."""
    before = live_threads()
    with launch.serve(request.param, "thread", size=SMALL) as s:
        yield s
    assert_no_new_threads(before)


def chromium() -> str | None:
    """A Chromium to drive: one on the PATH, else Debian's, installed where allowed (as root)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return debian.program("chromium", "chromium")
