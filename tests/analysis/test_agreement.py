"""Agreement between runs: the judgement on made-up figures, what it promises on simulated runs,
and `python -m bench agree` on copies of the committed reference run (one of them doctored)."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from bench.analysis import agreement, runlevel
from bench.analysis.figure import Figure
from bench.frontends.cli import main
from bench.presentation import report
from bench.vocabulary.stats import Z95
from tests import ROOT

#: The oldest committed reference run.
REFERENCE = sorted((ROOT / "data" / "reference").glob("*/meta.json"))[0].parent


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


def test_runs_whose_estimates_lie_inside_each_others_predictions_agree():
    found = agreement.agree({"a": [fig(1.30, 1.20, 1.45)], "b": [fig(1.35, 1.22, 1.50)], "c": [fig(1.40, 1.25, 1.52)]})
    (a,) = found
    assert a.agrees is True
    assert (a.pairs, a.pairs_overlapping, a.checks, a.held) == (3, 3, 6, 6)
    v = agreement.verdict(found)
    assert v.agrees is True and (v.judged, v.checks, v.held) == (1, 6, 6) and not v.apart


def test_disjoint_intervals_disagree_and_are_named():
    found = agreement.agree({"a": [fig(1.50, 1.40, 1.60)], "b": [fig(1.25, 1.21, 1.29)]})
    v = agreement.verdict(found)
    assert v.agrees is False and v.apart == ("headline.isolated",)
    assert "do not overlap" in found[0].why and "a and b" in found[0].why
    assert "DISAGREE" in report.agreement_text(found, ["a", "b"])


def test_overlapping_intervals_can_still_miss_a_prediction_and_the_share_decides():
    """Every pair overlaps, but a's and c's estimates lie further apart than both runs' own
    uncertainty allows: 2 of 6 checks fail the 90% rule, and pass a rule of 60%."""
    runs = {"a": [fig(1.20, 1.17, 1.23)], "b": [fig(1.25, 1.20, 1.30)], "c": [fig(1.31, 1.22, 1.40)]}
    found = agreement.agree(runs)
    (a,) = found
    assert (a.pairs_overlapping, a.held, a.checks) == (3, 4, 6) and a.agrees is False
    v = agreement.verdict(found)
    assert v.agrees is False and not v.apart and v.outside == ("headline.isolated",) and "4 of 6" in v.why
    assert agreement.verdict(found, share=0.6).agrees is True
    assert "outside" in report.agreement_text(found, ["a", "b", "c"])


def test_a_prediction_adds_both_runs_own_uncertainty_and_their_run_level():
    """The same two estimates are apart with their own intervals alone, and inside each other's
    predictions once the run level of their preset is added (with its t quantile)."""
    own = [fig(1.20, 1.15, 1.25)], [fig(1.32, 1.26, 1.38)]
    (alone,) = agreement.agree({"a": own[0], "b": own[1]})
    assert alone.held == 0
    level = {"headline.time": runlevel.Spread("headline.time", 0.05, 0.03, 0.15, 3, 6)}
    (both,) = agreement.agree({"a": runlevel.widened(own[0], level), "b": runlevel.widened(own[1], level)})
    a, b = both.estimates
    low, high = a.prediction(b)
    s_a, s_b = (math.log(f.high / f.low) / (2 * Z95) for f in (own[0][0], own[1][0]))
    half = 2.570581836 * math.sqrt(s_a**2 + s_b**2 + 2 * 0.05**2)  # t(0.975, 5 df)
    assert (low, high) == pytest.approx((1.20 * math.exp(-half), 1.20 * math.exp(half)), rel=1e-4)
    assert both.held == 2 and both.agrees is True


def test_different_scopes_are_not_the_same_figure():
    found = agreement.agree({"a": [fig(1.3, 1.2, 1.4)], "b": [fig(1.3, 1.2, 1.4, size=500)]})
    assert found[0].agrees is False and "different scopes" in found[0].why
    assert agreement.verdict(found).agrees is False


def test_a_figure_with_too_few_trials_is_listed_not_judged():
    few = replace(fig(1.3, 1.2, 1.4), sides=(("flask", 3), ("fastapi", 12)))
    found = agreement.agree({"a": [fig(1.3, 1.2, 1.4)], "b": [few]})
    assert found[0].agrees is None and "too few trials" in found[0].why and "b (3 trials)" in found[0].why
    v = agreement.verdict(found)
    assert v.agrees is None and v.not_judged == ("headline.isolated",)
    assert found[0].to_json()["estimates"][1]["low"] is None


def test_a_median_of_one_configuration_is_listed_not_judged():
    """An absolute level (a median's CPU seconds, a parallelism) follows the machine: runs on
    two days differ by more than their intervals, which are not intervals of a ratio."""
    found = agreement.agree(
        {"a": [fig(0.30, 0.29, 0.31, fid="cpu.server")], "b": [fig(0.40, 0.39, 0.41, fid="cpu.server")]}
    )
    assert found[0].agrees is None and "a median of one configuration" in found[0].why
    assert agreement.verdict(found).not_judged == ("cpu.server",)


def test_only_the_figures_all_runs_cite_and_the_patterns_match():
    a = [fig(1.3, 1.2, 1.4), fig(1.1, 1.0, 1.2, fid="gap.isolated.settle"), fig(2.0, 1.9, 2.1, fid="size.x")]
    b = [fig(1.3, 1.2, 1.4), fig(1.1, 1.0, 1.2, fid="gap.isolated.settle")]
    assert [x.id for x in agreement.agree({"a": a, "b": b})] == ["headline.isolated", "gap.isolated.settle"]
    assert [x.id for x in agreement.agree({"a": a, "b": b}, patterns=["gap.*"])] == ["gap.isolated.settle"]
    with pytest.raises(ValueError, match="at least two runs"):
        agreement.agree({"a": a})


@pytest.mark.slow
def test_agree_on_the_reference_and_on_a_doctored_copy(tmp_path, capsys):
    """The same trials agree with themselves (exit 0); Flask's times made 1.6x longer in one copy
    disagree on the headline (exit 1, the figure named); a copy at another size is another scope
    (exit 1); bad input exits 2. The copies name a preset without committed runs, so that no run
    level is estimated (its own test is in test_runlevel.py): each agree reads only the runs it
    is given."""
    same, again, doctored, other = (tmp_path / name for name in ("same", "again", "doctored", "other"))
    for copy in (same, again, doctored, other):
        shutil.copytree(REFERENCE, copy)
        meta = json.loads((copy / "meta.json").read_text())
        meta["preset"]["name"] = "copy"
        (copy / "meta.json").write_text(json.dumps(meta))
    df = pd.read_csv(doctored / "trials.csv")
    df.loc[df["framework"] == "flask", "client_wall_s"] *= 1.6
    df.to_csv(doctored / "trials.csv", index=False)
    meta = json.loads((other / "meta.json").read_text())
    df = pd.read_csv(other / "trials.csv")
    df["size"] = df["size"].where(df["size"] != meta["preset"]["size"], meta["preset"]["size"] + 1)
    meta["preset"]["size"] += 1
    df.to_csv(other / "trials.csv", index=False)
    (other / "meta.json").write_text(json.dumps(meta))

    assert main(["agree", str(same), str(again), "--figures", "headline.*"]) == 0
    assert "The runs agree over 4 judged figure(s)" in capsys.readouterr().out

    assert main(["agree", str(same), str(doctored), "--figures", "headline.*", "--json"]) == 1
    record = json.loads(capsys.readouterr().out)
    assert record["verdict"]["agrees"] is False and record["format"] == 1
    assert "headline.isolated" in record["verdict"]["apart"] + record["verdict"]["outside"]

    assert main(["agree", str(same), str(other), "--figures", "headline.*"]) == 1
    assert "different scopes" in capsys.readouterr().out

    assert main(["agree", str(same), str(tmp_path / "missing")]) == 2
    assert main(["agree", str(same), str(doctored), "--figures", "nothing.*"]) == 2
    assert "no figure in common" in capsys.readouterr().err


#: Simulated runs of the headline's three measures, each a run's own precision (the standard
#: error its interval implies, log scale) and a run level beyond it: about a quick run's
#: headline with a few dozen trials a side, on a machine whose runs shift by a couple of percent.
OWN_SE, RUN_SD = 0.025, 0.015
MEASURES = ("isolated", "back_to_back", "server_cpu")


def simulated_runs(rng, k: int, shift: float = 0.0) -> list[list[Figure]]:
    """``k`` runs of the headline, the first shifted by ``shift`` (log scale) on every measure."""
    out = []
    for r in range(k):
        ys = math.log(1.3) + rng.normal(0, RUN_SD, 3) + rng.normal(0, OWN_SE, 3) + (shift if r == 0 else 0.0)
        out.append(
            [
                fig(math.exp(y), math.exp(y - Z95 * OWN_SE), math.exp(y + Z95 * OWN_SE), fid=f"headline.{m}")
                for y, m in zip(ys, MEASURES, strict=True)
            ]
        )
    return out


def passing(rng, *, k: int, shift: float = 0.0, sets: int = 150) -> float:
    """The share of simulated sets of ``k`` runs that ``bench agree`` passes, each judged with the
    run level estimated from six other runs, as the committed runs give it."""
    passed = 0
    for _ in range(sets):
        level = runlevel.spreads(simulated_runs(rng, 6))
        cited = {f"r{i}": runlevel.widened(r, level) for i, r in enumerate(simulated_runs(rng, k, shift))}
        passed += agreement.verdict(agreement.agree(cited)).agrees is True
    return passed / sets


@pytest.mark.slow  # 600 simulated sets of runs: seconds
def test_what_agreement_can_promise():
    """docs/method.md, "What agreement can promise": two runs of calibrated intervals (the run
    level estimated from six other runs) pass in at least nine sets in ten, and one run shifted
    by 10% fails in most; six runs pass about four times in five (every pair of intervals must
    overlap, 45 pairs over three figures), and a shifted one fails in most."""
    rng = np.random.default_rng(31)
    assert passing(rng, k=2) >= 0.9
    assert passing(rng, k=2, shift=math.log(1.1)) < 0.5
    assert 0.7 <= passing(rng, k=6) < 0.9
    assert passing(rng, k=6, shift=math.log(1.1)) < 0.5
