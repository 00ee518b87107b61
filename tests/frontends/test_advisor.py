"""``python -m bench advise`` and ``advise(fn)``: what it cannot advise on exits 2 in one line,
a function that raises in a trial is reported with its own exception, the JSON record, a
function defined where it is called, and nothing left running."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import advise
from bench.analysis.advice import TOLERANCE
from bench.frontends import docs
from bench.vocabulary.advice_records import STRATEGIES
from tests import ROOT
from tests.conftest import assert_no_new_threads, children, live_threads
from tests.frontends.test_cli import bench

HERE = "tests.frontends.test_advisor"
NOT_CALLABLE = "a string"
_CALLS = [0]


def crunch(k: int = 200_000) -> int:
    """Pure Python: holds the GIL."""
    acc = 0
    for i in range(k):
        acc = (acc + i * i) % 1_000_003
    return acc


def raises_later(k: int = 20_000) -> int:
    """Fine for its first calls (the ones that make it), then raises."""
    _CALLS[0] += 1
    if _CALLS[0] > 3:
        raise RuntimeError(f"call {_CALLS[0]} failed")
    return crunch(k)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["no_such_module_for_advice:f"], "no module named 'no_such_module_for_advice'"),
        ([f"{HERE}:nothing"], "has no attribute 'nothing'"),
        ([f"{HERE}:NOT_CALLABLE"], "is a str, not a function"),
        ([f"{HERE}:crunch", "--args", '["many", "arguments"]'], "raised TypeError: crunch() takes from 0 to 1"),
        ([f"{HERE}:crunch", "--args", "{not json"], "arguments are JSON"),
        ([f"{HERE}:crunch", "--args", "[1]", "--trials", "7"], "--trials 7: at least 8"),
        ([f"{HERE}:crunch", "--n", "0"], "--n 0: the number of calls, at least 1"),
        ([f"{HERE}:crunch", "--python", "/no/such/python"], "python '/no/such/python' does not exist"),
        ([f"{HERE}", "--args", "[1]"], "is not MODULE:FUNCTION"),
        ([], "advise needs MODULE:FUNCTION (or --accuracy)"),
        (["--accuracy", f"{HERE}:crunch"], "--accuracy measures its own list of functions"),
        (["--accuracy", "--only", "no-such-function"], "no function of the accuracy list matches no-such-function"),
    ],
)
def test_what_cannot_be_advised_on_exits_2_with_one_line_saying_what(args, said, capsys):
    before = children()
    r = bench(capsys, "advise", *args)
    assert r.returncode == 2 and r.stdout == "", (r.returncode, r.stdout)
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1 and said in r.stderr, r.stderr
    assert children() <= before  # refused before it started a pool, a runner or a server


def test_the_tolerance_the_docs_state_is_the_code_s():
    (given,) = [g for g in docs.GIVEN if "within 25%" in g.text]
    assert TOLERANCE == 0.25 and "TOLERANCE" in given.source


def advise_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", "advise", *args, "--no-progress"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_a_function_that_raises_in_a_trial_is_reported_with_its_exception_not_a_traceback():
    done = advise_command(f"{HERE}:raises_later", "--trials", "8")
    assert done.returncode == 1 and done.stdout == "", done.stdout
    said = done.stderr.splitlines()[-1]  # after a warning if the machine is busy
    assert said.startswith(f"error: {HERE}:raises_later raised RuntimeError: call 4 failed"), done.stderr
    assert "Traceback" not in done.stderr, done.stderr


@pytest.mark.slow
def test_advise_in_a_notebook_takes_a_function_defined_there_and_leaves_nothing_running():
    threads, processes = live_threads(), children()
    k = 150_000

    def local() -> int:  # defined here: the pool gets it by value
        return crunch(k)

    table = advise(local, n=2, python="", rounds=8, seed=1, draw=False, progress=False)
    assert list(table["row"])[:4] == list(STRATEGIES)
    processes_row = table.set_index("row").loc["processes"]
    assert processes_row["trials"] == 8 and processes_row["speedup_low"] > 0
    free = table.set_index("row").loc["threads, free-threaded"]
    assert free["verdict"] == "not measured" and "make freethreaded" in str(free["note"])
    record = table.attrs["record"]
    assert record["function"].endswith("local") and record["advice"]
    assert_no_new_threads(threads)
    assert children() <= processes
