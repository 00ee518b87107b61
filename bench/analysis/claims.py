"""Claims: each sentence the article states about its data, made together with the rule that
makes it true, and evaluated on the data it cites.

A :class:`Claim` holds its words, what it cites (a figure or section), its scope (every n,
size, mode and server variant it was computed on: :class:`Scope`), the numbers it rests on
(:class:`Fact`) and its :class:`Rule`. ``claim.holds`` runs the rule on the facts; doctor
the facts (:func:`dataclasses.replace`) and a claim whose words no longer fit them fails.

The constructors choose the words from the facts and give each wording its own rule:
:func:`ratio` says faster, slower or unresolved; :func:`general` says a general word
("whatever the framework") only when its test holds for every case in scope, else names
the cases it holds for. :func:`check` raises :class:`FalseClaim` if any claim does not hold.

No interval from fewer than :data:`bench.vocabulary.stats.MIN_TRIALS` trials: a figure with a side
measured fewer times has none (:class:`bench.analysis.figure.Figure`), and a fact's words say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bench.analysis.figure import Figure
from bench.vocabulary.config import IN_PROCESS
from bench.vocabulary.stats import TOO_FEW


@dataclass(frozen=True)
class Fact:
    """One number a claim rests on: ``value`` with its 95% interval [``low``, ``high``] (NaN
    when there is none), the trials of its least-measured side, what it is (``label``), and the
    trials of each side it was computed from (``counts``; empty where unknown)."""

    label: str
    value: float
    low: float
    high: float
    trials: int
    counts: tuple[int, ...] = ()

    @classmethod
    def of(cls, f: Figure, label: str | None = None) -> Fact:
        """A cited figure as a fact (a figure has no interval from fewer than :data:`MIN_TRIALS`
        trials a side, :class:`~bench.analysis.figure.Figure`)."""
        return cls(label or f.id, f.value, f.low, f.high, f.trials, tuple(k for _, k in f.sides))

    @property
    def has_interval(self) -> bool:
        return bool(np.isfinite(self.low) and np.isfinite(self.high))

    @property
    def side(self) -> int:
        """1: resolved above 1; -1: resolved below 1; 0: unresolved (the interval includes 1,
        or there is none)."""
        if not self.has_interval:
            return 0
        return 1 if self.low > 1 else (-1 if self.high < 1 else 0)

    def rests_on(self) -> str:
        """The trials it rests on, in words: ``14 and 12 trials``, ``10 trials``."""
        counts = self.counts or (self.trials,)
        if len(set(counts)) == 1 and len(counts) >= 2:
            return f"{counts[0]} trials a side"
        return f"{joined([str(k) for k in counts])} trials"

    def interval(self, scale: float = 1.0, digits: int = 2) -> str:
        """``95% CI 1.28-1.63, 14 and 12 trials``, or that there were too few trials for one
        (and how many)."""
        if not self.has_interval:
            return f"{TOO_FEW}: {self.rests_on()}"
        return f"95% CI {self.low * scale:.{digits}f}-{self.high * scale:.{digits}f}, {self.rests_on()}"

    def brief(self) -> str:
        """The ratio in few words: ``1.43x (95% CI 1.32-1.54, 10 trials a side)``."""
        if not self.has_interval:
            return f"{self.value:.2f}x ({self.rests_on()}, too few for an interval)"
        return f"{self.value:.2f}x (95% CI {self.low:.2f}-{self.high:.2f}, {self.rests_on()})"

    def words(self, scale: float = 1.0, digits: int = 2, unit: str = "x") -> str:
        """The number, its interval and its trials: ``1.43x (95% CI 1.32-1.54, 10 trials a side)``."""
        return f"{self.value * scale:.{digits}f}{unit} ({self.interval(scale, digits)})"


@dataclass(frozen=True)
class Scope:
    """What a claim was computed on: every n, size and mode, and each server variant by its one
    name (e.g. "Flask, plain threaded server")."""

    n: tuple[int, ...] = ()
    sizes: tuple[int, ...] = ()
    modes: tuple[str, ...] = ()
    servers: tuple[str, ...] = ()

    def words(self) -> str:
        """The scope in words, as the claim states it: ``n=5, size 1000, process mode``."""
        parts = []
        if self.n:
            parts.append(joined([f"n={k}" for k in self.n]))
        if self.sizes:
            parts.append(("size " if len(self.sizes) == 1 else "sizes ") + joined([str(s) for s in self.sizes]))
        if self.modes:
            parts.append(joined([MODE_WORDS.get(m, m) for m in self.modes]))
        return ", ".join(parts)


#: How the article names each mode.
MODE_WORDS = {"process": "process mode", "thread": "thread mode", IN_PROCESS: "in-process"}


def joined(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if not words:
        return ""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def value_range(values: Iterable[float], fmt: str = ".2f") -> str:
    """``values`` in words at format ``fmt``: ``1.00`` when they all read alike, else
    ``0.98 to 1.03`` (``fmt="d"`` for counts: ``3``, ``3 to 5``)."""
    seen = list(values)
    low, high = format(min(seen), fmt), format(max(seen), fmt)
    return low if low == high else f"{low} to {high}"


@dataclass(frozen=True)
class Rule:
    """What must be true of a claim's facts for its words to hold: ``says`` in words, ``test``
    on the facts."""

    says: str
    test: Callable[[Sequence[Fact]], bool]

    def __call__(self, facts: Sequence[Fact]) -> bool:
        return bool(facts) and bool(self.test(facts))


def each(says: str, test: Callable[[Fact], bool]) -> Rule:
    """A rule that holds when ``test`` holds for every fact."""
    return Rule(says, lambda facts: all(test(f) for f in facts))


def fastest(named: Mapping[str, str]) -> Rule:
    """A rule that holds when, for each label prefix of ``named``, the largest fact whose label
    starts with it is the one ``named`` gives (``{"": label}``: the largest of all)."""

    def test(facts: Sequence[Fact]) -> bool:
        for prefix, label in named.items():
            group = [f for f in facts if f.label.startswith(prefix)]
            if not group or max(group, key=lambda f: f.value).label != label:
                return False
        return True

    return Rule(f"the largest is {joined(list(named.values()))}", test)


ABOVE = each("every interval lies above 1", lambda f: f.side == 1)
BELOW = each("every interval lies below 1", lambda f: f.side == -1)
UNRESOLVED = each("no interval excludes 1", lambda f: f.side == 0)


@dataclass(frozen=True)
class Claim:
    """One sentence about the data: its words, what it cites, its scope, the facts it rests on
    and the rule that makes it true."""

    id: str
    text: str
    cites: str
    scope: Scope
    facts: tuple[Fact, ...]
    rule: Rule

    @property
    def holds(self) -> bool:
        return self.rule(self.facts)

    def why_not(self) -> str:
        """What is wrong, for a claim that does not hold."""
        numbers = "; ".join(f"{f.label} {f.words()}" for f in self.facts)
        return f"{self.id} ({self.cites}, {self.scope.words()}): {self.text!r} needs {self.rule.says}: {numbers}"


class FalseClaim(AssertionError):
    """Some claim of the article does not hold on the data it cites."""


def check(claims: Iterable[Claim]) -> list[Claim]:
    """Every claim, after making sure each holds; :class:`FalseClaim` names those that do not."""
    out = list(claims)
    false = [c for c in out if not c.holds]
    if false:
        raise FalseClaim("claims that do not hold:\n" + "\n".join(c.why_not() for c in false))
    return out


def ratio(
    cid: str,
    fact: Fact,
    *,
    cites: str,
    scope: Scope,
    a: str,
    b: str,
    verb: str = "took",
    amount: str = "as long as",
    lower: str = "faster",
) -> Claim:
    """``a``'s measure over ``b``'s, in words: "``a`` ``verb`` 1.43x ``amount`` ``b`` (95% CI
    ...)", then who is ``lower`` (resolved above or below 1), or that it is unresolved (an
    interval that includes 1, or too few trials for one): each wording with its rule."""
    said = f"{a} {verb} {fact.value:.2f}x {amount} {b} ({fact.interval()})"
    if fact.side == 1:
        text, rule = f"{said}: {b} is {lower}", ABOVE
    elif fact.side == -1:
        text, rule = f"{said}: {a} is {lower}", BELOW
    elif fact.has_interval:
        text, rule = f"{said}: unresolved, the interval includes 1", UNRESOLVED
    else:
        text, rule = f"{said}: no conclusion", each("it has no interval", lambda f: not f.has_interval)
    return Claim(cid, text, cites, scope, (fact,), rule)


#: Up to this many cases, a general claim that holds for some names both sides; beyond, only the
#: fewer side and the count.
SPELLED_OUT = 3


def general(
    cid: str,
    facts: Sequence[Fact],
    test: Callable[[Fact], bool],
    *,
    cites: str,
    scope: Scope,
    said: str,
    every: str,
    over: str,
) -> Claim:
    """A general statement: "``said``, ``every``" (e.g. "whatever the framework") only when
    ``test`` holds for every fact in scope; otherwise "``said`` for" the cases it holds for and
    not for the others, naming both up to :data:`SPELLED_OUT` cases and beyond only the fewer
    side with the count (the rule checks exactly that split)."""
    labels = [f.label for f in facts]
    if len(set(labels)) < len(labels):
        raise ValueError(f"{cid}: a general claim needs one fact per case, got {labels}")
    yes = [f.label for f in facts if test(f)]
    if len(yes) == len(facts):
        return Claim(cid, f"{said}, {every}", cites, scope, tuple(facts), each(f"it holds for every {over}", test))
    no = [f.label for f in facts if not test(f)]
    if not yes:
        text = f"{said}: for no {over}"
    elif len(facts) <= SPELLED_OUT:
        text = f"{said} for {joined(yes)}, not for {joined(no)}"
    elif len(yes) <= len(no):
        text = f"{said} for {joined(yes)} only, {len(yes)} of the {len(facts)} cases"
    else:
        text = f"{said} for all but {joined(no)}, {len(yes)} of the {len(facts)} cases"
    named = set(yes)
    rule = Rule(
        f"it holds exactly for {joined(yes) or 'none'}",
        lambda fs: all(test(f) == (f.label in named) for f in fs),
    )
    return Claim(cid, text, cites, scope, tuple(facts), rule)


def stated(cid: str, text: str, facts: Sequence[Fact], rule: Rule, *, cites: str, scope: Scope) -> Claim:
    """A claim in words of its own, with the rule that makes it true."""
    return Claim(cid, text, cites, scope, tuple(facts), rule)
