"""The explorer's widgets: pick a configuration, press Run, see when each task ran.

:class:`Panel` wires ipywidgets to an :class:`~bench.frontends.explore.Explorer`: above them, the
lines a click on Run runs, kept up to date as the controls change, to copy; while a request runs
the Run button is disabled and says so; the result is the request's timeline (with the same
tasks one after another beside it) and a line of its numbers; below, the history of what
was tried, rounded, with long errors shortened (the whole text on hover).

The interpreter toggle offers the clone's free-threaded Python where ``make freethreaded``
has made it (disabled, with a note saying how to get it, where not); choosing it holds the
server in process mode.
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as w
from IPython.display import clear_output, display

from bench.frontends.explore import (
    FREE_THREADED_FRAMEWORKS,
    Explorer,
    free_threaded_here,
    history_view,
    resolved_endpoint,
    show,
)
from bench.instrument.speedup import EXPLAINED
from bench.vocabulary.config import FREE_THREADED
from servers import harness

#: Widgets' descriptions are shown whole, not cut to the default width.
WHOLE = {"description_width": "initial"}


def endpoint_options(framework: str) -> list[tuple[str, str]]:
    """The endpoint toggle's (label, value) pairs for ``framework``: "native" names what it is."""
    return [(f"native ({resolved_endpoint(framework, '')})", ""), ("sync", "sync"), ("async", "async")]


def size_hint(workload: str, article_size: int) -> str:
    """What the size box means for ``workload`` (the explorer's servers run the article's task
    at ``article_size`` unless told otherwise)."""
    default = article_size if workload == "article" else harness.default_size(workload)
    return f"{harness.size_unit(workload)}; 0 = the default ({default})"


#: The mode toggle's (label, value) pairs.
MODE_OPTIONS = [("thread (in this kernel)", "thread"), ("process (of its own)", "process")]


def _interpreter_options() -> list[tuple[str, str]]:
    """The interpreter toggle's (label, value) pairs: this project's Python (named by its
    version), and the clone's free-threaded one."""
    ours = harness.interpreter_report()["interpreter"]
    return [(f"this project's ({ours})", ""), ("free-threaded (.venv-ft, no GIL)", FREE_THREADED)]


#: What the interpreter toggle's note says: where the free-threaded Python is missing, how to
#: get it; where it is chosen, what it allows.
NO_FREE_THREADED_NOTE = (
    "no free-threaded Python in this clone: `make freethreaded` makes .venv-ft/, then run this cell again"
)
FREE_THREADED_NOTE = (
    f"serves {' and '.join(FREE_THREADED_FRAMEWORKS)} in a process of its own (thread mode would run under "
    "this kernel's Python); speed-up over the same tasks one after another under it"
)


