"""The explorer's panel: busy while a request runs and saying what it runs, its button given
back after a failure, the free-threaded Python offered where there is one."""

import pytest

from bench.frontends.explore import Explorer
from bench.frontends.panel import NO_FREE_THREADED_NOTE, Panel, endpoint_options, size_hint
from bench.vocabulary.config import FREE_THREADED
from servers import harness


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
