"""The article's captions against their figures, on a smoke run."""

from __future__ import annotations

import re

import pytest

from bench.analysis import claims, figure, selection
from bench.instrument import presets
from bench.presentation import article, report
from bench.presentation.article import (
    decomposition,
    faster,
    framework_or_server,
    how_measured,
    in_parallel,
    speedup_against_n,
    task_size,
    what_works,
)
from bench.presentation.article.captions import NOTHING, Says, Shown
from bench.vocabulary import stats

SMOKE = presets.resolve(presets.get("smoke"))
SIZE = SMOKE.size or 0


def every_shown(run) -> list[Shown]:
    """Every figure and table the article shows, as its notebook makes them."""
    df, found = run.trials(), report.cited(run)
    shown = [
        in_parallel.timelines(df, 1, n=SMOKE.n, size=SIZE),
        faster.faster(found, 2),
        faster.cpu_table(df, found, 1, n=SMOKE.n, size=SIZE),
        what_works.what_works(df, 3),
        *(article.strategies(df, w, 4) for w in selection.matrix_workloads(df)),
        decomposition.decomposition(found, 5),
        task_size.sizes(found, 6),
        framework_or_server.framework_or_server(df, found, None, 9, n=SMOKE.n),
        speedup_against_n.speedup_against_n(df, 10, cores=2),
    ]
    return shown