class Panel:
    """The explorer's controls, result and history, as one widget (:attr:`box`)."""

    def __init__(self, explorer: Explorer, *, workload: str = "article", n: int = 4, mode: str = "process") -> None:
        self.explorer = explorer
        self.framework = w.ToggleButtons(options=list(harness.FRAMEWORKS), value="fastapi", description="framework")
        self.endpoint = w.ToggleButtons(options=endpoint_options("fastapi"), value="", description="endpoint")
        self.mode = w.ToggleButtons(options=MODE_OPTIONS, value=mode, description="server runs in a")
        here = free_threaded_here()
        self.python = w.ToggleButtons(
            options=_interpreter_options(), value="", description="interpreter", disabled=not here
        )
        self.python_note = w.Label("" if here else NO_FREE_THREADED_NOTE)
        self.strategy = w.Dropdown(options=list(harness.STRATEGIES), value="gather", description="strategy")
        self.workload = w.Dropdown(options=list(harness.workload_names()), value=workload, description="workload")
        self.n = w.IntSlider(value=n, min=1, max=16, description="n tasks", style=WHOLE)
        self.size = w.IntText(value=0, description="size", style=WHOLE, layout=w.Layout(width="14em"))
        self.hint = w.Label(size_hint(workload, explorer.article_size))
        self.repeats = w.IntSlider(value=3, min=1, max=9, description="requests (fastest kept)", style=WHOLE)
        self.go = w.Button(description="Run", button_style="primary", icon="play")
        self.code = w.HTML(self._code_html())
        self.status = w.Label("")
        self.result = w.Output()
        self.history = w.Output()
        for control in (self.framework, self.endpoint, self.mode, self.python, self.strategy, self.workload):
            control.style.description_width = "initial"
        self.framework.observe(self._framework_changed, names="value")
        self.python.observe(self._python_changed, names="value")
        self.workload.observe(self._workload_changed, names="value")
        self.go.on_click(self.run)
        for control in (self.framework, self.endpoint, self.mode, self.python, self.strategy, self.workload):
            control.observe(self._show_code, names="value")
        for control in (self.n, self.size, self.repeats):
            control.observe(self._show_code, names="value")
        self.box = w.VBox(
            [
                self.code,
                self.framework,
                self.endpoint,
                self.mode,
                w.HBox([self.python, self.python_note]),
                self.strategy,
                self.workload,
                self.n,
                w.HBox([self.size, self.hint]),
                self.repeats,
                w.HBox([self.go, self.status]),
                w.HTML(f"<small>{EXPLAINED}</small>"),
                self.result,
                self.history,
            ]
        )

    def _framework_changed(self, change: dict[str, Any]) -> None:
        value = self.endpoint.value
        self.endpoint.options = endpoint_options(change["new"])
        self.endpoint.value = value

    def _python_changed(self, change: dict[str, Any]) -> None:
        """The free-threaded Python serves in process mode only, the article's two frameworks
        only: choosing it sets and holds the mode, and narrows the frameworks; choosing this
        project's gives them back."""
        free = change["new"] == FREE_THREADED
        framework = self.framework.value
        if free:
            self.mode.value = "process"
        self.mode.disabled = free
        self.framework.options = list(FREE_THREADED_FRAMEWORKS if free else harness.FRAMEWORKS)
        self.framework.value = framework if framework in self.framework.options else "fastapi"
        self.python_note.value = FREE_THREADED_NOTE if free else ""

    def _workload_changed(self, change: dict[str, Any]) -> None:
        self.hint.value = size_hint(change["new"], self.explorer.article_size)

    def lines(self) -> str:
        """The code a click on Run runs, as a notebook cell would run it (``ex`` the explorer)."""
        args = [repr(self.framework.value), repr(self.strategy.value), repr(self.workload.value), f"n={self.n.value}"]
        if self.size.value:
            args.append(f"size={self.size.value}")
        if self.endpoint.value:
            args.append(f"endpoint={self.endpoint.value!r}")
        args.append(f"mode={self.mode.value!r}")
        if self.python.value:
            args.append(f"python={self.python.value!r}")
        args.append(f"repeats={self.repeats.value}")
        return f"answer = ex.run({', '.join(args)})\nshow(answer)"

    def _code_html(self) -> str:
        return (
            "<small>What Run runs (copy it into a cell of your own; <code>from bench import Explorer, show</code>, "
            f"<code>ex = Explorer()</code>):</small><pre>{html.escape(self.lines())}</pre>"
        )

    def _show_code(self, change: dict[str, Any]) -> None:
        self.code.value = self._code_html()

    def describe(self) -> str:
        """The configuration the controls show, in words."""
        endpoint = resolved_endpoint(self.framework.value, self.endpoint.value)
        free = ", free-threaded Python" if self.python.value else ""
        return (
            f"{self.framework.value} ({endpoint} endpoint, {self.mode.value} mode{free}): {self.strategy.value} of "
            f"{self.n.value} {self.workload.value} tasks"
        )

    def run(self, _: Any = None) -> dict[str, Any]:
        """Run what the controls show; the button is disabled until the answer is drawn."""
        what = self.describe()
        self.go.disabled, self.go.description, self.go.icon = True, "Running...", "hourglass-half"
        self.status.value = f"running {what}, {self.repeats.value} request(s)..."
        self.result.clear_output()
        started = time.perf_counter()
        try:
            answer = self.explorer.run(
                self.framework.value,
                self.strategy.value,
                self.workload.value,
                n=self.n.value,
                size=self.size.value or None,
                endpoint=self.endpoint.value,
                mode=self.mode.value,
                python=self.python.value,
                repeats=self.repeats.value,
            )
            with self.result:
                show(answer)
            with self.history:
                clear_output(wait=True)
                display(history_view(self.explorer.table()))
            self.status.value = f"{what}: done in {time.perf_counter() - started:.1f} s"
            return answer
        except Exception as e:
            self.status.value = f"{what}: failed ({type(e).__name__}: {e})"
            raise
        finally:
            self.go.disabled, self.go.description, self.go.icon = False, "Run", "play"
