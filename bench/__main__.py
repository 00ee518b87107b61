"""``python -m bench``: run a preset, or report a run.

python -m bench run --preset quick          # measure; a new folder under data/runs/
python -m bench report data/runs/<run-id>   # tables, verdicts, figures
python -m bench report --latest             # the newest run under --out
python -m bench load --preset quick         # many clients: blocking probe and concurrency sweep
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from servers import launch

from . import loadrun, plots, presets, report, store, trials


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a preset's grid of trials into a new run folder")
    r.add_argument(
        "--preset",
        choices=list(presets.PRESETS),
        default="quick",
        help="; ".join(f"{k}: {v.description}" for k, v in presets.PRESETS.items()),
    )
    r.add_argument(
        "--out",
        type=Path,
        default=store.DEFAULT_ROOT,
        help="folder in which the run creates its own new folder (default data/runs)",
    )
    r.add_argument("--seed", type=int, default=None, help="shuffle seed (default: random, recorded)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    ld = sub.add_parser("load", help="the blocking probe and the concurrency sweep, into a new run folder")
    ld.add_argument(
        "--preset",
        choices=list(loadrun.LOAD_PRESETS),
        default="quick",
        help="; ".join(f"{k}: {v.description}" for k, v in loadrun.LOAD_PRESETS.items()),
    )
    ld.add_argument("--out", type=Path, default=store.DEFAULT_ROOT)
    ld.add_argument("--no-progress", action="store_true")
    ex = sub.add_parser("external", help="bench's closed loop beside wrk and Locust, on the same servers")
    ex.add_argument("--framework", choices=["flask", "fastapi"], default="fastapi")
    ex.add_argument("--clients", type=int, default=4, help="concurrent clients / connections / Locust users")
    ex.add_argument("--duration", type=int, default=10, help="seconds per tool and endpoint")
    ex.add_argument(
        "--heavy", default="workload=article&strategy=gather&n=2&size=500", help="query of the heavy /run request"
    )
    ex.add_argument("--tools", default="bench,wrk,locust", help="comma-separated: bench, wrk, locust")
    ex.add_argument("--out", type=Path, default=store.DEFAULT_ROOT)
    rep = sub.add_parser("report", help="print a run's tables and verdicts and write its figures")
    rep.add_argument("run_dir", type=Path, nargs="?", help="a run folder")
    rep.add_argument("--latest", action="store_true", help="report the newest run under --out")
    rep.add_argument("--out", type=Path, default=store.DEFAULT_ROOT, help="where --latest looks")
    rep.add_argument("--no-figures", action="store_true", help="text only")
    return p


def main(argv: list[str] | None = None) -> int:
    """The command line; SIGTERM and SIGHUP stop it as Ctrl-C does, servers and all."""
    launch.interrupt_on(signal.SIGTERM, signal.SIGHUP)
    return _main(argv)


def _main(argv: list[str] | None) -> int:
    args = parser().parse_args(argv)
    if args.command == "run":
        preset = presets.get(args.preset)
        try:
            run = trials.run_preset(
                preset,
                out=args.out,
                seed=args.seed,
                progress=not args.no_progress,
                on_start=lambda r: print(f"run folder: {r.path}", flush=True),
            )
        except KeyboardInterrupt:
            print("\ninterrupted: the trials measured so far are kept", file=sys.stderr)
            return 130
        print(report.text(run))
        print(f"\nraw trials: {run.trials_path}\nreport again: python -m bench report {run.path}")
        return 0

    if args.command == "load":
        try:
            run = loadrun.run(loadrun.LOAD_PRESETS[args.preset], args.out, progress=not args.no_progress)
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            return 130
        print(loadrun.text(run))
        figures = [str(p) for p in sorted(run.path.glob("*.png"))]
        print(f"\nfigures: {', '.join(figures) or 'none'}")
        return 0

    if args.command == "external":
        return _external(args)

    if args.run_dir is None and not args.latest:
        parser().error("report needs a RUN_DIR or --latest")
    try:
        run = store.latest(args.out) if args.run_dir is None else store.Run(args.run_dir)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not run.trials_path.exists() and not run.meta_path.exists():
        print(f"error: {run.path} is not a run folder (no trials.csv or meta.json)", file=sys.stderr)
        return 2
    try:
        text = report.text(run)
    except store.RunDataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(text)
    if not args.no_figures:
        paths = plots.write_all(run)
        for path in paths:
            print(f"figure: {path}")
        if not paths:
            print("no figures: the run has no successful measured trial")
    return 0


def _external(args: argparse.Namespace) -> int:
    """Run the chosen load generators, one after another, and print one table."""
    import pandas as pd

    from . import external

    tools = {t.strip() for t in args.tools.split(",") if t.strip()}
    unknown = tools - {"bench", "wrk", "locust"}
    if unknown:
        print(f"error: unknown tool(s) {', '.join(sorted(unknown))}; choose from bench, wrk, locust", file=sys.stderr)
        return 2
    run = store.Run.create(args.out, "external")
    frames = []
    if tools & {"bench", "wrk"}:
        table = external.crosscheck(args.framework, args.clients, args.duration, args.heavy)
        frames.append(table[table["tool"].isin(tools)])
    if "locust" in tools:
        heavy = dict(kv.split("=", 1) for kv in args.heavy.split("&") if "=" in kv)
        frames.append(
            external.locust_against(args.framework, args.clients, args.duration, run.path / "locust", heavy=heavy)
        )
    table = pd.concat(frames, ignore_index=True)
    table.to_csv(run.path / "external.csv", index=False)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    print(f"\nsaved: {run.path / 'external.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
