"""Agreement between runs: the judgement on made-up figures, and `python -m bench agree` on copies
of the committed reference run (one of them doctored)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.analysis import agreement
from bench.analysis.figure import Figure
from bench.frontends.cli import main
from bench.presentation import report

#: The oldest committed reference run.
REFERENCE = sorted((Path(__file__).resolve().parent.parent / "data" / "reference").glob("*/meta.json"))[0].parent


def fig(value: float, low: float, high: float, *, fid: str = "headline.isolated", size: int = 1000) -> Figure:
    return Figure(
        id=fid,
        what="test",
        measure="isolated",
        value=value,
        low=low,
        high=high,
        half_width=(high - low) / 2 / value,
        target=0.1,
        met=None,
        n=5,
        size=size,
        sides=(("flask", 12), ("fastapi", 12)),
    )


def test_runs_whose_intervals_cover_each_other_agree():
    found = agreement.agree({"a": [fig(1.30, 1.20, 1.45)], "b": [fig(1.35, 1.22, 1.50)], "c": [fig(1.40, 1.25, 1.52)]})
    (a,) = found
    assert a.agrees is True
    assert (a.pairs, a.pairs_overlapping, a.checks, a.inside) == (3, 3, 6, 6)
    assert a.worst_inside_share == 1.0
    assert agreement.disagreeing(found) == []


def test_disjoint_intervals_disagree_and_are_named():
    found = agreement.agree({"a": [fig(1.50, 1.40, 1.60)], "b": [fig(1.25, 1.21, 1.29)]})
    assert agreement.disagreeing(found) == ["headline.isolated"]
    assert "do not overlap" in found[0].why
    assert "DISAGREE" in report.agreement_text(found, ["a", "b"])


def test_overlap_is_not_enough_when_an_estimate_falls_outside():
    """Every pair overlaps, but c's estimate lies outside a's interval: inside half of the others'
    intervals fails the default 90% rule and passes a rule of 50%."""
    runs = {"a": [fig(1.30, 1.20, 1.45)], "b": [fig(1.35, 1.22, 1.50)], "c": [fig(1.46, 1.30, 1.60)]}
    (a,) = agreement.agree(runs)
    assert (a.pairs_overlapping, a.inside, a.checks) == (3, 5, 6)
    assert a.worst_inside_share == 0.5
    assert a.agrees is False
    assert "only 50%" in a.why
    assert agreement.agree(runs, inside_share=0.5)[0].agrees is True


def test_different_scopes_are_not_the_same_figure():
    found = agreement.agree({"a": [fig(1.3, 1.2, 1.4)], "b": [fig(1.3, 1.2, 1.4, size=500)]})
    assert found[0].agrees is False
    assert "different scopes" in found[0].why


def test_a_figure_without_interval_is_listed_not_judged():
    found = agreement.agree({"a": [fig(1.3, 1.2, 1.4)], "b": [fig(1.3, math.nan, math.nan)]})
    assert found[0].agrees is None
    assert agreement.disagreeing(found) == []
    assert found[0].to_json()["worst_inside_share"] is None


def test_only_the_figures_all_runs_cite_and_the_patterns_match():
    a = [fig(1.3, 1.2, 1.4), fig(1.1, 1.0, 1.2, fid="gap.isolated.settle"), fig(2.0, 1.9, 2.1, fid="size.x")]
    b = [fig(1.3, 1.2, 1.4), fig(1.1, 1.0, 1.2, fid="gap.isolated.settle")]
    assert [x.id for x in agreement.agree({"a": a, "b": b})] == ["headline.isolated", "gap.isolated.settle"]
    assert [x.id for x in agreement.agree({"a": a, "b": b}, patterns=["gap.*"])] == ["gap.isolated.settle"]
    with pytest.raises(ValueError, match="at least two runs"):
        agreement.agree({"a": a})


@pytest.mark.slow
def test_agree_on_the_reference_and_on_a_doctored_copy(tmp_path, capsys):
    """The same trials agree with themselves (exit 0); Flask's times made 1.5x longer in one copy
    disagree on the headline (exit 1, the figure named); bad input exits 2. The copies name a
    preset without committed runs, so that no run level is estimated (its own test is in
    test_runlevel.py): each agree reads only the runs it is given."""
    same, again, doctored = tmp_path / "same", tmp_path / "again", tmp_path / "doctored"
    for copy in (same, again, doctored):
        shutil.copytree(REFERENCE, copy)
        meta = json.loads((copy / "meta.json").read_text())
        meta["preset"]["name"] = "copy"
        (copy / "meta.json").write_text(json.dumps(meta))
    df = pd.read_csv(doctored / "trials.csv")
    df.loc[df["framework"] == "flask", "client_wall_s"] *= 1.5
    df.to_csv(doctored / "trials.csv", index=False)

    assert main(["agree", str(same), str(again), "--figures", "headline.isolated"]) == 0
    assert "agree on all 1 judged figures" in capsys.readouterr().out

    assert main(["agree", str(same), str(doctored), "--figures", "headline.*", "--json"]) == 1
    record = json.loads(capsys.readouterr().out)
    assert record["agree"] is False
    assert "headline.isolated" in record["disagree"]

    assert main(["agree", str(same), str(tmp_path / "missing")]) == 2
    assert main(["agree", str(same), str(doctored), "--figures", "nothing.*"]) == 2
    assert "no figure in common" in capsys.readouterr().err


@pytest.mark.slow  # 1,200 simulated sets of runs: seconds
def test_what_calibrated_intervals_can_promise():
    """docs/method.md, "What agreement can promise": separate runs whose 95% intervals cover the
    true ratio as they should put an estimate inside another run's interval about five times in
    six (2 Phi(1.96 / sqrt 2) - 1 = 0.83), so six such runs rarely have every estimate inside
    all five others' intervals; intervals sqrt 2 wider (a 95% prediction of the next run) about
    19 times in 20. Simulated runs of known spread, judged by agreement.agree itself."""
    rng = np.random.default_rng(21)
    sd, true = 0.06, 1.3

    def runs_of(width: float) -> list[agreement.Agreement]:
        found = []
        for _ in range(400):
            logs = np.log(true) + rng.normal(0, sd, 6)
            runs = {
                f"r{i}": [fig(math.exp(y), math.exp(y - width * sd), math.exp(y + width * sd))]
                for i, y in enumerate(logs)
            }
            found += agreement.agree(runs)
        return found

    calibrated = runs_of(1.96)
    share = sum(a.inside for a in calibrated) / sum(a.checks for a in calibrated)
    assert 0.80 < share < 0.87
    assert 0.18 < sum(a.agrees is True for a in calibrated) / len(calibrated) < 0.35  # "about one time in four"
    predicted = runs_of(1.96 * math.sqrt(2))
    share = sum(a.inside for a in predicted) / sum(a.checks for a in predicted)
    assert 0.93 < share < 0.97
    # "near 99.9% predictions, about 2.4 times the interval of the effect": nine figures agree at once
    wide = 3.2905 * math.sqrt(2)
    assert round(wide / 1.96, 1) == 2.4
    every = sum(a.agrees is True for a in runs_of(wide)) / 400
    assert every**9 > 0.8
