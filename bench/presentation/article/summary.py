"""The first screen and the end: which run made the article, the summary (the answer, within
:data:`SUMMARY_WORDS` words) and the conclusion, each made of the sections' claims."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bench.analysis.claims import (
    Claim,
    Fact,
    fastest,
    joined,
    value_range,
)
from bench.analysis.families import gap
from bench.instrument.store import Run
from bench.presentation.article.captions import (
    SECTIONS,
    SERIAL,
    Shown,
    link,
    sentence,
)
from bench.presentation.article.many_clients import stalled
from bench.vocabulary import stats


def made_by(run: Run) -> str:
    """Which preset made the article and on which machine, from the run's meta.json."""
    meta = run.meta()
    cpu, memory = meta.get("cpu", {}), meta.get("memory", {})
    python = str(meta.get("python", {}).get("version", "")).split(" ")[0]
    gib = memory.get("total_bytes", 0) / 2**30
    return (
        f"*Made by the `{meta.get('preset', {}).get('name', '?')}` preset on {cpu.get('model', 'an unknown CPU')} "
        f"with {cpu.get('usable_cores', '?')} usable cores and {gib:.0f} GiB of memory, Python {python}, started "
        f"{str(meta.get('started_at', '?'))[:16].replace('T', ' ')} UTC. Every number below is this run's; the "
        "appendix gives its environment.*"
    )


#: Most words the summary may take.
SUMMARY_WORDS = 150
#: A word as a reader counts it: ``1.49x``, ``FastAPI's``, ``§2``, ``in-process``.
WORD = re.compile(r"[\w§]+(?:[.,'-][\w§]+)*")


def words(markdown: str) -> int:
    """How many words a reader reads in ``markdown`` (a link counts its text, not its target)."""
    return len(WORD.findall(re.sub(r"\]\(#[\w-]+\)", "]", markdown)))


#: The summary's claims it gives up first when it runs over :data:`SUMMARY_WORDS`.
DROPPED_FIRST = ("summary.gap.debug", "summary.faster.back_to_back", "summary.clients.stall")
#: The short claim the conclusion states for a section, where the summary makes one.
SHORT = {
    "parallel": "summary.parallel.every",
    "works": "summary.works",
    "clients": "summary.clients.stall",
}


def summary_of(shown: Mapping[str, Shown]) -> tuple[str, list[Claim]]:
    """The answer, in at most :data:`SUMMARY_WORDS` words: each claim with its number and
    interval and a link to the section that shows it. ``shown`` is each section's figure."""
    out = _answers(shown)
    for cid in DROPPED_FIRST:
        if words(" ".join(sentence(c.text) for c in out)) <= SUMMARY_WORDS:
            break
        out = [c for c in out if c.id != cid]
    return " ".join(sentence(c.text) for c in out), out


