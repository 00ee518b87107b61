"""One run against another: the machine factor divided out, each configuration read as faster,
slower, unresolved or not judged, the run level added, and ``python -m bench compare`` on
copies of a committed run (one of them doctored)."""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pytest

from bench.analysis import comparison, runlevel
from bench.frontends.cli import main
from bench.vocabulary.config import Config
from tests import ROOT
from tests.synthetic import jitter, trials

#: A few configurations of four frameworks, each with the trials for an interval.
CONFIGS = [
    Config(fw, "process", w, "gather", 5, 1000, back_to_back=True)
    for fw in ("flask", "fastapi", "quart", "litestar")
    for w in ("article", "matmul")
]


def run_of(scale: float = 1.0, flask: float = 1.0, *, k: int = 10, seed: int = 0) -> pd.DataFrame:
    """Trials of :data:`CONFIGS`, every time times ``scale`` (the machine) and Flask's times
    ``flask`` (a change)."""
    return trials(
        {
            c: jitter((0.2 + 0.05 * i) * scale * (flask if c.framework == "flask" else 1.0), k=k, seed=seed + i)
            for i, c in enumerate(CONFIGS)
        }
    )


def test_the_machine_factor_is_the_median_over_the_configurations_and_a_change_to_one_framework_leaves_it():
    base = comparison._medians(comparison._configs(run_of()), "client_wall_s")
    slower_machine = comparison._medians(comparison._configs(run_of(scale=1.8, seed=9)), "client_wall_s")
    assert comparison.machine_factor(base, slower_machine) == pytest.approx(1.8, rel=0.03)
    changed = comparison._medians(comparison._configs(run_of(flask=1.6, seed=9)), "client_wall_s")
    assert comparison.machine_factor(base, changed) == pytest.approx(1.0, rel=0.03)
    assert math.isnan(comparison.machine_factor(base, {}))


def test_a_slower_machine_is_no_slower_configuration_and_a_slower_framework_is():
    factors, same = comparison.compare(run_of(), run_of(scale=1.8, seed=9), {})
    assert factors["isolated"] == pytest.approx(1.8, rel=0.03)
    assert {c.reads for c in same} == {"unresolved"} and not comparison.slower_than(same, 15)
    factors, found = comparison.compare(run_of(), run_of(flask=1.6, seed=9), {})
    slower = comparison.slower_than(found, 15)
    assert {c.config.split("/")[0] for c in slower} == {"flask"} and len(slower) == 4  # two workloads, two measures
    assert all(c.ratio == pytest.approx(1.6, rel=0.04) and c.low > 1 for c in slower)
    assert not comparison.slower_than(found, 70) and "slower" in slower[0].words()


def test_the_run_level_widens_each_interval_for_both_runs_and_few_trials_give_none():
    level = {"isolated": runlevel.Spread("median.isolated", 0.05, 0.03, 0.12, 8, 6)}
    _, plain = comparison.compare(run_of(), run_of(seed=9), {})
    _, wide = comparison.compare(run_of(), run_of(seed=9), level)
    a = next(c for c in plain if c.measure == "isolated")
    b = next(c for c in wide if c.config == a.config and c.measure == "isolated")
    assert b.low < a.low and b.high > a.high and b.run_spread == pytest.approx(0.05 * math.sqrt(2))
    half = math.log(b.high / b.ratio)
    assert half >= runlevel.Spread("x", 0.05, 0, 0, 1, 6).quantile * 0.05 * math.sqrt(2)
    _, few = comparison.compare(run_of(k=3), run_of(k=3, seed=9), level)
    assert {c.reads for c in few} == {"not judged"} and "too few trials for an interval: 3 and 3" in few[0].words()
    assert few[0].to_json()["low"] is None


def test_the_run_level_of_configuration_medians_divides_out_each_run_s_machine():
    """Runs of the same code on a faster and a slower machine: the medians' spread between runs
    is the machine's, which comes out; what is left is what the trials give."""
    runs = [run_of(scale=s, seed=3 * i) for i, s in enumerate((1.0, 1.9, 0.7, 1.3))]
    level = comparison.median_spreads(runs)
    assert set(level) == {"isolated", "back_to_back"} and level["isolated"].runs == 4
    assert level["isolated"].spread < 0.02
    assert comparison.median_spreads(runs[:1]) == {}


@pytest.mark.slow
def test_compare_on_the_reference_and_on_a_doctored_copy(tmp_path, capsys):
    """A committed run against a copy of itself: nothing slower (exit 0 with --fail-if-slower 15);
    against a copy with Flask's times 1.6x, Flask's configurations resolved slower, named (exit 1);
    bad input exits 2."""
    reference = sorted((ROOT / "data" / "reference").glob("*-quick-*/meta.json"))[-1].parent
    same, doctored = tmp_path / "same", tmp_path / "doctored"
    for copy in (same, doctored):
        shutil.copytree(reference, copy)
    df = pd.read_csv(doctored / "trials.csv")
    df.loc[df["framework"] == "flask", ["client_wall_s", "b2b_wall_s"]] *= 1.6
    df.to_csv(doctored / "trials.csv", index=False)

    assert main(["compare", str(reference), str(same), "--fail-if-slower", "15"]) == 0
    out = capsys.readouterr().out
    assert "The machine took isolated 1.00x" in out and "slower 0" not in out and "new over base:" in out

    assert main(["compare", str(reference), str(doctored), "--fail-if-slower", "15", "--json"]) == 1
    captured = capsys.readouterr()
    record = json.loads(captured.out)
    slower = [c for c in record["configs"] if c["reads"] == "slower"]
    assert slower and all(c["config"].startswith("flask") for c in slower) and record["format"] == 1
    assert record["slower_than_allowed"] and "slower than 15% allows: flask" in captured.err

    assert main(["compare", str(reference), str(tmp_path / "missing")]) == 2
