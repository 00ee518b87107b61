"""Execute a notebook from the terminal (``make article``): progress by section, then where it went.

python -m bench.frontends.notebook notebooks/article.ipynb build/article.ipynb --cwd notebooks -p preset smoke

Papermill executes it (parameters injected, outputs saved after every cell, a failing cell
fails the command with its traceback). What the terminal shows is one line per section (a
level-1 or level-2 heading) as execution reaches it, the progress lines the notebook's own
long cells write (:mod:`bench.instrument.progress`), and a last line naming the executed notebook. The
kernel talks to papermill over IPC (Unix sockets) rather than TCP on loopback: nothing of
it is reachable from the network, and the kernel has no transport warning to print.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import papermill
from papermill.engines import NBClientEngine, papermill_engines
from papermill.exceptions import PapermillExecutionError
from traitlets.config import Config

#: The papermill engine this module registers: nbclient's, telling the terminal each section.
ENGINE = "bench-sections"


def heading(cell: Any) -> str | None:
    """The title of a markdown cell's first level-1 or level-2 heading, else None."""
    if cell.get("cell_type") != "markdown":
        return None
    for line in str(cell.get("source", "")).splitlines():
        marks, _, title = line.partition(" ")
        if marks in ("#", "##") and title.strip():
            return title.strip()
    return None


def value(text: str) -> Any:
    """A parameter's value as papermill's command line reads it: a whole number, a decimal
    number, True, False or None, else the text itself."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return {"True": True, "False": False, "None": None}.get(text, text)


def _elapsed(seconds: float) -> str:
    """``seconds`` as ``m:ss``."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


class SectionsEngine(NBClientEngine):
    """nbclient's engine, printing a line whenever a section starts."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
        start, cell_start = time.monotonic(), nb_man.cell_start

        def announcing(cell: Any, cell_index: int | None = None, **kw: Any) -> None:
            title = heading(cell)
            if title is not None:
                print(f"[{_elapsed(time.monotonic() - start)}] {title}", flush=True)
            cell_start(cell, cell_index, **kw)

        nb_man.cell_start = announcing
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)


papermill_engines.register(ENGINE, SectionsEngine)


def _execute(source: Path, target: Path, *, cwd: Path, parameters: dict[str, Any], kernel: str = "python3") -> None:
    """Execute ``source`` into ``target`` with ``parameters``, in ``cwd``; raises papermill's
    PapermillExecutionError (naming the cell) when a cell fails."""
    papermill.execute_notebook(
        str(source),
        str(target),
        parameters=parameters,
        cwd=str(cwd),
        kernel_name=kernel,
        engine_name=ENGINE,
        progress_bar=False,
        request_save_on_cell_execute=True,
        config=Config({"KernelManager": {"transport": "ipc"}}),
        # jupyter_client interrupts a kernel before it shuts it down, and an idle ipykernel then
        # logs "KeyboardInterrupt caught in kernel" as an error: the kernel application's own
        # log (not the notebook's output, nor a cell's error, which fail the command) stays quiet.
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.frontends.notebook", description=__doc__.split("\n\n")[0])
    p.add_argument("source", type=Path, help="the notebook to execute")
    p.add_argument("target", type=Path, help="where the executed notebook goes")
    p.add_argument("--cwd", type=Path, default=Path("."), help="the kernel's working directory")
    p.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    args = p.parse_args(argv)
    if not args.source.is_file():
        p.error(f"no notebook at {args.source}")
    parameters = {name: value(text) for name, text in args.parameter}
    shown = ", ".join(f"{k}={v}" for k, v in args.parameter)
    print(f"{args.source}: executing" + (f" with {shown}" if shown else ""), flush=True)
    start = time.monotonic()
    try:
        _execute(args.source, args.target, cwd=args.cwd, parameters=parameters)
    except PapermillExecutionError as e:
        print(f"{e}\n{args.source}: a cell failed (above); {args.target} holds what ran up to it", file=sys.stderr)
        return 1
    print(f"{args.source}: executed in {_elapsed(time.monotonic() - start)} into {args.target}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
