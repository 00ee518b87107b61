import math

import pandas as pd
import pytest

from bench.frontends.explore import COLUMNS, ERROR_CHARS, Explorer, check, history_view, summary
from bench.frontends.panel import NO_FREE_THREADED_NOTE, Panel, endpoint_options, size_hint
from bench.instrument import speedup as speedup_module
from bench.instrument.speedup import EXPLAINED, BaselineRefused, Baselines, in_runner, speedup
from bench.presentation import timeline_plots
from bench.vocabulary.config import FREE_THREADED
from servers import harness
from servers.harness import parallelism


def test_explorer_runs_requests_keeps_history_and_stops_its_servers():
    with Explorer(article_size=100) as ex:
        a = ex.run("fastapi", "gather", "sleep", n=3, size=30)
        again = ex.run("fastapi", "gather", "sleep", n=3, size=30, repeats=3)
        # Threads start one after another: 100 ms sleeps keep a few ms of start-up skew on a
        # busy machine (7 ms once, with 30 ms sleeps) from reading as no overlap.
        b = ex.run("flask", "threads", "sleep", n=3, size=100, endpoint="sync")
        bad = ex.run("flask", "threads", "sleep", n=0)
        assert a["parallelism"] > 2.5 and b["parallelism"] > 2.5
        # The speed-up is the one-after-another time over the request's (how large it comes out
        # is timed on a shared machine: the bench presets measure it, not this test).
        assert a["speedup"] == pytest.approx(a["one_after_another_s"] / a["wall_s"]) and a["speedup"] > 1
        assert a["endpoint"] == "async" and b["endpoint"] == "sync"
        assert a["one_after_another_s"] >= 3 * 0.030  # three 30 ms sleeps, one after another
        assert a["warmup_s"] > 0 and again["warmup_s"] == 0, "a configuration is warmed once, on first use"
        assert len(again["speedups"]) == 3 and again["speedup"] == max(again["speedups"]), "the fastest request"
        assert bad["error"]["param"] == "n"
        fig = timeline_plots.request_timeline(a)
        assert len(fig.axes) == 1 and fig.axes[0].get_legend() is not None
        servers = list(ex.servers.values())
        table = ex.table()
    assert list(table.columns) == COLUMNS
    assert list(table["status"]) == [200, 200, 200, 400]
    assert list(table["endpoint"]) == ["async", "async", "sync", "sync"], "native is shown as what it is"
    assert table["error"].iloc[3].startswith("n must be between")
    assert all(not s.url for s in servers)  # every server stopped


def test_speed_up_is_the_one_after_another_time_over_the_wall_time_not_the_overlap():
    def spans(*windows: tuple[float, float]) -> list[dict[str, float]]:
        return [{"start": s, "end": e} for s, e in windows]

    # Threads running pure Python: four 0.1 s tasks take turns at the GIL, each stretched to
    # 0.4 s; all four overlap, and the request ends when they would have one after another.
    gil = spans(*[(0.0, 0.4)] * 4)
    assert parallelism(gil) == pytest.approx(4.0)
    assert speedup(0.4, 0.4) == pytest.approx(1.0)
    # Sleeps awaited together: overlap and speed-up agree.
    sleeps = spans(*[(0.0, 0.1)] * 4)
    assert parallelism(sleeps) == pytest.approx(4.0) and speedup(0.4, 0.1) == pytest.approx(4.0)
    # The article's gather: a staircase, neither overlap nor speed-up, and a wall time with
    # serving's own cost in it (a speed-up a little under 1).
    stairs = spans((0.0, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 0.4))
    assert parallelism(stairs) == pytest.approx(1.0) and speedup(0.4, 0.42) == pytest.approx(0.952, abs=1e-3)
    assert math.isnan(speedup(float("nan"), 0.4)) and math.isnan(speedup(0.4, 0.0))
    assert "parallelism" in EXPLAINED and "speed-up" in EXPLAINED.lower()


def test_baselines_are_measured_after_a_warm_up_and_cached():
    calls: list[tuple[str, int, int]] = []
    times = iter([9.0, 0.5, 0.3, 0.4])  # the warm-up (slow, not counted), then three

    def measure(workload: str, *, n: int, size: int) -> float:
        calls.append((workload, n, size))
        return next(times)

    b = Baselines(measure=measure, repeats=3, budget_s=60)
    assert b.seconds("python", n=4, size=10) == 0.3  # the fastest of the three after the warm-up
    assert b.seconds("python", n=4, size=10) == 0.3
    assert calls == [("python", 1, 10)] + [("python", 4, 10)] * 3, "measured once, then cached"

    long = Baselines(measure=lambda workload, *, n, size: 0.01, repeats=5, budget_s=0.0)
    long.seconds("sleep", n=2, size=5)
    assert long.cache == {("sleep", 2, 5): 0.01}


