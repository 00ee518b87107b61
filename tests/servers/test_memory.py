import subprocess
import sys
import textwrap

import pytest

from servers import memory, strategies
from servers.workloads import ARTICLE


def test_serial_estimate_counts_one_peak_and_the_kept_results():
    est = memory.estimate_peak_bytes(ARTICLE, strategies.GATHER, n=5, size=1000)
    assert est == ARTICLE.peak_bytes(1000) + 4 * ARTICLE.result_bytes(1000)
    assert memory.estimate_peak_bytes(ARTICLE, strategies.SEQUENTIAL, n=5, size=1000) == est


def test_overlapping_tasks_count_every_peak():
    yielding = ARTICLE.__class__(**{**ARTICLE.__dict__, "yields": True})
    assert memory.estimate_peak_bytes(yielding, strategies.GATHER, n=5, size=1000) == 5 * ARTICLE.peak_bytes(1000)


def test_refusal_happens_before_allocating_and_says_estimate_and_limit(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 100 * 2**20)
    with pytest.raises(memory.MemoryRefused) as e:
        with memory.reserve(200 * 2**20):
            pytest.fail("admitted a request that does not fit")
    msg = str(e.value)
    assert "200.0 MiB" in msg and f"{0.85 * 100:.1f} MiB" in msg
    assert e.value.estimate == 200 * 2**20


def test_reservations_add_up_and_are_released(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 1000)
    with memory.reserve(500):
        assert memory.limit_bytes() == 350
        with pytest.raises(memory.MemoryRefused):
            with memory.reserve(400):
                pass
    assert memory.limit_bytes() == 850


def test_largest_admitted_size(monkeypatch):
    limit = 3 * 2**30
    monkeypatch.setattr(memory, "available_bytes", lambda: int(limit / memory.USABLE_SHARE) + 1)
    size = memory.largest_admitted_size(ARTICLE, strategies.GATHER, n=5, upper=10_000)
    assert 0 < size < 10_000 and size % 100 == 0
    assert memory.estimate_peak_bytes(ARTICLE, strategies.GATHER, n=5, size=size) <= limit
    assert memory.estimate_peak_bytes(ARTICLE, strategies.GATHER, n=5, size=size + 100) > limit


def test_format_bytes():
    assert memory.format_bytes(512) == "512 B"
    assert memory.format_bytes(1536) == "1.5 KiB"
    assert memory.format_bytes(3 * 2**30) == "3.0 GiB"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads VmHWM from /proc")
def test_estimate_matches_the_measured_peak():
    """The article task's memory model against the kernel's high-water mark, in a fresh process."""
    code = textwrap.dedent("""
        from servers import memory, strategies, workloads
        def status(key):
            for line in open('/proc/self/status'):
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
        open('/proc/self/clear_refs', 'w').write('5')
        base = status('VmRSS')
        strategies.run_in_new_loop(strategies.gather(workloads.ARTICLE, 3, 1500, strategies.Context()))
        est = memory.estimate_peak_bytes(workloads.ARTICLE, strategies.GATHER, n=3, size=1500)
        print((status('VmHWM') - base) / est)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    ratio = float(out.stdout)
    assert 0.9 < ratio < 1.1, f"measured peak / estimate = {ratio:.3f}"
