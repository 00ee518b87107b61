"""``python -m bench docs``: README.md and docs/*.md kept true to the committed runs and the code.

A **region** is a line ``<!-- bench docs: NAME -->``, the text rendered for NAME (one of
:data:`bench.presentation.rendering.REGIONS`), and a line ``<!-- /bench docs -->``; the documents of
:data:`bench.presentation.rendering.WHOLE` are rendered whole. :func:`write` renders every region and
whole document again; :func:`check` lists what is wrong without writing: a region whose text
differs from what rendering gives now (stale), a region it cannot read, and, in the prose
outside regions, code blocks and inline code, a number that looks measured (a ratio such as
``1.3x``, a percentage, a duration, a size in bytes, a rate, a decimal) and is not one of
:data:`GIVEN`, the short list of numbers that are not measurements, each with its source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.presentation import rendering
from bench.presentation.rendering import Committed

OPEN = re.compile(r"^<!-- bench docs: ([\w.-]+) -->$")
CLOSE = "<!-- /bench docs -->"
FENCE = re.compile(r"^\s*```")
#: What prose hides from the number check: inline code, HTML comments, link targets, URLs.
HIDDEN = re.compile(r"`[^`]*`|<!--.*?-->|\]\([^)]*\)|https?://\S+")
_NUM = r"(?<![\w.])\d+(?:\.\d+)?"
#: A number that looks measured: a ratio, a percentage, a duration, a size, a rate, a decimal.
MEASURED = re.compile(
    rf"{_NUM}\s?[x×](?!\w)"
    rf"|{_NUM}\s?%"
    rf"|{_NUM}\s?(?:ns|µs|us|ms|s|sec|seconds?|mins?|minutes?|h|hours?)(?![\w/])"
    rf"|{_NUM}\s?(?:[KMGT]i?B|bytes?)(?!\w)"
    rf"|{_NUM}\s?(?:requests?/s|requests? per second)"
    r"|(?<![\w.])\d+\.\d+(?![\w.])"
)


@dataclass(frozen=True)
class Given:
    """A number in prose that is not a measurement: ``text`` as the prose writes it (the
    phrase around the number, so that the same number elsewhere is still checked), and
    ``source``: the parameter in the code, or the citation, it comes from."""

    text: str
    source: str


#: The numbers in prose that are not measurements. Each must occur in some document (an
#: entry no document uses is reported), and a parameter's value is checked against its code
#: by the tests.
GIVEN: tuple[Given, ...] = (
    Given("2.2x faster (Flask 1 min 11 s, FastAPI 31.9 s)", "cited: the original article's `%time` (ARTICLE)"),
    Given("the article's 2.2x", "cited: the original article's ratio (ARTICLE)"),
    Given("Python 3.11", "pyproject.toml's requires-python"),
    Given("the free-threaded 3.13", "pyproject.toml's classifiers; scripts/freethreaded.sh builds python3.13"),
    Given("experimental in 3.13, supported from 3.14", "cited: PEP 703 and CPython's free-threading documentation"),
    Given("95% interval", "the confidence level of every interval (bench/vocabulary/stats.py)"),
    Given("95% **prediction** interval", "the level of agreement's predictions (stats.CONFIDENCE)"),
    Given("95% prediction interval", "the level of agreement's predictions (stats.CONFIDENCE)"),
    Given("85% of the memory available now", "servers/memory.py's USABLE_SHARE"),
    Given("exceeds 600 s", "servers/worktime.py's DEFAULT_LIMIT_S"),
    Given("up to 600 s", "servers/worktime.py's DEFAULT_LIMIT_S"),
    Given("in at least 90% of the prediction", "bench/analysis/agreement.py's PREDICTION_SHARE"),
    Given("at least 90% of the prediction checks", "bench/analysis/agreement.py's PREDICTION_SHARE"),
    Given("shifted by 10%", "the shift tests/analysis/test_agreement.py simulates"),
    Given("shifted by 10-15%", "the shift tests/analysis/test_runlevel.py simulates (12%)"),
    Given("within a factor of 1.3", "bench/frontends/explore.py's tolerance of a prediction"),
    Given("holds** within 25%", "bench/analysis/advice.py's TOLERANCE (issue 34's goal for bench advise)"),
    Given("1.0 means", "the definition of parallelism and of the ratios to the ideal"),
    Given("1.0: one after another", "the definition of parallelism"),
)


@dataclass(frozen=True)
class Problem:
    """Something wrong at a line of a document (``path`` relative to the repository)."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Region:
    """A rendered region: its name and the 0-based line indexes of its two markers."""

    name: str
    start: int
    end: int


def documents(root: Path) -> list[Path]:
    """The documents checked, relative to ``root``: README.md, then docs/*.md."""
    found = [Path("README.md")] if (root / "README.md").exists() else []
    return found + sorted(p.relative_to(root) for p in (root / "docs").glob("*.md"))


