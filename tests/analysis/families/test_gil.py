"""The gil preset: its grid, its figures on made-up trials, older run folders it still reads,
its refusal without the free-threaded interpreter, and (slow) a cut-down run end to end."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from bench.analysis import claims, tables
from bench.analysis.families import gil
from bench.frontends import cli as bench_main
from bench.frontends import preset_runner
from bench.instrument import gil_presets, lifecycle, presets, store
from bench.instrument.store import Run
from bench.presentation import article, reading, report
from bench.presentation.article import without_gil
from bench.vocabulary import config, stats
from bench.vocabulary.config import FREE_THREADED, IDEAL, Config
from bench.vocabulary.records import COLUMNS, KNOWN_FORMATS, META_FORMAT, upgrade_meta
from servers import harness, interpreter
from tests.conftest import trial_row

NEEDS_FT = pytest.mark.skipif(
    not interpreter.FREE_THREADED_PYTHON.exists(),
    reason="no .venv-ft: `make freethreaded` builds a free-threaded Python and enables this",
)


def test_the_gil_preset_measures_every_side_workload_strategy_and_n_under_both_interpreters():
    p = presets.resolve(presets.get("gil"), cores=2)
    configs = p.configs()
    plain = [c for c in configs if c.clients == 1]
    for python in config.PYTHONS:
        under = [c for c in plain if c.python == python]
        assert {c.framework for c in under} == {"flask", "fastapi", IDEAL}
        assert {c.workload for c in under} == set(harness.WORKLOADS)
        assert {c.strategy for c in under} == set(harness.STRATEGIES)
        assert {c.n for c in under} == set(config.scaling_ns(2))
        assert {c.mode for c in under if c.framework != IDEAL} == {"process"}
        # every side has the full strategy x workload x n grid
        for side in ("flask", "fastapi", IDEAL):
            mine = {(c.workload, c.strategy, c.n) for c in under if c.framework == side}
            assert len(mine) == len(harness.WORKLOADS) * len(harness.STRATEGIES) * len(config.scaling_ns(2))
    bursts = [c for c in configs if c.workload == "python" and c.strategy == "sequential" and c.framework == "flask"]
    bursts = [c for c in bursts if c.n == 1]
    assert {(c.python, c.clients) for c in bursts} == {
        (p_, k) for p_ in config.PYTHONS for k in gil_presets.GIL_CLIENTS
    }
    assert all(c.endpoint == "sync" for c in bursts)
    assert {c.clients for c in configs if c.framework == IDEAL} == {1}


def test_an_unknown_interpreter_and_clients_for_the_ideal_are_refused():
    with pytest.raises(ValueError, match="unknown interpreter"):
        Config("flask", "process", "python", "threads", 2, 100, python="pypy")
    with pytest.raises(ValueError, match="clients"):
        Config(IDEAL, "inprocess", "python", "threads", 2, 100, clients=2)


def test_without_the_free_threaded_python_the_gil_preset_refuses_and_says_make_freethreaded(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setattr(harness, "free_threaded_python", lambda: None)
    p = presets.resolve(presets.get("gil"), cores=2)
    with pytest.raises(ValueError, match="make freethreaded"):
        lifecycle.measure_preset(p, tmp_path, judge=lambda rows: [], progress=False)
    assert list(tmp_path.iterdir()) == []
    assert bench_main.main(["run", "--preset", "gil", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "make freethreaded" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def made_up(times: dict[tuple[str, str, str, int, int], float], *, k: int = 8, spread: float = 0.02) -> pd.DataFrame:
    """Measured trials with known times per (python, framework, strategy, n, clients), python
    workload; every free-threaded trial says its GIL was off."""
    rng = np.random.default_rng(0)
    rows: list[dict[str, object]] = []
    for (python, f, st, n, clients), t in times.items():
        c = Config(f, "inprocess" if f == IDEAL else "process", "python", st, n, 100, python=python, clients=clients)
        for _ in range(k):
            rows.append(
                trial_row(
                    c,
                    seq=len(rows),
                    status=200,
                    client_wall_s=t * rng.uniform(1 - spread, 1 + spread),
                    parallelism=1.0,
                    interpreter="3.13.5 free-threading" if python else "3.11.7",
                    gil_enabled=not python,
                ).record()
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))


FT, GIL = FREE_THREADED, ""
TIMES = {
    (GIL, IDEAL, "sequential", 1, 1): 0.10,
    (GIL, IDEAL, "sequential", 2, 1): 0.20,
    (GIL, IDEAL, "threads", 2, 1): 0.22,
    (FT, IDEAL, "sequential", 1, 1): 0.125,
    (FT, IDEAL, "sequential", 2, 1): 0.25,
    (FT, IDEAL, "threads", 2, 1): 0.14,
    (GIL, "flask", "sequential", 1, 1): 0.11,
    (GIL, "flask", "sequential", 1, 2): 0.22,
    (FT, "flask", "sequential", 1, 1): 0.14,
    (FT, "flask", "sequential", 1, 2): 0.15,
}


def test_speed_ups_are_over_each_interpreter_s_own_one_after_another_time():
    found = {f.id: f for f in gil.figures(made_up(TIMES), resamples=400)}
    ft, with_gil = found["gil.freethreaded.ideal.python.threads.n2"], found["gil.project.ideal.python.threads.n2"]
    assert ft.value == pytest.approx(0.25 / 0.14, rel=0.03)
    assert with_gil.value == pytest.approx(0.20 / 0.22, rel=0.03)
    assert ft.low > gil.WITHOUT_GIL_ABOVE and with_gil.high < gil.WITH_GIL_BELOW
    assert found["gil.cost.python"].value == pytest.approx(0.125 / 0.10, rel=0.03)
    # two clients' throughput over one: 2 x one request's time / the burst's
    assert found["gil.freethreaded.flask.requests.c2"].value == pytest.approx(2 * 0.14 / 0.15, rel=0.03)
    assert found["gil.project.flask.requests.c2"].value == pytest.approx(2 * 0.11 / 0.22, rel=0.03)
    said = gil.verdicts(list(found.values()), made_up(TIMES))
    lines = "\n".join(said)
    assert "threads compute in parallel only without the GIL" in lines
    assert "gil_enabled was False in every one of the" in lines
    assert "(with the GIL: 3.11.7; without the GIL: 3.13.5 free-threading)" in lines
    assert "python 1.25x [" in lines and "(slower)" in lines, "the single-thread cost, slower without the GIL"


def test_the_gil_summary_is_a_table_of_pure_python_threads_at_each_n_and_a_few_lines():
    """Every side, interpreter and n of a full grid: one row per side and interpreter, one
    column per n, and the figures themselves left to the JSON report."""
    times = dict(TIMES)
    for python, speedup in ((GIL, 0.9), (FT, 1.8)):
        for side in (IDEAL, "flask", "fastapi"):
            for n in (1, 2, 4):
                one = 0.1 if python == GIL else 0.125
                times[(python, side, "sequential", n, 1)] = one * n * (1.0 if side == IDEAL else 1.05)
                times[(python, side, "threads", n, 1)] = one * n / min(speedup, n)
    for python in (GIL, FT):
        times[(python, "flask", "sequential", 1, 4)] = 0.4
    df = made_up(times)
    found = gil.figures(df, resamples=200)
    table = gil.speedup_table(found)
    assert list(table.columns) == ["side", "interpreter", "n=1", "n=2", "n=4"]
    assert [tuple(r) for r in table[["side", "interpreter"]].itertuples(index=False)] == [
        (side, said) for side in ("ideal", "flask", "fastapi") for said in ("with the GIL", "without the GIL")
    ]
    assert str(table.loc[1, "n=2"]).startswith("1.80x [")  # the ideal without the GIL
    lines = gil.verdicts(found, df)
    assert len(lines) <= 20 < len(found), lines
    assert not any(line.startswith("- gil.") for line in lines), "no figure one per line"
    assert sum("threads compute in parallel only without the GIL" in line for line in lines) == 3
    assert any("4 clients" in line and "2 clients" in line for line in lines), "each interpreter's k on one line"


def test_a_run_under_one_interpreter_has_no_gil_figures():
    only_project = {k: v for k, v in TIMES.items() if k[0] == GIL}
    assert gil.figures(made_up(only_project), resamples=200) == []


def test_a_free_threaded_trial_whose_gil_came_back_is_named_not_counted_as_free_threaded():
    df = made_up(TIMES)
    back = df.index[df["python"] == FT][3]
    df.loc[back, "gil_enabled"] = True
    named = gil.gil_came_back(df)
    assert len(named) == 1 and f"trial {int(df.loc[back, 'seq'])}" in named[0]
    lines = "\n".join(gil.verdicts(gil.figures(df, resamples=200), df))
    assert "NOT free-threaded" in lines and "gil_enabled was False in every" not in lines


def test_the_other_families_read_the_project_s_interpreter_only():
    df = made_up(TIMES)
    kept = tables.project_only(df)
    assert set(kept["python"]) == {""} and set(kept["clients"]) == {1}


def test_a_folder_older_than_format_5_reads_as_the_project_s_interpreter_with_its_gil(tmp_path):
    assert META_FORMAT == 8 and 4 in KNOWN_FORMATS
    run = Run.create(tmp_path, "old")
    meta = {
        "format": 4,
        "kind": "trials",
        "python": {"version": "3.11.7 (main, Jan 1 2026) [GCC 12]"},
        "servers": [{"framework": "flask", "mode": "process", "variant": ""}],
    }
    run.meta_path.write_text(json.dumps(meta))
    old_columns = [c for c in COLUMNS if c not in ("python", "clients", "interpreter", "gil_enabled")]
    row = trial_row(Config("flask", "process", "python", "threads", 2, 100), status=200, client_wall_s=0.1).record()
    pd.DataFrame([{c: row[c] for c in old_columns}]).to_csv(run.trials_path, index=False)
    df = run.trials()
    assert list(df.columns) == list(COLUMNS)
    assert df.loc[0, "python"] == "" and df.loc[0, "interpreter"] == "3.11.7"
    assert bool(df.loc[0, "gil_enabled"]) is True and df.loc[0, "clients"] == 1
    server = upgrade_meta(meta, str(run.path))["servers"][0]
    assert server["interpreter"] == "3.11.7" and server["gil_enabled"] is True and server["python"] == ""


#: The gil preset cut down to seconds (pure Python with threads at n = 1, 2 on Flask and the
#: ideal, and Flask's thread per request under two clients, under both interpreters).
CUT_DOWN = presets.get("gil-smoke")


@pytest.fixture(scope="module")
def gil_smoke_run(tmp_path_factory) -> tuple[Run, float]:
    """The one cut-down gil run of the tests, and how long it took."""
    t0 = time.monotonic()
    run = preset_runner.run_preset(CUT_DOWN, out=tmp_path_factory.mktemp("gil-smoke"), seed=1, progress=False)
    return run, time.monotonic() - t0


@pytest.mark.slow
@NEEDS_FT
def test_a_cut_down_gil_run_records_the_interpreters_and_reports_its_figures(gil_smoke_run):
    run, seconds = gil_smoke_run
    assert seconds < 60
    df = run.trials()
    assert (df["status"] == 200).all(), df["error"].tolist()
    ft = df[df["python"] == FREE_THREADED]
    assert len(ft) and (ft["gil_enabled"] == False).all()  # noqa: E712 -- the values are bools
    assert ft["interpreter"].str.endswith("free-threading").all()
    assert (df[df["python"] == ""]["gil_enabled"] == True).all()  # noqa: E712
    servers = run.meta()["servers"]
    assert {(s["python"], s["gil_enabled"]) for s in servers} == {("", True), (FREE_THREADED, False)}
    ids = {f["id"] for f in report.as_json(run)["figures"]}
    for python in ("project", "freethreaded"):
        assert f"gil.{python}.ideal.python.threads.n2" in ids
        assert f"gil.{python}.flask.python.threads.n2" in ids
        assert f"gil.{python}.flask.requests.c2" in ids
    assert "gil.cost.python" in ids
    text = report.text(run)
    assert "Without the GIL" in text and "gil_enabled was False in every one of the" in text
    # the gil part is a few lines: the figures are counted, not listed (they are in the JSON)
    assert f"- gil.*: {len([i for i in ids if i.startswith('gil.')])} figures" in text
    assert not any(line.startswith("- gil.project.") for line in text.splitlines())
    part = text[text.index("Without the GIL:") :].split("\n\n")[0].splitlines()
    assert len(part) <= 15, part
    assert any(line.split()[:4] == ["flask", "without", "the", "GIL"] for line in part), part


# -- the article's section "Without the GIL" ---------------------------------------------
@pytest.mark.slow
@NEEDS_FT
def test_the_article_s_section_without_the_gil_states_claims_that_hold_on_the_gil_run(gil_smoke_run):
    run, _ = gil_smoke_run
    found = claims.check(without_gil.claims_of(run))
    ids = {c.id for c in found}
    assert {
        "nogil.threads.flask",
        "nogil.threads.ideal",
        "nogil.gil_enabled",
        "nogil.cost.python",
    } <= ids
    for c in found:
        assert c.cites == "Figure 9" and c.facts, c
    flask = next(c for c in found if c.id == "nogil.threads.flask")
    assert flask.scope.n == (2,) and flask.scope.modes == ("process",) and flask.scope.sizes == (100,)
    assert any("free-threading, GIL off in every trial" in s for s in flask.scope.servers), flask.scope
    shown = without_gil.section(run, 9)
    assert (
        "From a separate run started" in shown.caption and "n=1, n=2" in shown.caption and "size 100" in shown.caption
    )
    assert stats.TOO_FEW in shown.text  # two trials a configuration: no interval, no conclusion
    # Doctored: the run's own words on data where the free-threaded threads are resolved faster.
    doctored = replace(flask, facts=(replace(flask.facts[0], value=1.8, low=1.7, high=1.9), flask.facts[1]))
    with pytest.raises(claims.FalseClaim, match="nogil.threads.flask"):
        claims.check([*found, doctored])


def gil_run(tmp_path, df: pd.DataFrame, preset: str = "gil") -> Run:
    """A run folder of ``preset`` holding the trials ``df``."""
    run = Run.create(tmp_path, preset)
    df.to_csv(run.trials_path, index=False)
    meta = {"format": META_FORMAT, "kind": "trials", "preset": {"name": preset}, "started_at": "2026-12-01T12:00:00"}
    run.meta_path.write_text(json.dumps(meta))
    return run


def drawn_texts(shown: article.Shown) -> list[str]:
    """The words a figure draws outside its axes."""
    assert not isinstance(shown.shows, str), "a figure, not a table"
    return [t.get_text() for t in shown.shows.texts]


def test_the_section_without_the_gil_says_what_its_run_resolved_and_fails_where_the_data_does_not_bear_it_out(
    tmp_path,
):
    times = dict(TIMES) | {(GIL, "flask", "threads", 2, 1): 0.23, (FT, "flask", "threads", 2, 1): 0.15}
    times |= {(GIL, "flask", "sequential", 2, 1): 0.22, (FT, "flask", "sequential", 2, 1): 0.27}
    shown = without_gil.section(gil_run(tmp_path, made_up(times)), 9)
    by = {c.id: c for c in claims.check(shown.claims)}
    flask = by["nogil.threads.flask"]
    said = re.search(r"without the GIL a speed-up of ([\d.]+)x \(95% CI .*?\), (.*?); with it ([\d.]+)x", flask.text)
    assert said is not None, flask.text
    assert float(said.group(1)) == pytest.approx(0.25 / 0.15, rel=0.03)  # over the ideal's own one after another
    assert said.group(2) == "faster than one after another" and flask.text.endswith("slower than one after another")
    assert float(said.group(3)) == pytest.approx(0.20 / 0.23, rel=0.03)
    assert "From a separate run started 2026-12-01 12:00 UTC." in shown.caption
    assert "3.11.7, GIL on in every trial" in shown.text and "free-threading, GIL off in every trial" in shown.text
    assert "project's interpreter is faster" in by["nogil.cost.python"].text  # 1.25x as long without the GIL
    assert f"n=2: {said.group(1)}x without the GIL" in shown.alt
    # each claim fails on data it does not fit: its first fact on the other side of 1, or another count
    for c in shown.claims:
        f = c.facts[0]
        wrong = replace(f, value=1 / f.value, low=1 / f.high, high=1 / f.low) if f.has_interval else replace(f, value=7)
        assert not replace(c, facts=(wrong, *c.facts[1:])).holds, c.text
    # and the speed-up's words give its value
    moved = replace(flask.facts[1], value=flask.facts[1].value * 1.02)
    assert not replace(flask, facts=(flask.facts[0], moved)).holds
    # drawn with intervals (8 trials a side); from 3 trials a side: open points, and no interval in the words
    assert "open points: " + stats.TOO_FEW not in drawn_texts(shown)
    few = without_gil.section(gil_run(tmp_path, made_up(times, k=3)), 9)
    assert "open points: " + stats.TOO_FEW in drawn_texts(few)
    assert "95% CI" not in few.text and stats.TOO_FEW in few.text and all(c.holds for c in few.claims)
    # a free-threaded trial whose GIL came back is said, and the words follow the count
    df = made_up(times)
    df.loc[df.index[df["python"] == FT][0], "gil_enabled"] = True
    back = {c.id: c for c in without_gil.section(gil_run(tmp_path, df), 9).claims}["nogil.gil_enabled"]
    assert back.text.startswith("1 of the ") and back.holds
    assert not replace(back, facts=(replace(back.facts[0], value=0.0),)).holds


def test_without_a_gil_run_the_section_says_how_to_make_one_and_claims_nothing(tmp_path):
    assert without_gil.gil_run_of("auto", tmp_path) is None and without_gil.gil_run_of("", tmp_path) is None
    shown = without_gil.section(None, 9)
    assert shown.claims == () and without_gil.claims_of(None) == [] and not shown.caption and not shown.shows
    assert shown.text == without_gil.NO_RUN and "claims nothing" in shown.text
    assert not [w for pattern in reading.BUILD_WORDS for w in pattern.findall(shown.text)]  # a reader's words
    # the newest committed gil run is the default; a folder of another preset is refused
    older = gil_run(tmp_path / store.GIL_REFERENCE, made_up(TIMES))
    newer = gil_run(tmp_path / store.GIL_REFERENCE, made_up(TIMES), preset="gil-smoke")
    assert newer.path.name > older.path.name
    found = without_gil.gil_run_of("auto", tmp_path)
    assert found is not None and found.path == newer.path
    other = gil_run(tmp_path / "runs", made_up(TIMES), preset="quick")
    with pytest.raises(ValueError, match="'quick' preset"):
        without_gil.gil_run_of(str(other.path), tmp_path)
    with pytest.raises(ValueError, match="not a run folder"):
        without_gil.gil_run_of("data/nowhere", tmp_path)
