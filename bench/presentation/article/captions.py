"""What every figure of the article is made of: its scope (:class:`Says`), what the reader sees
(:class:`Shown`), the sections and their links, and the words shared by captions: sentences
from claims, server and framework names, the bar below which tasks ran one after another."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd
from matplotlib import figure as mpl

from bench.analysis.claims import (
    Claim,
    Scope,
    joined,
)
from bench.analysis.families import gap
from bench.analysis.figure import Figure
from bench.instrument.store import Run
from bench.vocabulary.config import IDEAL, NO_ENDPOINT
from servers import harness


class Scoped(Protocol):
    """Anything that ran the article's kind of request: n tasks of a size, in a mode, through
    an endpoint style (a configuration, a row of trials)."""

    @property
    def n(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def mode(self) -> str: ...
    @property
    def endpoint(self) -> str: ...


@dataclass(frozen=True)
class Says:
    """The scope of what a caption cites, or of what a figure draws: every n, size, mode and
    endpoint style in it (the in-process ideal's endpoint is ``none``)."""

    n: tuple[int, ...]
    sizes: tuple[int, ...]
    modes: tuple[str, ...]
    endpoints: tuple[str, ...]

    @classmethod
    def of(cls, scoped: Iterable[Scoped]) -> Says:
        items = list(scoped)
        return cls(
            tuple(sorted({int(x.n) for x in items})),
            tuple(sorted({int(x.size) for x in items})),
            tuple(sorted({str(x.mode) for x in items})),
            tuple(sorted({str(x.endpoint) for x in items})),
        )

    @classmethod
    def of_rows(cls, rows: pd.DataFrame) -> Says:
        """The scope of trials or summary rows (columns n, size, mode, endpoint)."""
        return cls(
            tuple(sorted({int(k) for k in rows["n"]})),
            tuple(sorted({int(k) for k in rows["size"]})),
            tuple(sorted({str(k) for k in rows["mode"]})),
            tuple(sorted({str(k) for k in rows["endpoint"]})),
        )

    def __or__(self, other: Says) -> Says:
        return Says(
            *(
                tuple(sorted(set(getattr(self, k)) | set(getattr(other, k))))
                for k in ("n", "sizes", "modes", "endpoints")
            )
        )

    def scope(self, servers: Sequence[str] = ()) -> Scope:
        """The claims' scope: this one, with the server variants named."""
        return Scope(self.n, self.sizes, self.modes, tuple(servers))

    def words(self) -> str:
        """The scope in words, as captions state it."""
        styles = [e for e in self.endpoints if e != NO_ENDPOINT]
        parts = [self.scope().words()]
        if styles:
            parts.append(joined(styles) + (" endpoint" if len(styles) == 1 else " endpoints"))
        return ", ".join(p for p in parts if p)


NOTHING = Says((), (), (), ())


@dataclass(frozen=True)
class Shown:
    """One figure or table of the article: what the reader sees (``shows``: a drawing, or a
    table as Markdown), its caption (Markdown), the scope of what the caption cites (which is
    what the figure draws: both are made from one selection), the claims its caption and its
    text state, the figure's alternative text, from its own data, and the text below the
    caption (at most :data:`CAPTION_WORDS` words in the caption; the rest is text)."""

    shows: mpl.Figure | str
    caption: str
    says: Says
    claims: tuple[Claim, ...] = ()
    alt: str = ""
    #: What the figure shows, said further below the caption (its other claims, in prose).
    text: str = ""


#: Most words a caption may take.
CAPTION_WORDS = 80

#: Where each section of the article starts (the anchors its links point to), and its title.
SECTIONS: dict[str, tuple[str, str]] = {
    "parallel": ("1", "Did the tasks run in parallel?"),
    "faster": ("2", "Is FastAPI faster?"),
    "works": ("3", "What makes functions run in parallel?"),
    "gap": ("4", "Where does the gap come from?"),
    "size": ("5", "Does the gap depend on the size of the task?"),
    "clients": ("6", "What happens with many clients?"),
    "servers": ("7", "Framework or server?"),
    "scaling": ("8", "How far does the speed-up grow with n?"),
    # The appendix's first part: it reads another run (of the gil preset), when it is given one.
    "nogil": ("A", "Without the GIL"),
    "experiment": ("1", "The article's experiment, as it ran it"),
}


def started(run: Run) -> str:
    """When a run started, as the article says it: ``2026-12-06 01:37 UTC``."""
    return str(run.meta().get("started_at", "?"))[:16].replace("T", " ") + " UTC"


def link(section: str) -> str:
    """A Markdown link to ``section``: ``[§2](#faster)``."""
    return f"[§{SECTIONS[section][0]}](#{section})"


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first, a full stop last."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", ":")) else ".")


def said(claims: Iterable[Claim]) -> str:
    """The claims as sentences, one after another."""
    return " ".join(sentence(c.text) for c in claims)


def captioned(kind: str, number: int, title: str, says: Says, body: str) -> str:
    return f"**{kind} {number}. {title}** ({says.words()}). {body}".strip()


def nothing(kind: str, number: int, what: str) -> str:
    return f"**{kind} {number}.** This run has no {what}."


def says_of(cited: Iterable[Figure]) -> Says:
    return Says.of(c for f in cited for c in f.configs)


#: Each server variant of the article's task by its one name.
NAMES: dict[tuple[str, str, str], str] = {(s.framework, s.endpoint, s.variant): s.label for s in gap.SIDES}


def server_name(framework: str, endpoint: str, variant: str = "") -> str:
    """The one name of a server variant (e.g. "Flask, plain threaded server")."""
    if framework == IDEAL:
        return "in-process ideal (no server)"
    return NAMES.get(
        (framework, endpoint, variant), f"{framework} ({endpoint} endpoint{', ' + variant if variant else ''})"
    )


#: Below this median parallelism, tasks ran one after another (1.0 exactly: no overlap at all).
SERIAL = 1.1


def framework_label(framework: str) -> str:
    """A framework as the reader reads it (``FastAPI``), the in-process ideal as such."""
    return "the in-process ideal" if framework == IDEAL else harness.framework(framework).label