def regions(path: Path, lines: Sequence[str]) -> tuple[list[Region], list[Problem]]:
    """The regions of a document's ``lines``, and the markers that do not pair up or name no
    renderer."""
    found: list[Region] = []
    problems: list[Problem] = []
    opened: tuple[str, int] | None = None
    for i, line in enumerate(lines):
        start = OPEN.match(line.strip())
        if start:
            if opened is not None:
                problems.append(Problem(path, opened[1] + 1, f"region {opened[0]!r} is not closed"))
            opened = (start.group(1), i)
            if start.group(1) not in rendering.REGIONS:
                known = ", ".join(rendering.REGIONS)
                problems.append(Problem(path, i + 1, f"no region is named {start.group(1)!r} (known: {known})"))
        elif line.strip() == CLOSE:
            if opened is None:
                problems.append(Problem(path, i + 1, "a region closes here that never opened"))
            else:
                found.append(Region(opened[0], opened[1], i))
                opened = None
    if opened is not None:
        problems.append(Problem(path, opened[1] + 1, f"region {opened[0]!r} is not closed"))
    return [r for r in found if r.name in rendering.REGIONS], problems


def _rendered(text: str, path: Path, runs: Sequence[Committed]) -> tuple[str, list[Problem]]:
    """``text`` with every region's body rendered now, and the problems with its markers."""
    whole = rendering.WHOLE.get(path)
    if whole is not None:
        return whole(runs), []
    lines = text.splitlines()
    found, problems = regions(path, lines)
    for region in reversed(found):
        body = rendering.REGIONS[region.name](runs).splitlines()
        lines[region.start + 1 : region.end] = body
    return "\n".join(lines) + ("\n" if text.endswith("\n") else ""), problems


def _prose(lines: Sequence[str]) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) of each prose line: outside code blocks and regions, with
    inline code, HTML comments, link targets and URLs blanked out."""
    in_code = in_region = False
    for i, line in enumerate(lines, 1):
        if FENCE.match(line):
            in_code = not in_code
            continue
        if OPEN.match(line.strip()):
            in_region = True
        if not in_code and not in_region:
            yield i, HIDDEN.sub(lambda m: " " * len(m.group()), line)
        if line.strip() == CLOSE:
            in_region = False


def unsourced(path: Path, text: str, given: Sequence[Given], used: set[Given]) -> list[Problem]:
    """The numbers of ``text``'s prose that look measured and are not covered by ``given``
    (adding the entries that covered one to ``used``)."""
    problems = []
    for number, line in _prose(text.splitlines()):
        covers = [(g, m.start(), m.end()) for g in given for m in re.finditer(re.escape(g.text), line)]
        for m in MEASURED.finditer(line):
            by = [g for g, start, end in covers if start <= m.start() and m.end() <= end]
            if by:
                used.update(by)
                continue
            problems.append(
                Problem(
                    path,
                    number,
                    f"{m.group().strip()!r} looks measured and has no source (render it in a bench docs "
                    "region, or list it in bench.frontends.docs.GIVEN with where it comes from)",
                )
            )
    return problems


def check(root: Path, *, given: Sequence[Given] = GIVEN, runs: Sequence[Committed] | None = None) -> list[Problem]:
    """Everything wrong with the documents under ``root``: stale or unreadable regions and
    whole documents, unsourced numbers in prose, and entries of ``given`` no document uses.
    ``runs``: the committed runs to render from (default: those under ``root``)."""
    runs = rendering.committed(root) if runs is None else runs
    problems: list[Problem] = []
    used: set[Given] = set()
    paths = documents(root)
    for path in paths:
        text = (root / path).read_text()
        fresh, marks = _rendered(text, path, runs)
        problems += marks
        problems += _stale(path, text, fresh)
        if path not in rendering.WHOLE:
            problems += unsourced(path, text, given, used)
    for path in rendering.WHOLE:
        if path not in paths:
            problems.append(Problem(path, 1, "missing: run python -m bench docs to render it"))
    for g in given:
        if g not in used:
            problems.append(Problem(Path("bench/frontends/docs.py"), 1, f"GIVEN {g.text!r} is used by no document"))
    return problems


def _stale(path: Path, text: str, fresh: str) -> list[Problem]:
    """A problem at the first line where ``text`` differs from ``fresh``, naming the region."""
    if text == fresh:
        return []
    old, new = text.splitlines(), fresh.splitlines()
    line = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
    owner = next((r.name for r in regions(path, old)[0] if r.start < line < r.end), None)
    what = f"region {owner!r}" if owner else "the rendered text"
    return [
        Problem(
            path,
            line + 1,
            f"{what} is stale: rendering the committed runs now gives {new[line] if line < len(new) else '(nothing)'!r}"
            f" where it says {old[line] if line < len(old) else '(nothing)'!r}; run python -m bench docs",
        )
    ]


def write(root: Path, *, runs: Sequence[Committed] | None = None) -> list[Path]:
    """Render every region and whole document under ``root`` again (from ``runs``, default
    the committed runs under ``root``); the paths that changed."""
    runs = rendering.committed(root) if runs is None else runs
    changed = []
    for path in dict.fromkeys([*documents(root), *rendering.WHOLE]):
        target = root / path
        text = target.read_text() if target.exists() else ""
        fresh, problems = _rendered(text, path, runs)
        if problems:
            raise ValueError("; ".join(str(p) for p in problems))
        if fresh != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(fresh)
            changed.append(path)
    return changed
