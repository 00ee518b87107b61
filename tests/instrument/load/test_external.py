"""wrk and Locust: their reports read into bench's columns, and a live run of each."""

import pandas as pd
import pytest

from bench.instrument.load import external

WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:40000/ping
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   512.00us  100.00us   1.20ms   95.65%
    Req/Sec     3.80k   200.00     4.00k    70.00%
  Latency Distribution
     50%  480.00us
     75%  520.00us
     90%  700.00us
     99%    1.10ms
  3800 requests in 1.00s, 600.00KB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   3795.50
Transfer/sec:    600.00KB
"""


def test_wrk_report_is_parsed_into_bench_columns():
    row = external.parse_wrk(WRK_OUTPUT, "/ping").iloc[0]
    assert row["requests"] == 3800 and row["throughput_rps"] == pytest.approx(3795.5)
    assert row["p50_ms"] == pytest.approx(0.48) and row["p99_ms"] == pytest.approx(1.1)
    assert row["max_ms"] == pytest.approx(1.2) and row["errors"] == 7


def test_locust_statistics_are_read_into_bench_columns(tmp_path):
    path = tmp_path / "x_stats.csv"
    pd.DataFrame(
        [
            {
                "Type": "GET",
                "Name": "/ping",
                "Request Count": 70,
                "Failure Count": 1,
                "Requests/s": 17.5,
                "50%": 5,
                "90%": 9,
                "99%": 20,
                "Max Response Time": 25.5,
            },
            {
                "Type": None,
                "Name": "Aggregated",
                "Request Count": 70,
                "Failure Count": 1,
                "Requests/s": 17.5,
                "50%": 5,
                "90%": 9,
                "99%": 20,
                "Max Response Time": 25.5,
            },
        ]
    ).to_csv(path, index=False)
    df = external.read_locust(path)
    assert list(df.columns) == external.SUMMARY_COLUMNS and len(df) == 1
    assert df.iloc[0][["requests", "errors", "p99_ms"]].tolist() == [70, 1, 20]


@pytest.mark.slow
def test_bench_and_wrk_side_by_side_on_one_server():
    if external.wrk_binary() is None:
        pytest.skip("wrk is not installed and could not be (needs root and Debian's apt)")
    table = external.crosscheck(
        "fastapi", connections=2, duration_s=1, heavy_query="workload=sleep&n=2&size=10", size=100
    )
    assert set(zip(table["tool"], table["name"], strict=True)) == {
        ("bench", "/ping"),
        ("wrk", "/ping"),
        ("bench", "/run"),
        ("wrk", "/run"),
    }
    assert (table["requests"] > 0).all() and (table["errors"] == 0).all()
    assert (table["client_cpu_ms"] > 0).all(), "each client's CPU per request is measured"


@pytest.mark.slow
def test_locust_headless_against_a_local_server(tmp_path):
    table = external.locust_against(
        "flask",
        users=2,
        run_time_s=4,  # 2 s recorded no request while three test workers loaded both cores
        out_prefix=tmp_path / "locust",
        endpoint="sync",
        heavy={"workload": "sleep", "n": "2", "size": "10"},
        size=100,
    )
    assert set(table["name"]) == {"/ping", "/run/sync"}
    assert (table["requests"] > 0).all() and (table["errors"] == 0).all()


def test_the_locust_scenario_is_set_by_the_names_the_locustfile_reads():
    env = external.scenario_env("sync", {"workload": "sleep", "n": "2"})
    assert env == {"FANOUT_ENDPOINT": "sync", "FANOUT_WORKLOAD": "sleep", "FANOUT_N": "2"}
    with pytest.raises(ValueError, match="no setting"):
        external.scenario_env("sync", {"colour": "red"})
