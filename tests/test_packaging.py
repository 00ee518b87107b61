"""What the project promises as a package: an MIT licence, the Python versions it tests, and
two locks, the runtime one (article, lab, runs) inside the development one (tests, lint)."""

from __future__ import annotations

import re
import tomllib

from tests import ROOT
from tests.doc_plans import pins

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
#: The Python versions the tests run under: this venv's 3.11, and the free-threaded 3.13 of
#: make freethreaded (scripts/freethreaded.sh).
TESTED = ("3.11", "3.13")


def test_the_licence_is_mit_and_the_metadata_says_so():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]


def test_the_classifiers_name_the_tested_pythons_and_linux():
    said = {c.rsplit(" :: ", 1)[1] for c in PROJECT["classifiers"] if re.fullmatch(r".*Python :: 3\.\d+", c)}
    assert said == set(TESTED)
    assert "Operating System :: POSIX :: Linux" in PROJECT["classifiers"]
    assert re.search(r"3\.13", (ROOT / "scripts" / "freethreaded.sh").read_text()), "the free-threaded build is 3.13"
    lowest, below = re.fullmatch(r">=(3\.\d+),<(3\.\d+)", PROJECT["requires-python"]).groups()  # type: ignore[union-attr]
    assert lowest == TESTED[0] and int(below.split(".")[1]) == int(TESTED[-1].split(".")[1]) + 1


def test_the_runtime_lock_lies_inside_the_development_lock():
    runtime, dev = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    assert runtime <= dev, f"versions of the runtime lock missing from the development lock: {sorted(runtime - dev)}"


def test_the_runtime_lock_has_no_development_tool():
    extras = PROJECT["optional-dependencies"]
    tools = {re.split(r"[<>=\[ ]", r)[0].lower() for r in extras["dev"] + extras["load"]} - {"fanout-bench"}
    runtime = {name for name, _ in pins(ROOT / "requirements.lock")}
    assert tools & runtime == set(), f"development tools in the runtime lock: {sorted(tools & runtime)}"
    assert {"jupyterlab", "papermill", "nbconvert", "ipykernel"} <= runtime


def test_each_make_target_installs_the_lock_it_needs():
    makefile = (ROOT / "Makefile").read_text()
    needs = dict(re.findall(r"^([\w-]+): \$\((RUNTIME|DEV)\)$", makefile, re.M))
    for target in ("article", "lab", "run", "report", "load", "serve-flask", "serve-fastapi", "freethreaded"):
        assert needs.get(target) == "RUNTIME", target
    for target in ("test", "test-fast", "test-deep", "lint", "lock", "load-locust"):
        assert needs.get(target) == "DEV", target
