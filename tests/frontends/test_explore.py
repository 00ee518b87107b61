"""The explorer: one request at a time on servers it starts and stops, its history, its
summary line, checks of predictions, and the free-threaded Python refused where it cannot
serve."""

import math

import pandas as pd
import pytest

from bench.frontends.explore import COLUMNS, ERROR_CHARS, Explorer, answer_table, check, history_view, show
from bench.presentation import timeline_plots
from bench.vocabulary.config import FREE_THREADED
from servers import harness


def test_explorer_runs_requests_keeps_history_and_stops_its_servers():
    with Explorer(article_size=100) as ex:
        a = ex.run("fastapi", "gather", "sleep", n=3, size=30)
        again = ex.run("fastapi", "gather", "sleep", n=3, size=30, repeats=3)
        # Threads start one after another: 100 ms sleeps keep a few ms of start-up skew on a
        # busy machine (7 ms once, with 30 ms sleeps) from reading as no overlap.
        b = ex.run("flask", "threads", "sleep", n=3, size=100, endpoint="sync")
        bad = ex.run("flask", "threads", "sleep", n=0)
        assert a["overlap"] > 2.5 and b["overlap"] > 2.5 and a["parallelism"] < 0.5, "waits overlap, using no CPU"
        # The speed-up is the one-after-another time over the request's (how large it comes out
        # is timed on a shared machine: the bench presets measure it, not this test).
        assert a["speedup"] == pytest.approx(a["one_after_another_s"] / a["wall_s"])
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


def test_an_answer_shows_as_a_small_table_and_a_line_of_what_the_table_does_not_hold(capsys):
    answer = {
        "framework": "fastapi",
        "endpoint": "async",
        "strategy": "threads",
        "workload": "python",
        "n": 2,
        "speedup": 1.8,
        "speedups": [1.7, 1.8, 1.9],
        "parallelism": 1.95,
        "overlap": 2.0,
        "wall_s": 0.4,
        "one_after_another_s": 0.72,
        "warmup_s": 1.2,
    }
    row = answer_table(answer).iloc[0]
    assert (row["speed-up"], row["parallelism"], row["overlap"], row["first use, s"]) == (1.8, 1.95, 2.0, 1.2)
    assert row["wall, s"] == 0.4 and row["one after another, s"] == 0.72
    refused = answer_table({"error": {"message": "n must be between 1 and 64"}})
    assert refused.iloc[0]["refused"] == "n must be between 1 and 64"
    show({"error": {"message": "n must be between 1 and 64"}})
    assert "ranged" not in capsys.readouterr().out  # the table, and no note: nothing was measured
    show({**answer, "tasks": [], "sent_mono": 0.0})
    said = capsys.readouterr().out
    assert "the fastest of 3 requests; their speed-ups ranged 1.70 to 1.90" in said and "served by" not in said
    free = {**answer, "tasks": [], "sent_mono": 0.0}
    show({**free, "server": {"interpreter": "3.13.5 free-threading", "gil_enabled": False}})
    assert "served by 3.13.5 free-threading (GIL off)" in capsys.readouterr().out
    show({**free, "server": {"interpreter": "3.13.5 free-threading", "gil_enabled": True}})
    assert "(GIL on: it came back)" in capsys.readouterr().out


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
