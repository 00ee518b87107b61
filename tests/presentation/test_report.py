"""A run's report: each figure with its width and the targets missed, the environment and
reference tables, a smoke run's CPU and verdicts, and a run whose every trial failed."""

import numpy as np
import pytest

from bench.analysis import cited_figures
from bench.instrument import environment, presets, store
from bench.instrument.store import Run
from bench.presentation import drawings, report
from bench.vocabulary.config import Config
from tests import ROOT
from tests.conftest import trial_row
from tests.synthetic import chain, trials


def test_the_report_prints_each_figure_with_its_width_and_says_which_targets_were_missed():
    rng = np.random.default_rng(3)  # three trials a side, a 30% spread: too few for 10%
    df = trials({c: list(np.median(w) * rng.lognormal(0, 0.3, 3)) for c, w in chain(1.6, 1.6, 1.6, 1.6, 1.0).items()})
    found = cited_figures.compute(report.measured(df), n=5, size=1000, targets=presets.QUICK_TARGETS)
    stopping = {"stopped": "budget", "added_rounds": 2, "measuring_s": 150, "budget_s": 150}
    lines = report.figures_text(found, stopping)
    short = [f for f in found if f.met is False]
    assert short and lines[-1] == "NOT MET: " + "; ".join(
        f"{f.id} ±{f.half_width:.1%} (target {f.target:.0%})" for f in short
    )
    assert any("stopped because the next round would have ended past the budget" in line for line in lines)
    assert any(line.startswith("- the gap, isolated: the article's servers") for line in lines)


def test_environment_and_reference_tables_from_the_committed_reference():
    committed = store.runs(ROOT / "data" / "reference")
    assert committed, "data/reference/ holds no committed run folder"
    ref = committed[0]
    env = report.environment(ref)
    values = env["value"].to_dict()
    assert values["preset"] == "quick" and int(values["usable cores"]) >= 1
    where, table = report.beside_reference(ref.trials(), ref)
    assert where.startswith("reference: quick preset on")
    assert (table["this run"] == table["reference"]).all()


@pytest.mark.slow
def test_smoke_report_separates_cpu_and_gives_verdicts(smoke_run):
    text = report.text(smoke_run)
    assert "server CPU s" in text and "client CPU s" in text
    comp = report.comparisons(smoke_run.trials())
    assert set(comp["mode"]) == {"thread", "process"}
    assert comp["verdict"].str.contains("FastAPI|difference").all()
    assert len([line for line in text.splitlines() if "endpoints: " in line]) == len(comp)
    assert set(comp["pairing"]) == {"native"}
    paths = drawings.write_all(smoke_run)
    names = {p.name for p in paths}
    assert {"times.png", "timeline-gather.png", "timeline-sequential.png"} <= names
    assert all(p.stat().st_size > 10_000 for p in paths)


def test_report_of_a_run_where_every_trial_failed(tmp_path):
    run = Run.create(tmp_path, "x")
    run.write_meta(run.new_meta("trials", environment.collect()))
    c = Config("flask", "thread", "article", "gather", 5, 9000)
    run.append(trial_row(c, status=422, error="estimated peak memory 20 GiB"))
    text = report.text(run)
    assert "1 measured trial(s) failed" in text and "estimated peak memory 20 GiB" in text
    assert drawings.write_all(run) == []