def stated(caption: str, says: Says) -> list[str]:
    """The words of ``says``'s scope that ``caption`` does not state as words of their own."""
    wanted = [f"n={k}" for k in says.n] + [str(k) for k in says.sizes]
    wanted += [claims.MODE_WORDS.get(m, m) for m in says.modes] + [e for e in says.endpoints if e != "none"]
    return [w for w in wanted if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", caption) is None]


@pytest.mark.slow
def test_every_caption_states_the_scope_of_the_data_its_figure_draws(smoke_run):
    shown = every_shown(smoke_run)
    assert len(shown) >= 10
    for s in shown:
        assert s.says != NOTHING, s.caption  # the smoke run has the data of every figure
        assert stated(s.caption, s.says) == [], s.caption
    # The three captions that once described other data than their figures:
    timelines, faster = shown[0], shown[1]
    assert timelines.says.n == (SMOKE.n,) and timelines.says.sizes == (SMOKE.size,)
    assert f"n={SMOKE.n}" in timelines.caption and f"size {SMOKE.size}" in timelines.caption
    assert faster.says.sizes == (SMOKE.size,) and faster.says.modes == ("process",)


@pytest.mark.slow
def test_a_caption_cites_the_selection_its_figure_draws(smoke_run, monkeypatch):
    """The plot and the caption take one selection: change it, and both follow."""
    df, found = smoke_run.trials(), report.cited(smoke_run)
    other = next(f.size for f in found if f.id.startswith("size.isolated."))
    drawn = []
    draw = in_parallel.timeline_plots.timelines

    def spy(panels, **kwargs):
        drawn.append(panels)
        return draw(panels, **kwargs)

    monkeypatch.setattr(in_parallel.timeline_plots, "timelines", spy)
    shown = in_parallel.timelines(df, 1, n=SMOKE.n, size=other)
    assert {int(p.drawn["size"]) for p in drawn[0]} == {other} and shown.says.sizes == (other,)
    assert f"size {other}" in shown.caption


def test_a_caption_states_the_scope_it_cites():
    says = Says((5,), (1000,), ("process",), ("async", "sync"))
    assert says.words() == "n=5, size 1000, process mode, async and sync endpoints"
    assert stated(f"Flask and FastAPI ({says.words()}).", says) == []
    assert set(stated("Flask and FastAPI, n=5, async.", says)) == {"1000", "process mode", "sync"}


@pytest.mark.slow
def test_the_conclusion_and_the_answer_cover_every_section_and_link_to_it(smoke_run):
    shown = article.sections(smoke_run, None, None, n=SMOKE.n, size=SIZE, cores=2)
    found = report.cited(smoke_run)
    text, said = article.conclusion(found, shown)
    for key in shown.keys() & article.SECTIONS.keys():
        if shown[key].claims:
            assert f"(#{key})" in text, key
    answer, cited = article.summary_of(found, shown)
    assert article.words(answer) <= article.SUMMARY_WORDS and "(#faster)" in answer and "(#gap)" in answer
    assert answer.count(". ") <= 3, "at most three sentences"
    assert {c.id for c in cited} >= {"answer.faster", "answer.why"}
    assert all(c.holds for c in [*said, *cited])
    assert "What to do" in shown["do"].caption and str(shown["do"].shows).count("\n|") == 7  # header rule, 6 rows


@pytest.mark.slow
def test_the_precision_table_says_which_targets_were_missed(smoke_run):
    found = report.cited(smoke_run)
    table, words = article.precision(found)
    assert list(table["figure"]) == [f.id for f in found]
    missed = [f.id for f in found if f.met is False]
    assert all(m in words for m in missed) and ("Not met" in words) == bool(missed)


def headline(measure: str, value: float, low: float, high: float, size: int = 1000) -> figure.Figure:
    return figure.Figure(
        f"headline.{measure}", "", measure, value, low, high, 0.05, 0.1, True, 5, size, (("a", 12), ("b", 12))
    )


def test_this_run_beside_the_committed_runs_counts_the_figures_they_agree_on():
    ours = [
        headline("isolated", 1.4, 1.3, 1.5),
        headline("back_to_back", 1.1, 1.02, 1.2),
        headline("server_cpu", 1.1, 1.0, 1.2),
    ]
    one = [
        headline("isolated", 1.45, 1.35, 1.6),
        headline("back_to_back", 1.12, 1.0, 1.2),
        headline("server_cpu", 1.5, 1.3, 1.7),
    ]
    two = [
        headline("isolated", 1.42, 1.3, 1.55),
        headline("back_to_back", 1.08, 0.98, 1.18),
        headline("server_cpu", 1.12, 1.02, 1.25),
    ]
    table, words = article.beside_committed(ours, {"run-1": one, "run-2": two})
    assert list(table["figure"]) == ["headline.isolated", "headline.back_to_back", "headline.server_cpu"]
    assert list(table["runs"]) == ["agree", "agree", "disagree"]
    assert list(table.columns[1:4]) == ["this run", "run-1", "run-2"]
    assert "disagree on the 3 figures" in words and "Read headline.server_cpu as not settled" in words
    together = {
        "run-1": one,
        "run-2": [headline("server_cpu", 1.12, 1.02, 1.25) if f.measure == "server_cpu" else f for f in one],
    }
    assert (
        "agree on the 3 figures"
        in article.beside_committed(ours[:2] + [headline("server_cpu", 1.3, 1.15, 1.45)], together)[1]
    )
    elsewhere = {"run-1": [headline("isolated", 1.4, 1.3, 1.5, size=2000)]}
    assert "Read headline.isolated as not settled" in article.beside_committed(ours, elsewhere)[1]
    assert "No committed run" in article.beside_committed(ours, {})[1]


def drawn_texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_a_figure_draws_an_interval_only_from_eight_trials_or_more():
    def made(counts):
        sides = tuple(zip("ab", counts, strict=True))
        return [
            figure.Figure(f"headline.{m}", "", m, 1.3, 1.1, 1.5, 0.15, None, None, 5, 1000, sides) for m in figure.TIMED
        ]

    few = made((3, 16))
    shown = faster.faster(few, 2)
    assert drawn_texts(shown.shows).count(stats.TOO_FEW) == 3 and "no conclusion" in shown.caption
    assert "95% CI" not in shown.caption and "faster" not in shown.caption.split("above 1")[1].split(".", 1)[1]
    enough = made((8, 8))
    shown = faster.faster(enough, 2)
    assert stats.TOO_FEW not in drawn_texts(shown.shows) and "95% CI 1.10-1.50" in shown.caption
    assert all(c.holds for c in shown.claims) and len(shown.claims) >= 3


class _Meta:
    """A run as made_by reads it: its meta.json."""

    def __init__(self, **meta: object) -> None:
        self._meta = {"started_at": "2026-12-06T05:45:37", "ended_at": "2026-12-06T05:47:37", **meta}

    def meta(self) -> dict[str, object]:
        return self._meta


def test_the_line_under_the_title_says_when_the_machine_was_busy_while_the_run_measured():
    cpu, memory = {"model": "a CPU", "usable_cores": 2}, {"total_bytes": 2**34}
    lagged = {"busy": False, "reasons": [], "at_start": {"busy": True, "reasons": ["load average 3.96 on 2 cores"]}}
    quiet = how_measured.made_by(_Meta(cpu=cpu, memory=memory, machine_state=lagged), None, None)  # type: ignore[arg-type]
    assert "busy" not in quiet and quiet.startswith("*Made by a run of 2 minutes on a CPU")
    busy = {"busy": True, "reasons": ["other processes used 0.40 of a core"], "at_start": lagged["at_start"]}
    said = how_measured.made_by(_Meta(cpu=cpu, memory=memory, machine_state=busy), None, None)  # type: ignore[arg-type]
    assert "The machine was busy while the run measured (other processes used 0.40 of a core)" in said