def _answers(shown: Mapping[str, Shown]) -> list[Claim]:
    """The short claims the summary chooses from, in its order, each with a link to its section."""
    by = {c.id: c for s in shown.values() for c in s.claims}
    out: list[Claim] = []

    def add(cid: str, text: str, section: str) -> None:
        c = by.get(cid)
        if c is not None:
            out.append(Claim(f"summary.{cid}", f"{text} ({link(section)})", c.cites, c.scope, c.facts, c.rule))

    par = by.get("parallel.every")
    if par is not None:
        values = [f.value for f in par.facts]
        if all(v < SERIAL for v in values):
            text = (
                "**No.** Neither framework ran the article's tasks in parallel: median parallelism "
                f"{value_range(values)} in every configuration, where 1.0 is one after another"
            )
            add("parallel.every", text, "parallel")
        else:
            add("parallel.every", par.text, "parallel")
    for m, what in (("isolated", "one request after idle"), ("back_to_back", "requests back to back")):
        c = by.get(f"faster.{m}")
        if c is not None:
            f = c.facts[0]
            verdict = {1: "FastAPI is faster", -1: "Flask is faster", 0: "unresolved"}[f.side]
            add(
                f"faster.{m}",
                f"For {what}, {gap.FLASK.label} took {f.words()} as long as {gap.FASTAPI.label}: {verdict}",
                "faster",
            )
    debug = by.get("gap.debug")
    if debug is not None:
        f = debug.facts[0]
        verdict = "unresolved" if f.side == 0 else ("it slowed Flask" if f.side == 1 else "it sped Flask up")
        add("gap.debug", f"The article's debug mode: {f.words()}, {verdict}", "gap")
    best = [c for c in by.values() if c.id.startswith("works.best.")]
    if best:
        parts, tops, facts = [], {}, []
        for c in best:
            w = c.id.rsplit(".", 1)[1]
            top = max(c.facts, key=lambda f: f.value)
            parts.append(f"{w}, {top.label} {top.value:.1f}x")
            tops[w] = f"{w}: {top.label}"
            facts += [Fact(f"{w}: {f.label}", f.value, f.low, f.high, f.trials) for f in c.facts]
        out.append(
            Claim(
                "summary.works",
                "What runs tasks in parallel is the strategy; the fastest per workload"
                + ("" if any(f.has_interval for f in facts) else f" ({stats.TOO_FEW} here)")
                + f": {'; '.join(parts)} ({link('works')})",
                best[0].cites,
                best[0].scope,
                tuple(facts),
                fastest({f"{w}: ": label for w, label in tops.items()}),
            )
        )
    stall = by.get("clients.stall")
    if stall is not None:
        waited = [f.label.rsplit(" (", 1)[0] for f in stall.facts if stalled(f)]
        if not waited:
            under = "under load, no light request waited behind heavy ones"
        elif len(waited) <= 3:
            under = f"under load, a light request waited behind heavy ones on {joined(waited)}"
        else:
            under = (
                f"under load, a light request waited behind heavy ones on {len(waited)} of {len(stall.facts)} servers"
            )
        article_two = [
            f.label for f in stall.facts if f.label.rsplit(" (", 1)[0] in (gap.FASTAPI.label, gap.FLASK.label)
        ]
        if article_two and len(waited) > 3:
            under += f"; /ping's p99 on the article's two: {joined(article_two)}"
        add("clients.stall", under, "clients")
    return out


def conclusion(shown: Mapping[str, Shown]) -> tuple[str, list[Claim]]:
    """What the article got right and wrong and what each section found: a line per section,
    each its figure's first claim, with a link to it; and the claims it states."""
    by = {c.id: c for s in shown.values() for c in s.claims}
    lines, out = [], []
    iso = by.get("faster.isolated")
    if iso is not None:
        f = iso.facts[0]
        word = "Right in direction" if f.side == 1 else ("Wrong" if f.side == -1 else "Not supported")
        out.append(iso)
        par = by.get("parallel.every")
        serial = par is not None and all(p.value < SERIAL for p in par.facts)
        lines.append(
            f'- *"FastAPI is faster."* **{word}** for one request after idle at this size ({link("faster")})'
            + (f", and the reason is not parallelism ({link('parallel')})." if serial else ".")
        )
        if serial and par is not None:
            out.append(par)
    cpu = by.get("cpu.client")
    if cpu is not None:
        out.append(cpu)
        lines.append(
            f'- *"FastAPI uses slightly more CPU."* **Not shown by its evidence**: {cpu.text.split(": ", 1)[1]} '
            f"({link('faster')})."
        )
    lines.append(
        '- *"FastAPI needs less boilerplate."* **Right, by reading the code**: its endpoint awaits the gather '
        "where the Flask view builds and closes an event loop by hand (Flask's own `async def` views need none)."
    )
    short = {c.id: c for c in _answers(shown)}
    for key, (_, title) in SECTIONS.items():
        s = shown.get(key)
        if s is None or not s.claims:
            continue
        first = short.get(SHORT.get(key, ""), s.claims[0])
        out.append(first)
        text = re.sub(r" \(\[§\w\]\(#[\w-]+\)\)$", "", first.text)
        lines.append(f"- **{title}** {sentence(text)} ({link(key)})")
    return "\n".join(lines), out
