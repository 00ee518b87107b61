"""No interval from fewer than 8 trials, anywhere a reader or a machine reads one: every output
of a smoke run, whose configurations have 3 to 6 trials, gives its estimates without one, and
says why."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from bench.frontends.cli import main
from bench.instrument.store import REFERENCE
from bench.presentation import article, rendering
from bench.vocabulary.stats import MIN_TRIALS, TOO_FEW

pytestmark = pytest.mark.slow

#: An interval as the text outputs print one.
INTERVAL = re.compile(r"\[[\d.]+(?: to |, )[\d.]+\]")


def test_report_json_and_text_give_no_interval_resting_on_fewer_than_eight_trials(smoke_run, capsys):
    assert main(["report", str(smoke_run.path), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)["figures"]
    few = [f for f in figures if f["trials"] < MIN_TRIALS]
    assert few, "the smoke run has figures from few trials"
    for f in few:
        assert f["low"] is f["high"] is f["half_width"] is None, f["id"]
        assert f["no_interval"].startswith(TOO_FEW) and f"{f['configs'][0]['trials']}" in f["no_interval"]
    assert all(
        f["low"] is not None for f in figures if f["trials"] >= MIN_TRIALS and f["ratio"] and f["no_interval"] is None
    )
    assert main(["report", str(smoke_run.path), "--no-figures"]) == 0
    text = capsys.readouterr().out
    for f in few:
        for line in (x for x in text.splitlines() if x.startswith(f"- {f['id']}: ")):
            assert TOO_FEW in line and not INTERVAL.search(line), line


def test_agree_and_compare_list_them_as_not_judged(smoke_run, tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(smoke_run.path, copy)
    code = main(["agree", str(smoke_run.path), str(copy), "--json"])
    record = json.loads(capsys.readouterr().out)
    judged = {a["id"] for a in record["figures"] if a["checks"]}
    for a in record["figures"]:
        if min(e["trials"] for e in a["estimates"]) < MIN_TRIALS:
            assert a["id"] not in judged and a["agrees"] is None and a["why"].startswith("not judged")
    assert code == (2 if not judged else 0)
    main(["compare", str(smoke_run.path), str(copy), "--json"])
    configs = json.loads(capsys.readouterr().out)["configs"]
    few = [c for c in configs if min(c["base_trials"], c["new_trials"]) < MIN_TRIALS]
    assert few and all(c["reads"] == "not judged" and c["low"] is None for c in few)


def test_the_article_and_the_documents_cite_none(smoke_run, tmp_path):
    for claim in article.claims_of(smoke_run):
        for fact in claim.facts:
            assert fact.trials >= MIN_TRIALS or not fact.has_interval, (claim.id, fact)
    root = tmp_path / "root"
    shutil.copytree(smoke_run.path, root / REFERENCE / smoke_run.path.name)
    results = rendering.results(rendering.committed(root))
    rows = [line for line in results.splitlines() if TOO_FEW in line]
    assert rows and not any(INTERVAL.search(cell) for line in rows for cell in line.split("|") if TOO_FEW in cell)