def test_check_says_whether_a_prediction_held_in_plain_words():
    held = check(2.0, 1.9)
    assert held.held and str(held) == "Holds: you said 2, measured 1.90 (within a factor of 1.3)."
    high = check(5.0, 0.95)
    assert not high.held and str(high).startswith("Not quite: you said 5, measured 0.95.") and "less" in str(high)
    low = check(1.0, 3.9)
    assert not low.held and "more than you expected" in str(low)
    assert check(1.0, 1.29).held and not check(1.0, 1.31).held and check(1.0, 0.77).held and not check(1.0, 0.76).held
    assert not check(1.0, math.nan).held and "No measured speed-up" in str(check(1.0, math.nan))
    assert not check(0.0, 1.0).held
    with pytest.raises(ValueError, match="factor of at least 1"):
        check(1.0, 1.0, tolerance=0.25)


def test_the_history_view_rounds_and_shortens_long_errors_keeping_them_whole_on_hover():
    long_error = "n must be between 1 and 64; got 0. " + "x" * 80
    table = pd.DataFrame(
        [
            {"framework": "flask", "status": 400, "wall_s": 0.0123456, "error": long_error},
            {
                "framework": "fastapi",
                "status": 200,
                "wall_s": 0.5,
                "speedup": 0.951234,
                "parallelism": 1.0,
                "error": "",
            },
        ],
        columns=COLUMNS,
    )
    html = history_view(table).to_html()
    assert "0.012" in html and "0.0123" not in html and "0.95" in html and "0.951" not in html
    assert long_error[: ERROR_CHARS - 1] in html and long_error in html  # shortened in the cell, whole in the tooltip
    assert html.count(long_error) == 1, "the whole text appears once: in the tooltip"
    assert "white-space: nowrap" in html


def test_the_summary_line_names_both_numbers_and_the_warm_up():
    answer = {
        "speedup": 1.8,
        "speedups": [1.7, 1.8, 1.9],
        "parallelism": 1.95,
        "wall_s": 0.4,
        "one_after_another_s": 0.72,
        "warmup_s": 1.2,
    }
    line = summary(answer)
    assert line.startswith("speed-up 1.80 (the fastest of 3 requests; they ranged 1.70 to 1.90), parallelism 1.95")
    assert "a warm-up request took 1.20 s, not counted" in line
    assert summary({"error": {"message": "n must be between 1 and 64"}}) == "refused: n must be between 1 and 64"
    assert "served by" not in line, "the project's own Python goes unsaid"
    free = {**answer, "server": {"interpreter": "3.13.5 free-threading", "gil_enabled": False}}
    assert "; served by 3.13.5 free-threading (GIL off);" in summary(free)
    back = {**answer, "server": {"interpreter": "3.13.5 free-threading", "gil_enabled": True}}
    assert "(GIL on: it came back)" in summary(back)


