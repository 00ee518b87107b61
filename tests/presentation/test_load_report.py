"""A load run's report: one verdict for each probe case, the summary's."""

import pandas as pd

from bench.frontends import load_runner
from bench.instrument import environment
from bench.instrument.load import loops as load
from bench.instrument.store import Run
from bench.presentation import load_report
from tests.synthetic import probe_records


def test_each_probe_case_gets_one_verdict_and_it_is_the_summarys(tmp_path):
    both = pd.concat(
        [
            load.frame(probe_records(300, 400)).assign(config="blocked", part="probe"),
            load.frame(probe_records(10, 400)).assign(config="free", part="probe"),
        ]
    )
    run = Run.create(tmp_path, "load-test")
    run.write_meta(run.new_meta("load", environment.collect()))
    both.to_csv(run.path / load_runner.REQUESTS, index=False)
    text = load_report.text(run)
    assert [line.split(":")[:2] for line in text.splitlines() if line.startswith("- ")] == [
        ["- blocked", " STALLS"],
        ["- free", " stays responsive"],
    ]
