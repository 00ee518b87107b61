"""A load run's report: one verdict for each probe case, the summary's."""

import pandas as pd

from bench.frontends import load_runner
from bench.instrument import environment
from bench.instrument.load import loops as load
from bench.instrument.load.loops import Record
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


def test_a_url_s_report_gives_a_row_per_client_count_and_no_interval_from_fewer_than_8_answers(tmp_path):
    def answers(clients: int, count: int, *, failed: int = 0) -> pd.DataFrame:
        recs = [
            Record("load", i % clients, i, i * 0.01, i * 0.01, i * 0.01 + 0.005, 0.005, 500 if i < failed else 200,
                   "boom" if i < failed else "")
            for i in range(count)
        ]  # fmt: skip
        return load.frame(recs).assign(part="url", url="http://127.0.0.1:8000/fanout", clients=clients)

    run = Run.create(tmp_path, "load-url")
    meta = run.new_meta("load", environment.collect())
    meta["load_url"] = {"url": "http://127.0.0.1:8000/fanout", "probe": "", "duration_s": 2.0}
    run.write_meta(meta)
    pd.concat([answers(1, 5), answers(4, 40, failed=2)]).to_csv(run.path / load_runner.REQUESTS, index=False)
    lines = load_report.text(run).splitlines()
    assert lines[2].startswith("Closed loop on http://127.0.0.1:8000/fanout, 2 s at each client count")
    one, four = (line.split() for line in lines[4:6])
    assert one[:3] == ["1", "5", "0"] and one.count("(no") == 4  # throughput and three percentiles: too few
    assert four[:3] == ["4", "38", "2"] and "(no" not in four and four[3] != "nan"
    assert lines[6] == "2 request(s) failed; the first: boom"
