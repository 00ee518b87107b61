"""The front ends: the command line (``python -m bench``), running a preset, the article's
runs, a function's advice (``advise``), the explorer and its panel, the workshop's settings and
make article's runner."""

from bench.frontends import workshop
from bench.frontends.advisor import advise
from bench.frontends.cli import main
from bench.frontends.explore import Explorer, check, free_threaded_here, history_view, show, show_curve
from bench.frontends.panel import Panel
from bench.frontends.preset_runner import run_preset
from bench.frontends.sources import article_runs, scope

__all__ = ["Explorer", "Panel", "advise", "article_runs", "check", "free_threaded_here", "history_view", "main"]
__all__ += ["run_preset", "scope", "show", "show_curve", "workshop"]
