"""The blocking probe's stall rule, on known latencies."""

import pytest

from bench.instrument.load import blocking
from bench.instrument.load import loops as load
from tests.synthetic import probe_records


@pytest.mark.parametrize(
    "ping_ms, heavy_ms, stalls",
    [
        (300, 400, True),  # pings wait most of a heavy request: a blocked loop
        (60, 400, False),  # pings slowed by sharing the cores, not waiting for the work
        (180, 400, False),  # just under half a heavy request
        (230, 400, True),  # just over half
        (45, 20, False),  # heavy requests this light: under the 50 ms floor, jitter
        (80, 20, True),  # over the floor
    ],
)
def test_the_stall_rule_on_known_latencies(ping_ms, heavy_ms, stalls):
    df = load.frame(probe_records(ping_ms, heavy_ms)).assign(config="case")
    summary = blocking.summarize(df)
    assert set(summary["stalls"]) == {stalls}
    threshold = max(blocking.STALL_MIN_MS, blocking.STALL_SHARE * heavy_ms)
    assert summary["stall_threshold_ms"].iloc[0] == pytest.approx(threshold, rel=0.02)
    (line,) = blocking.verdicts(summary)
    assert line.startswith("- case: " + ("STALLS" if stalls else "stays responsive"))
