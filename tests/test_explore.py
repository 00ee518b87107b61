import math

from bench import plots
from bench.explore import Explorer, check


def test_explorer_runs_requests_keeps_history_and_stops_its_servers():
    with Explorer(article_size=100) as ex:
        a = ex.run("fastapi", "gather", "sleep", n=3, size=30)
        b = ex.run("flask", "threads", "sleep", n=3, size=30, endpoint="sync")
        bad = ex.run("flask", "threads", "sleep", n=0)
        assert a["parallelism"] > 2.5 and b["parallelism"] > 2.5
        assert a["speedup"] > 2.0 and a["endpoint"] == "async" and b["endpoint"] == "sync"
        assert bad["error"]["param"] == "n"
        fig = plots.request_timeline(a)
        assert len(fig.axes) == 1
        servers = list(ex.servers.values())
        table = ex.table()
    assert list(table["status"]) == [200, 200, 400]
    assert table["error"].iloc[2].startswith("n must be between")
    assert all(not s.url for s in servers)  # every server stopped


def test_check_says_whether_a_prediction_held():
    assert check(2.0, 1.9).startswith("Your prediction held")
    assert check(2.0, 1.0).startswith("Not quite")
    assert "No measurement" in check(1.0, math.nan)