class FakeExplorer(Explorer):
    """Records the panel's state at the moment a request is sent."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.seen: list[tuple[bool, str]] = []
        #: The (mode, python) of every request sent.
        self.sent: list[tuple[str, str]] = []
        self.fail = fail
        self.panel: Panel | None = None

    def run(
        self,
        framework="fastapi",
        strategy="gather",
        workload="article",
        n=5,
        size=None,
        endpoint="",
        mode="thread",
        *,
        server="",
        python="",
        repeats=1,
    ):
        assert self.panel is not None
        self.seen.append((self.panel.go.disabled, self.panel.status.value))
        self.sent.append((mode, python))
        if self.fail:
            raise ConnectionError("the server went away")
        answer = {
            "framework": framework,
            "endpoint": endpoint or "async",
            "workload": workload,
            "strategy": strategy,
            "n": n,
            "tasks": [{"index": i, "start": 0.01 * i, "end": 0.01 * i + 0.01} for i in range(n)],
            "parallelism": 1.0,
            "wall_s": 0.01 * n,
            "sent_mono": 0.0,
            "one_after_another_s": 0.01 * n,
            "speedup": 1.0,
            "speedups": [1.0],
            "warmup_s": 0.0,
        }
        self.history.append({"framework": framework, "status": 200, "wall_s": answer["wall_s"], "error": ""})
        return answer


def test_the_panel_is_busy_while_a_request_runs_and_labels_what_it_runs():
    ex = FakeExplorer()
    panel = Panel(ex)
    ex.panel = panel
    panel.framework.value = "flask"
    assert [label for label, _ in panel.endpoint.options][0] == "native (sync)", "native names what it is"
    panel.framework.value = "fastapi"
    assert [label for label, _ in panel.endpoint.options][0] == "native (async)"
    assert endpoint_options("flask")[0] == ("native (sync)", "")
    panel.workload.value = "sleep"
    assert panel.hint.value == size_hint("sleep", 1000) and "milliseconds" in panel.hint.value
    panel.workload.value = "article"
    assert panel.hint.value == "array side; 0 = the default (1000)", "the explorer's own article size"
    panel.workload.value = "sleep"
    assert panel.size.style.description_width == "initial", "labels are shown whole"
    panel.run()
    busy, status = ex.seen[0]
    assert busy and status.startswith("running fastapi (async endpoint, process mode): gather of 4 sleep tasks")
    assert not panel.go.disabled and panel.go.description == "Run" and "done in" in panel.status.value


def test_the_panel_gives_its_button_back_when_a_request_fails():
    ex = FakeExplorer(fail=True)
    panel = Panel(ex)
    ex.panel = panel
    with pytest.raises(ConnectionError):
        panel.run()
    assert ex.seen[0][0] and not panel.go.disabled
    assert "failed (ConnectionError: the server went away)" in panel.status.value


def test_the_panel_offers_the_free_threaded_python_where_there_is_one_and_holds_it_in_process_mode(monkeypatch):
    monkeypatch.setattr(harness, "free_threaded_python", lambda: "/where/make/freethreaded/put/it/python")
    ex = FakeExplorer()
    panel = Panel(ex, mode="thread")
    ex.panel = panel
    assert not panel.python.disabled and panel.python.value == "" and panel.python_note.value == ""
    panel.framework.value = "quart"
    panel.python.value = FREE_THREADED
    assert panel.mode.value == "process" and panel.mode.disabled, "thread mode runs under the kernel's Python"
    assert list(panel.framework.options) == ["flask", "fastapi"] and panel.framework.value == "fastapi"
    assert "process of its own" in panel.python_note.value
    panel.run()
    assert ex.sent == [("process", FREE_THREADED)]
    assert ex.seen[0][1].startswith("running fastapi (async endpoint, process mode, free-threaded Python): gather")
    panel.python.value = ""
    assert not panel.mode.disabled and list(panel.framework.options) == list(harness.FRAMEWORKS)
    assert panel.python_note.value == ""


def test_without_the_free_threaded_python_the_choice_is_disabled_and_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(harness, "free_threaded_python", lambda: None)
    panel = Panel(FakeExplorer())
    assert panel.python.disabled and panel.python.value == ""
    assert panel.python_note.value == NO_FREE_THREADED_NOTE and "make freethreaded" in NO_FREE_THREADED_NOTE


def test_the_explorer_refuses_the_free_threaded_python_where_it_cannot_serve_before_starting_anything(monkeypatch):
    with Explorer() as ex:
        monkeypatch.setattr(harness, "free_threaded_python", lambda: None)
        with pytest.raises(ValueError, match="make freethreaded"):
            ex.run("flask", "threads", "python", n=2, mode="process", python=FREE_THREADED)
        monkeypatch.setattr(harness, "free_threaded_python", lambda: "/a/free-threaded/python")
        with pytest.raises(ValueError, match="use mode='process'"):
            ex.run("flask", "threads", "python", n=2, mode="thread", python=FREE_THREADED)
        with pytest.raises(ValueError, match="flask and fastapi on their own servers only.*not quart"):
            ex.run("quart", "threads", "python", n=2, mode="process", python=FREE_THREADED)
        with pytest.raises(ValueError, match="unknown interpreter 'pypy'"):
            ex.run("flask", "threads", "python", n=2, mode="process", python="pypy")
        assert ex.servers == {} and ex.runners == {} and ex.history == []


class FakeRunner:
    """Answers as an ideal runner does, with a made-up wall time."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, int, int]] = []

    def run(self, workload: str, strategy: str, *, n: int, size: int) -> dict[str, float]:
        self.asked.append((workload, strategy, n, size))
        return {"wall_s": 0.25 * n}


def test_another_interpreter_s_one_after_another_time_is_measured_in_its_runner_under_the_memory_rule(monkeypatch):
    runner = FakeRunner()
    measure = in_runner(runner)  # type: ignore[arg-type]  # a stand-in with run()
    assert measure("python", n=2, size=100) == 0.5 and runner.asked == [("python", "sequential", 2, 100)]

    def refuse(estimate: int):
        raise harness.MemoryRefused(10 * 2**30, 2**30)

    monkeypatch.setattr(speedup_module.harness, "reserved", refuse)
    with pytest.raises(BaselineRefused, match="does not fit"):
        measure("python", n=2, size=100)
    assert len(runner.asked) == 1, "refused before it ran"
