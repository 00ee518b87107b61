"""The first screen and the end: the answer (at most :data:`SUMMARY_WORDS` words, three
sentences, :mod:`.answer`), and the conclusion: the original article's claims judged by the
sections, what to do, and each section's finding, every line a claim."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from bench.analysis.claims import Claim, Fact, Rule, Scope, stated
from bench.analysis.families import gap
from bench.analysis.figure import Figure, by_id
from bench.presentation.article import answer
from bench.presentation.article.captions import SECTIONS, Shown, link, sentence

#: Most words the answer may take.
SUMMARY_WORDS = 150
#: A word as a reader counts it: ``1.49x``, ``FastAPI's``, ``§2``, ``in-process``.
_WORD = re.compile(r"[\w§]+(?:[.,'-][\w§]+)*")


def words(markdown: str) -> int:
    """How many words a reader reads in ``markdown`` (a link counts its text, not its target)."""
    return len(_WORD.findall(re.sub(r"\]\(#[\w-]+\)", "]", markdown)))


def _scope(shown: Mapping[str, Shown]) -> Scope:
    head = shown.get("faster")
    return head.says.scope((gap.FLASK.label, gap.FASTAPI.label)) if head is not None else Scope()


def summary_of(found: Sequence[Figure], shown: Mapping[str, Shown]) -> tuple[str, list[Claim]]:
    """The answer: whether FastAPI is faster, why, and what to do, each sentence a claim on the
    run's figures and the What to do table's measurements (``shown["do"]``)."""
    do = list(shown["do"].claims) if "do" in shown else []
    said = answer.claims(found, do, _scope(shown))
    return answer.text(said), said


#: How the conclusion words the side of Flask's server CPU over FastAPI's.
CPU_VERDICT = {
    1: "**Wrong by this run's measure**: Flask's server used more",
    -1: "**Right by this run's measure**: FastAPI's server used more",
    0: "**Not resolved** by this run",
}


def _cpu(by: Mapping[str, Figure], scope: Scope) -> Claim | None:
    f = by.get("headline.server_cpu")
    if f is None:
        return None
    fact = Fact.of(f, "server CPU")
    side = fact.side
    text = (
        f'*"FastAPI uses slightly more CPU."* {CPU_VERDICT[side]}: counted until each server was idle again, a plain '
        f"Flask used {fact.words()} the CPU per request of FastAPI as the article ran it, and the article's `%time` "
        f"read the client's CPU, not the server's ({link('faster')})"
    )
    rule = Rule("the verdict is the interval's side", lambda fs: fs[0].side == side)
    return stated("conclusion.cpu", text, (fact,), rule, cites="the conclusion", scope=scope)


def _renamed(c: Claim, cid: str, text: str) -> Claim:
    return Claim(cid, text, c.cites, c.scope, c.facts, c.rule)


def conclusion(found: Sequence[Figure], shown: Mapping[str, Shown]) -> tuple[str, list[Claim]]:
    """What the original article got right and wrong, judged by the sections, what to do, and a
    link to every section that holds the evidence; and the claims it states (every line about
    the data is the claim of the section it restates, or one of its own)."""
    by = by_id(found)
    claims = {c.id: c for s in shown.values() for c in s.claims}
    lines: list[str] = []
    out: list[Claim] = []
    faster = next((c for c in answer.claims(found, [], _scope(shown)) if c.id == "answer.faster"), None)
    if faster is not None:
        c = _renamed(faster, "conclusion.faster", f'*"FastAPI is faster."* {sentence(faster.text)}')
        out.append(c)
        lines.append(f"- {c.text}")
    par = claims.get("parallel.every")
    if par is not None:
        c = _renamed(par, "conclusion.parallel", f'*"In parallel."* **No**: {par.text} ({link("parallel")})')
        out.append(c)
        lines.append(f"- {sentence(c.text)}")
    cpu = _cpu(by, _scope(shown))
    if cpu is not None:
        out.append(cpu)
        lines.append(f"- {sentence(cpu.text)}")
    lines.append(
        '- *"FastAPI needs less boilerplate."* **Right, by reading the code**: its endpoint awaits the gather where '
        "the Flask view builds and closes an event loop by hand (Flask's own `async def` views need none)."
    )
    do = list(shown["do"].claims) if "do" in shown else []
    if do:
        lines.append(
            "- **What to do.** Choose the strategy by the work, not the framework: the table at the top says which, "
            "with what each measured here."
        )
    behind = [link(key) for key in SECTIONS if key in shown and shown[key].claims]
    if behind:
        lines.append("- **The evidence**, a section a question: " + ", ".join(behind) + ".")
    return "\n".join(lines), out
