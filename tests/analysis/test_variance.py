"""Variance components on synthetic data with known components, the hierarchical ratio, and
both on a real smoke run split in blocks."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest

from bench.analysis import variance
from bench.analysis.families import gap
from bench.analysis.tables import measured
from bench.frontends.cli import main
from bench.instrument.store import Run
from bench.presentation import report


def synthetic(*, runs: int, instances: int, trials: int, sd: tuple[float, float, float], seed: int):
    """Log times nested runs > instances > trials, with the given standard deviation added by
    each level (trial, instance, run)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(runs):
        r = rng.normal(0, sd[2])
        out.append([r + rng.normal(0, sd[1]) + rng.normal(0, sd[0], size=trials) for _ in range(instances)])
    return out


def test_one_run_s_components_recover_the_known_trial_and_instance_levels():
    nested = synthetic(runs=1, instances=40, trials=20, sd=(0.05, 0.10, 0.0), seed=1)
    trial, instance = variance.with_intervals(nested)
    assert (trial.level, instance.level) == ("trial", "instance")
    assert trial.variance == pytest.approx(0.05**2, rel=0.15) and trial.low <= 0.05**2 <= trial.high
    assert instance.variance == pytest.approx(0.10**2, rel=0.5) and instance.low <= 0.10**2 <= instance.high
    assert (trial.units, instance.units) == (800, 40)


@pytest.mark.slow  # seconds of resampling: make test, not make test-fast
@pytest.mark.parametrize(
    ("sd", "dominant"),
    [((0.10, 0.01, 0.0), "trial"), ((0.01, 0.10, 0.0), "instance"), ((0.02, 0.02, 0.15), "run")],
)
def test_the_dominant_level_is_the_one_that_varies(sd, dominant):
    nested = synthetic(runs=8 if sd[2] else 1, instances=10, trials=12, sd=sd, seed=2)
    levels = variance.with_intervals(nested)
    assert max(levels, key=lambda c: c.variance).level == dominant
    assert len(levels) == (3 if sd[2] else 2)


def test_a_level_that_adds_nothing_gets_a_component_near_zero_not_the_trials_noise_over_again():
    # Instance means vary by the trials' noise alone (sd/sqrt(n)): the instance level adds nothing.
    (trial, instance) = variance.with_intervals(synthetic(runs=1, instances=30, trials=10, sd=(0.1, 0.0, 0.0), seed=3))
    assert instance.variance < 0.2 * trial.variance / 10 + 1e-4 and instance.low == 0.0


def test_components_need_trials_and_say_what_they_cannot_estimate():
    with pytest.raises(ValueError, match="no trials"):
        variance.components([[]])
    trial, instance = variance.components([[np.log([1.0, 1.1, 0.9])]])  # one instance
    assert trial > 0 and math.isnan(instance)


def test_the_hierarchical_interval_covers_a_ratio_that_moves_between_blocks_where_the_plain_one_does_not():
    rng = np.random.default_rng(4)
    truth, blocks = 1.3, 5
    shift = rng.normal(0, 0.08, size=blocks)  # the ratio itself moves from block to block
    a = [np.exp(np.log(truth) + s + rng.normal(0, 0.02, 12)) for s in shift]
    b = [np.exp(rng.normal(0, 0.02, 12)) for _ in range(blocks)]
    plain = variance.stats.ratio_ci(np.concatenate(a), np.concatenate(b))
    nested = variance.hierarchical_ratio(a, b)
    assert nested.value == pytest.approx(plain.value)
    assert (nested.high - nested.low) > 2 * (plain.high - plain.low)
    # Shown in the units a run sees: the plain interval is that block sample's, the nested one spans the blocks.
    assert nested.low < math.exp(np.mean(np.log(truth) + shift)) < nested.high


def test_the_hierarchical_ratio_needs_the_same_blocks_on_both_sides():
    with pytest.raises(ValueError, match="same blocks"):
        variance.hierarchical_ratio([[1.0, 1.1]], [[1.0], [1.1]])
    one = variance.hierarchical_ratio([[1.0, 1.2, 1.1]], [[1.0, 1.0, 0.9]])
    assert math.isnan(one.low) and one.value > 1


