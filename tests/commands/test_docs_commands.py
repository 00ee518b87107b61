"""Every command the README and docs/ show has a plan, and a test file runs each group of
plans (tests/doc_plans.py); the commands left to CI are the ones CI runs."""

from __future__ import annotations

import re

from tests import ROOT
from tests.doc_commands import RUNNABLE, ByCI, NotHere, Selection, documented_commands
from tests.doc_plans import ALL, PLANS


def test_every_command_of_the_pages_has_a_plan():
    commands = documented_commands()
    assert sorted(commands) == sorted(ALL), {
        "on a page, not planned": sorted(set(commands) - set(ALL)),
        "planned, on no page": sorted(set(ALL) - set(commands)),
    }


def test_no_command_is_planned_twice():
    seen = [command for group in PLANS.values() for command in group]
    assert len(seen) == len(set(seen)), sorted({c for c in seen if seen.count(c) > 1})


def test_each_group_of_plans_runs_in_its_own_test_file():
    files = {p.stem.removeprefix("test_readme_"): p for p in (ROOT / "tests" / "commands").glob("test_readme_*.py")}
    runnable = {g for g, plans in PLANS.items() if any(isinstance(p, RUNNABLE) for p in plans.values())}
    assert set(files) == runnable, "a tests/commands/test_readme_<group>.py for each group of runnable plans, no other"
    for group, path in files.items():
        assert f'group_tests("{group}")' in path.read_text(), f"{path.name} runs another group's plans"
        assert all(isinstance(p, RUNNABLE) for p in PLANS[group].values()), f"{group} holds a plan no test runs"


def test_the_commands_left_to_ci_are_the_ones_ci_runs():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    by_ci = [c for c, p in ALL.items() if isinstance(p, ByCI)]
    assert sorted(c for c in ci if c.startswith("make ")) == sorted(by_ci)
    assert all(isinstance(p, (ByCI, Selection, NotHere)) for p in PLANS["none"].values())


def recipe(target: str) -> str:
    """The Makefile's recipe of ``target``: its lines up to the next blank line."""
    text = (ROOT / "Makefile").read_text()
    found = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", text, re.M)
    assert found, f"the Makefile has no target {target}"
    return found.group(1)


def test_a_selection_of_the_tests_runs_what_its_plan_says_and_make_test_runs_them_all():
    """``make test-fast`` and ``make test-deep`` select from the tests ``make test`` runs (it
    leaves out only the tests marked alone, which it then runs alone): CI runs them there."""
    selections = {c: p for c, p in ALL.items() if isinstance(p, Selection)}
    assert selections
    for command, plan in selections.items():
        assert plan.args in recipe(command.removeprefix("make ")), (command, plan.args)
    whole = recipe("test")
    assert '-m "not alone"' in whole and "-m alone" in whole


def test_environment_yml_installs_the_lock():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- python=3\.11$", text, re.M)
    assert re.search(r"^\s+- -r requirements\.lock$", text, re.M) and re.search(r"^\s+- -e \.$", text, re.M)
