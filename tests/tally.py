"""The closing lines of ``make test``: how long it took, and the counts of its pytest calls.

python -m tests.tally --seconds 252 build/test-results/others.xml build/test-results/alone.xml

prints ``make test: 4 min 12 s``, then ``tests: 430 passed, 0 failed, 3 skipped`` (the
JUnit XML reports of every call, summed; errors count as failed), the last line in the plain
form CI reads. Exits 1 when a report is missing or unreadable (pytest did not get as far as
writing it), saying which.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path


def counts(report: Path) -> Counter[str]:
    """passed, failed and skipped of one JUnit XML report (pytest's ``--junitxml``)."""
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    found: Counter[str] = Counter()
    for suite in suites:
        total, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        found.update(passed=total - failed - skipped, failed=failed, skipped=skipped)
    return found


def duration(seconds: float) -> str:
    """``seconds`` as ``4 min 12 s`` (``12 s`` under a minute)."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.tally", description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, required=True, help="how long the tests took")
    p.add_argument("reports", nargs="+", type=Path, help="pytest --junitxml reports")
    args = p.parse_args(argv)
    total: Counter[str] = Counter()
    unread = []
    for report in args.reports:
        try:
            total += counts(report)
        except (OSError, ET.ParseError) as e:
            unread.append(f"{report} ({e.__class__.__name__}: {e})")
    print(f"make test: {duration(args.seconds)}")
    if unread:
        print(f"no result from pytest in {', '.join(unread)}", file=sys.stderr)
    print(f"tests: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if unread else 0


if __name__ == "__main__":
    sys.exit(main())