@pytest.fixture(scope="module")
def blocked_smoke(smoke_run, tmp_path_factory):
    """The smoke run's folder with its trials put in two blocks (alternating within each
    configuration, so that both blocks have every one)."""
    path = shutil.copytree(smoke_run.path, tmp_path_factory.mktemp("blocked") / smoke_run.path.name)
    run = Run(path)
    df = run.trials()
    df["block"] = df.groupby(["framework", "variant", "mode", "workload", "strategy", "n", "size"]).cumcount() % 2
    df.to_csv(run.trials_path, index=False)
    return run


@pytest.mark.slow
def test_a_smoke_run_in_one_block_has_a_trial_component_and_no_instance_one(smoke_run):
    meta = smoke_run.meta()
    ok = measured(smoke_run.trials())
    found = variance.side_components([ok], n=meta["preset"]["n"], size=meta["preset"]["size"])
    assert {s.side for s in found} == set(variance.SIDES)
    for s in found:
        trial, instance = s.levels
        assert trial.variance > 0 and math.isnan(instance.variance) and instance.units == 1
        assert s.dominant == "trial"
    assert "Variance components" not in report.text(smoke_run) and "variance" not in report.as_json(smoke_run)


def test_the_report_shows_the_components_and_the_hierarchical_ratios_of_a_run_in_blocks(blocked_smoke):
    text = report.text(blocked_smoke)
    assert "Variance components of log time" in text
    for side in variance.SIDES:
        assert side.label in text
    doc = report.as_json(blocked_smoke)
    json.dumps(doc)  # serializable
    sides = doc["variance"]["components"]
    assert {s["side"] for s in sides} == {s.label for s in variance.SIDES}
    assert all([c["level"] for c in s["levels"]] == ["trial", "instance"] for s in sides)
    ratios = {(r["name"], r["measure"]): r for r in doc["variance"]["ratios"]}
    head = ratios[("headline", "isolated")]
    low, high = head["plain"]
    assert head["blocks"] == 2 and (low <= head["ratio"] <= high if low is not None else high is None)
    assert "NaN" not in json.dumps(doc), "JSON has no NaN: a missing number is null"
    assert gap.FLASK.label in text


def test_components_of_several_runs_add_the_run_level_and_refuse_runs_of_another_size(blocked_smoke, tmp_path, capsys):
    again = Run(shutil.copytree(blocked_smoke.path, tmp_path / "again"))
    assert main(["components", str(blocked_smoke.path), str(again.path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["over"] == "runs" and len(doc["components"]) == len(variance.SIDES)
    for side in doc["components"]:
        trial, instance, run = side["levels"]
        assert run["level"] == "run" and run["units"] == 2 and run["variance"] == 0.0  # the same trials twice
    assert main(["components", str(blocked_smoke.path), "--measure", "back_to_back"]) == 0
    assert "Variance components of log time, back to back" in capsys.readouterr().out
    meta = json.loads(again.meta_path.read_text())
    meta["preset"]["size"] += 1
    again.meta_path.write_text(json.dumps(meta))
    assert main(["components", str(blocked_smoke.path), str(again.path)]) == 2
    assert "one n and size" in capsys.readouterr().err
    assert main(["components", str(tmp_path / "missing")]) == 2


def test_a_ratio_that_moves_between_blocks_has_a_block_component_and_one_that_moves_with_the_machine_has_none():
    rng = np.random.default_rng(5)
    blocks, trials = 12, 10
    moving = rng.normal(0, 0.10, size=blocks)  # the ratio's own shift in each block
    machine = rng.normal(0, 0.30, size=blocks)  # both sides slowed alike
    b = [np.exp(m + rng.normal(0, 0.05, trials)) for m in machine]
    a_moving = [np.exp(m + s + rng.normal(0, 0.05, trials)) for m, s in zip(machine, moving, strict=True)]
    a_machine = [np.exp(m + rng.normal(0, 0.05, trials)) for m in machine]
    within, between = variance.ratio_components(a_moving, b)
    assert within == pytest.approx(2 * 0.05**2 / trials, rel=0.4)
    assert between == pytest.approx(0.10**2, rel=0.6)
    within, between = variance.ratio_components(a_machine, b)
    assert between < 0.2 * 0.10**2  # the machine's shifts cancel in the ratio
    assert all(math.isnan(v) for v in variance.ratio_components([[1.0, 1.1]], [[1.0, 0.9]]))
