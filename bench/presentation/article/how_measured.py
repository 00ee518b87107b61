"""Where the article's numbers come from: the line under its title that names each run it
reads, and the "How this was measured" box (the machine, Python, the versions of the
frameworks and their servers from the run's meta.json, and the code it measures)."""

from __future__ import annotations

from datetime import datetime

from bench.instrument.store import Run
from bench.presentation.article.captions import link, started
from servers import harness

#: The packages the box names, as the reader knows them (meta.json's names).
PACKAGES = (
    ("Flask", "flask"),
    ("Werkzeug", "werkzeug"),
    ("FastAPI", "fastapi"),
    ("Starlette", "starlette"),
    ("uvicorn", "uvicorn"),
    ("NumPy", "numpy"),
)


def _minutes(run: Run) -> str:
    meta = run.meta()
    try:
        took = datetime.fromisoformat(str(meta["ended_at"])) - datetime.fromisoformat(str(meta["started_at"]))
    except (KeyError, TypeError, ValueError):
        return "a run"
    return f"a run of {max(1, round(took.total_seconds() / 60))} minutes"


def made_by(run: Run, load: Run | None, gil_run: Run | None) -> str:
    """Which runs the article reads, each by when it started, and what each gives."""
    meta = run.meta()
    cpu, memory = meta.get("cpu", {}), meta.get("memory", {})
    gib = memory.get("total_bytes", 0) / 2**30
    said = (
        f"*Made by {_minutes(run)} on {cpu.get('model', 'an unknown CPU')} with {cpu.get('usable_cores', '?')} "
        f"usable cores and {gib:.0f} GiB of memory, started {started(run)}: every figure and table of the sections is "
        "that run's"
    )
    if load is not None:
        said += f", but Figure 6 and the many-clients row of What to do, from a load run started {started(load)}"
    if gil_run is not None:
        said += (
            f"; the free-threaded row and {link('nogil')} come from a separate run with and without the GIL, "
            f"started {started(gil_run)}"
        )
    state = meta.get("machine_state")
    if state is not None and state["busy"]:
        said += (
            f". The machine was busy while the run measured ({'; '.join(state['reasons'])}): its timings spread "
            "wider than on a quiet one"
        )
    return said + ". The box below says how.*"


def box(run: Run) -> str:
    """The "How this was measured" box: machine, Python, versions, method (Markdown)."""
    meta = run.meta()
    cpu = meta.get("cpu", {})
    python = str(meta.get("python", {}).get("version", "?")).split(" ")[0]
    packages = meta.get("packages", {})
    versions = ", ".join(f"{name} {packages.get(key) or '?'}" for name, key in PACKAGES)
    lines = [
        "> **How this was measured.** "
        f"{cpu.get('model', 'An unknown CPU')}, {cpu.get('usable_cores', '?')} usable cores; Python {python}; "
        f"{versions}. Each server ran in a process of its own (process mode) unless a figure says otherwise, and "
        "the requests came from the notebook's process, one at a time, in a shuffled order, after a warm-up. Every "
        "ratio is one median over another, with a bootstrap 95% interval and the trials it rests on; none is drawn "
        "from fewer than eight trials a side. The code it measures opens Section 1 "
        f"({link('experiment')}).",
    ]
    return "\n".join(lines)


def code() -> str:
    """The code the article measures, as this project serves the article's endpoints (Markdown)."""
    lines = []
    for name, source in harness.article_code().items():
        lines += [f"*{name}*", "", "```python", *source.splitlines(), "```", ""]
    return "\n".join(lines).rstrip()
