"""The answer on the first screen, in three plain sentences, each a claim checked on the data
it cites: whether FastAPI is faster (in which meaning, by how much, against the article's own
Flask and a plain one), why (the decomposition's resolved steps, in words), and what to do
(the What to do table's measured strategies)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.analysis.claims import Claim, Fact, Rule, Scope, joined, stated, value_range
from bench.analysis.families import gap
from bench.analysis.figure import Figure, by_id
from bench.presentation.article.captions import SERIAL, link, sentence

#: Each step of the gap as the answer names it.
STEP_WORDS = {
    "debug": "Flask's debug mode",
    "thread": "Werkzeug's thread per request",
    "framework": "the frameworks themselves",
    "settle": "FastAPI answering before it frees its results",
}
#: Who answered sooner, by the side of Flask's time over FastAPI's.
SOONER = {1: "FastAPI answered sooner", -1: "Flask answered sooner", 0: "neither answered resolvably sooner"}


def _faster(by: Mapping[str, Figure], scope: Scope) -> Claim | None:
    total, iso, b2b = (by.get(k) for k in ("gap.isolated.total", "headline.isolated", "headline.back_to_back"))
    if total is None or iso is None:
        return None
    t, i = Fact.of(total, "the article's Flask"), Fact.of(iso, "a plain Flask")
    facts = [t, i]
    text = (
        f"For one request after the server went idle, {SOONER[t.side]}: the article's own Flask (debug mode) took "
        f"{t.brief()} as long as its FastAPI, a plain Flask {i.brief()}"
    )
    if b2b is not None:
        b = Fact.of(b2b, "back to back")
        facts.append(b)
        text += f"; sent back to back, {b.value:.2f}x, " + (SOONER[b.side] if b.side else "unresolved")
    sides = tuple(f.side for f in facts)
    rule = Rule("each verdict is its interval's side", lambda fs: tuple(f.side for f in fs) == sides)
    return stated("answer.faster", text + f" ({link('faster')})", facts, rule, cites="the answer", scope=scope)


def _why(by: Mapping[str, Figure], scope: Scope) -> Claim | None:
    steps = {name: by.get(f"gap.isolated.{name}") for name, _ in gap.STEPS}
    if any(f is None for f in steps.values()):
        return None
    facts = [Fact.of(f, name) for name, f in steps.items() if f is not None]
    parallel = [Fact.of(f, f.id) for k in ("parallelism.flask", "parallelism.fastapi") if (f := by.get(k)) is not None]
    parallel = [p for p in parallel if p.value == p.value]  # runs older than the CPU reading have none
    said = []
    if parallel:
        said.append(f"neither ran the tasks at once (parallelism {value_range(p.value for p in parallel)})")
    resolved = [f for f in facts if f.side == 1 and f.label != "framework"]
    if resolved:
        said.append("the lead came from " + joined([f"{STEP_WORDS[f.label]}, {f.brief()}" for f in resolved]))
    else:
        said.append("no single step of the gap is resolved on its own")
    framework = next(f for f in facts if f.label == "framework")
    said.append(
        f"{STEP_WORDS['framework']} came to {framework.value:.2f}x" + ("" if framework.side else ", unresolved")
    )
    framework_side = framework.side
    resolved_names = {f.label for f in resolved}
    n_parallel = len(parallel)

    def holds(fs: Sequence[Fact]) -> bool:
        steps_, par = fs[: len(facts)], fs[len(facts) :]
        named = {f.label for f in steps_ if f.side == 1 and f.label != "framework"}
        framework_ok = next(f for f in steps_ if f.label == "framework").side == framework_side
        return (
            named == resolved_names and framework_ok and len(par) == n_parallel and all(p.value < SERIAL for p in par)
        )

    rule = Rule(
        "the named steps are exactly those resolved above 1, the frameworks' as said, and the tasks one core at a time",
        holds,
    )
    text = "Why: " + "; ".join(said) + f" ({link('parallel')}, {link('gap')})"
    return stated("answer.why", text, [*facts, *parallel], rule, cites="the answer", scope=scope)


#: The rows of What to do the answer names, with how it names their strategy and work.
NAMED = (
    ("do.python", "a process pool for pure Python"),
    ("do.matmul", "threads for NumPy"),
    ("do.sleep", "`gather` for waits"),
)


def _do(rows: Sequence[Claim]) -> Claim | None:
    by = {c.id: c for c in rows}
    named = [(cid, words) for cid, words in NAMED if cid in by]
    if not named:
        return None
    facts: list[Fact] = []
    parts, resolved, counts = [], [], []
    for cid, words in named:
        fitting = [f for f in by[cid].facts if f.label in ("Flask", "FastAPI")][:2]
        facts += [Fact(f"{cid}: {f.label}", f.value, f.low, f.high, f.trials, f.counts) for f in fitting]
        ok = bool(fitting) and all(f.side == 1 for f in fitting)
        resolved.append(ok)
        counts.append(len(fitting))
        parts.append(f"{words} ({value_range(f.value for f in fitting)}x" + ("" if ok else ", not resolved") + ")")
    text = (
        "What to do: choose the strategy by the work, not the framework: "
        + joined(parts)
        + f", in Flask and FastAPI alike ({link('works')} and the table below)"
    )

    def holds(fs: Sequence[Fact]) -> bool:
        at = 0
        for k, ok in zip(counts, resolved, strict=True):
            if (k > 0 and all(f.side == 1 for f in fs[at : at + k])) != ok:
                return False
            at += k
        return True

    rule = Rule("a strategy is called resolved exactly when both its intervals lie above 1", holds)
    return stated("answer.do", text, facts, rule, cites="the answer", scope=Scope())


def claims(found: Sequence[Figure], do: Sequence[Claim], scope: Scope) -> list[Claim]:
    """The answer's sentences, each a claim (those the run has the data for); ``do``: the What
    to do table's claims."""
    by = by_id(found)
    return [c for c in (_faster(by, scope), _why(by, scope), _do(do)) if c is not None]


def text(said: Sequence[Claim]) -> str:
    """The answer as a paragraph."""
    return " ".join(sentence(c.text) for c in said)
