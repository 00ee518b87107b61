"""``python -m bench``: run a preset, or report a run.

python -m bench run --preset quick          # measure; a new folder under data/runs/
python -m bench report data/runs/<run-id>   # tables, verdicts, figures
python -m bench report --latest             # the newest run under --out
python -m bench load --preset quick         # many clients: blocking probe and concurrency sweep
python -m bench load --url URL --probe URL  # any endpoint of yours: closed loops, and the probe on a light URL
python -m bench external                    # bench's load beside wrk's and Locust's
python -m bench agree RUN RUN [RUN ...]     # do separate runs land where each other's predictions say?
python -m bench compare BASE NEW            # the new run's times over the base run's, per configuration
python -m bench components RUN [RUN ...]    # each level's variance component (trials, instances, runs)
python -m bench advise MODULE:FUNCTION      # how its calls fan out here: predicted, then measured
python -m bench docs --check                # README.md and docs/ against the committed runs
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.analysis import agreement, cited_figures, comparison
from bench.analysis.figure import TIMED
from bench.frontends import advisor, docs, load_runner, preset_runner
from bench.instrument import lifecycle, presets, store
from bench.instrument.load import external, load_presets, url_load
from bench.presentation import compare_report, drawings, load_report, report
from servers import harness


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
        help="; ".join(f"{k}: {v.description}" for k, v in presets.PRESETS.items()).replace("%", "%%"),
    )
    r.add_argument(
        "--out",
        type=Path,
        default=store.DEFAULT_ROOT,
        help="folder in which the run creates its own new folder (default data/runs)",
    )
    r.add_argument("--seed", type=int, default=None, help="shuffle seed (default: random, recorded)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    ld = sub.add_parser(
        "load", help="the blocking probe and the concurrency sweep, or any URL's load (--url), into a new run folder"
    )
    ld.add_argument(
        "--preset",
        choices=list(load_presets.LOAD_PRESETS),
        help="(default quick) "
        + "; ".join(f"{k}: {v.description}" for k, v in load_presets.LOAD_PRESETS.items()).replace("%", "%%"),
    )
    ld.add_argument("--out", type=Path, default=store.DEFAULT_ROOT)
    ld.add_argument("--no-progress", action="store_true")
    load_runner.add_url_arguments(ld)
    ex = sub.add_parser("external", help="bench's closed loop beside wrk and Locust, on the same servers")
    ex.add_argument("--framework", choices=harness.FRAMEWORKS, default="fastapi")
    ex.add_argument("--clients", type=int, default=4, help="concurrent clients / connections / Locust users")
    ex.add_argument("--duration", type=int, default=10, help="seconds per tool and endpoint")
    ex.add_argument(
        "--heavy", default="workload=article&strategy=gather&n=2&size=500", help="query of the heavy /run request"
    )
    ex.add_argument(
        "--tools",
        default=",".join(external.DEFAULT_TOOLS),
        help=f"comma-separated, of: {', '.join(external.TOOLS)} (default: {','.join(external.DEFAULT_TOOLS)})",
    )
    ex.add_argument("--out", type=Path, default=store.DEFAULT_ROOT)
    rep = sub.add_parser("report", help="print a run's tables and verdicts and write its figures")
    rep.add_argument("run_dir", type=Path, nargs="?", help="a run folder")
    rep.add_argument("--latest", action="store_true", help="report the newest run under --out")
    rep.add_argument("--out", type=Path, default=store.DEFAULT_ROOT, help="where --latest looks")
    rep.add_argument("--no-figures", action="store_true", help="text only")
    rep.add_argument(
        "--json", action="store_true", help="one JSON object: every figure the article cites, nothing else"
    )
    ag = sub.add_parser(
        "agree",
        help="separate runs side by side: for every figure they all cite, do their intervals cover each other's?",
    )
    ag.add_argument("runs", type=Path, nargs="+", metavar="RUN", help="two or more run folders")
    ag.add_argument(
        "--figures",
        action="append",
        default=[],
        metavar="GLOB",
        help="judge only the figures whose id matches (repeatable; e.g. 'headline.*')",
    )
    ag.add_argument(
        "--share",
        type=float,
        default=agreement.PREDICTION_SHARE,
        help="share of the prediction checks that must hold, over every figure judged (default %(default)s)",
    )
    ag.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    cp = sub.add_parser(
        "compare", help="one run against another after a change: each configuration faster, slower or unresolved"
    )
    cp.add_argument("base", type=Path, metavar="BASE", help="the run before the change")
    cp.add_argument("new", type=Path, metavar="NEW", help="the run after it")
    cp.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    cp.add_argument(
        "--fail-if-slower",
        type=float,
        default=None,
        metavar="PCT",
        help="exit 1 when a configuration is resolved as slower by more than PCT percent (for CI)",
    )
    vc = sub.add_parser(
        "components",
        help="variance components of log time per level (trials, instances, and runs when several are named)",
    )
    vc.add_argument("runs", type=Path, nargs="+", metavar="RUN", help="run folders of one preset's n and size")
    vc.add_argument("--measure", choices=TIMED, default="isolated", help="which time (default %(default)s)")
    vc.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    _advise_parser(sub)
    d = sub.add_parser("docs", help="render README.md's and docs/'s measured numbers from data/reference/")
    d.add_argument("--check", action="store_true", help="write nothing; exit 1 naming each stale or unsourced line")
    d.add_argument("--root", type=Path, default=Path("."), help="the repository's root (default: here)")
    return p


def _advise_parser(sub: Any) -> None:
    a = sub.add_parser(
        "advise", help="a function's traits, each strategy's speed-up predicted from them, then measured; the advice"
    )
    a.add_argument("spec", nargs="?", metavar="MODULE:FUNCTION", help="the function (plain or async def)")
    a.add_argument("--args", default="", metavar="JSON", help="its arguments: a JSON list or object (default: none)")
    a.add_argument(
        "--n", type=int, default=None, help="how many calls (default: the usable cores; with --accuracy twice that)"
    )
    a.add_argument(
        "--python",
        default=None,
        metavar="PATH",
        help="measure threads under this Python too (default: .venv-ft/bin/python where make freethreaded made it)",
    )
    a.add_argument("--served", action="store_true", help="measure through Flask and FastAPI too, in process mode")
    a.add_argument("--trials", type=int, default=None, help="trials per row (default: what fits, at least 8)")
    a.add_argument("--seed", type=int, default=None, help="shuffle seed (default: random, recorded)")
    a.add_argument("--json", action="store_true", help="the whole record, versioned, as one JSON object")
    a.add_argument("--no-progress", action="store_true", help="no progress bars")
    a.add_argument(
        "--accuracy", action="store_true", help="the model's accuracy over built-in and example functions, into --out"
    )
    a.add_argument("--out", type=Path, default=advisor.ACCURACY_RECORD.parent, help="where --accuracy writes")
    a.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="with --accuracy: only the functions named so"
    )


#: The format of ``agree --json``'s record (1: the prediction rule, with its verdict).
AGREE_FORMAT = 1


def main(argv: list[str] | None = None) -> int:
    """The command line; SIGTERM and SIGHUP stop it as Ctrl-C does, servers and all."""
    harness.interrupt_on(signal.SIGTERM, signal.SIGHUP)
    args = parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = COMMANDS[args.command]
    try:
        return command(args)
    except KeyboardInterrupt:
        print("\ninterrupted: what was measured so far is kept in its run folder", file=sys.stderr)
        return 130


def _run_command(args: argparse.Namespace) -> int:
    """``run``: a preset's trials into a new run folder, then the report; 2 with the reason
    when the preset is refused before it starts (the gil preset without ``make freethreaded``)."""
    preset = presets.get(args.preset)
    try:
        run = preset_runner.run_preset(
            preset,
            out=args.out,
            seed=args.seed,
            progress=not args.no_progress,
            on_start=lambda r: print(f"run folder: {r.path}", flush=True),
        )
    except ValueError as e:  # refused before it started: no interpreter, no memory for its size
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(report.text(run))
    print(f"\nraw trials: {run.trials_path}\nreport again: python -m bench report {run.path}")
    return 0


def _load_command(args: argparse.Namespace) -> int:
    """``load``: a load preset into a new run folder, then its verdicts; with ``--url``, that
    URL's load (:func:`_url_command`)."""
    if args.url is not None:
        return _url_command(args)
    stray = load_runner.url_only(args)
    if stray:
        print(f"error: {', '.join(stray)}: only with --url", file=sys.stderr)
        return 2
    run = load_runner.run(load_presets.get(args.preset or "quick"), args.out, progress=not args.no_progress)
    print(load_report.text(run))
    figures = [str(p) for p in sorted(run.path.glob("*.png"))]
    print(f"\nfigures: {', '.join(figures) or 'none'}")
    return 0


def _url_command(args: argparse.Namespace) -> int:
    """``load --url``: the URL's closed loops (and the probe) into a new run folder, then its
    report; 2 with one line, before any folder is made, for a URL refused (not this machine
    without --allow-remote, not http://), options out of range, or a URL whose first request
    was not answered with a success."""
    if args.preset is not None:
        print("error: --url loads a URL, --preset a preset's servers: give one of them", file=sys.stderr)
        return 2
    try:
        load = load_runner.url_load_of(args)
        run = load_runner.run_url(load, args.out, progress=not args.no_progress)
    except (url_load.NoAnswer, url_load.Refused) as e:  # before any folder is made
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(load_report.text(run))
    print(f"\nrequests: {run.path / load_runner.REQUESTS}\nreport again: python -m bench report {run.path}")
    return 0


def _report_command(args: argparse.Namespace) -> int:
    """``report``: a run's tables and verdicts (a load run's too), and its figures."""
    if args.run_dir is None and not args.latest:
        parser().error("report needs a RUN_DIR or --latest")
    try:
        run = store.latest(args.out) if args.run_dir is None else store.Run(args.run_dir)
        kind = run.meta()["kind"]
        if kind == "load":
            print(load_report.text(run))
            return 0
        if kind != "trials":
            print(f"{run.path} is a {kind} run: its table is {run.path / 'external.csv'}")
            return 0
        if args.json:
            print(json.dumps(report.as_json(run), indent=2))
            return 0
        print(report.text(run))
    except (FileNotFoundError, store.RunDataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not args.no_figures:
        paths = drawings.write_all(run)
        for path in paths:
            print(f"figure: {path}")
        if not paths:
            print("no figures: the run has no successful measured trial")
    return 0


def _external_command(args: argparse.Namespace) -> int:
    """``external``: the chosen load generators, one after another on the same servers, in one table."""
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(tools) - set(external.TOOLS)
    if unknown:
        print(
            f"error: unknown tool(s) {', '.join(sorted(unknown))}; choose from {', '.join(external.TOOLS)}",
            file=sys.stderr,
        )
        return 2
    with lifecycle.recorded(args.out, "external", "external") as (run, _):
        table = external.side_by_side(
            args.framework,
            tools=tools,
            clients=args.clients,
            duration_s=args.duration,
            heavy_query=args.heavy,
            folder=run.path,
        )
        table.to_csv(run.path / "external.csv", index=False)
    print(
        table.to_string(index=False, float_format=lambda v: f"{v:.1f}", formatters={"client_cpu_ms": "{:.3f}".format})
    )
    print(f"\nsaved: {run.path / 'external.csv'}")
    return 0


def _agree_command(args: argparse.Namespace) -> int:
    """``agree``: exit 0 when the runs agree over the figures they all cite (every pair of
    intervals overlaps, and enough estimates lie inside the others' predictions), 1 when they
    do not (the figures named), 2 when the runs cannot be compared or no figure judged."""
    if len(args.runs) < 2:
        parser().error("agree needs at least two run folders")
    if not 0 < args.share <= 1:
        parser().error(f"--share must be in (0, 1], got {args.share}")
    try:
        runs = [store.Run(path) for path in args.runs]
        kinds = {run.id: run.meta()["kind"] for run in runs}
        others = [f"{r} ({k})" for r, k in kinds.items() if k != "trials"]
        if others:
            print(f"error: not runs of trials: {', '.join(others)}", file=sys.stderr)
            return 2
        cited = {run.id: cited_figures.cited(run) for run in runs}
    except (FileNotFoundError, store.RunDataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if len(cited) < len(runs):
        print("error: the same run folder was named twice", file=sys.stderr)
        return 2
    found = agreement.agree(cited, patterns=args.figures)
    if not found:
        print(
            "error: the runs cite no figure in common" + (" that matches --figures" if args.figures else ""),
            file=sys.stderr,
        )
        return 2
    v = agreement.verdict(found, share=args.share)
    busy = report.busy_runs(runs)
    if args.json:
        record = {
            "format": AGREE_FORMAT,
            "runs": list(cited),
            "share": args.share,
            "busy": busy,
            "verdict": v.to_json(),
            "figures": [a.to_json() for a in found],
        }
        print(json.dumps(record, indent=2))
    else:
        print(report.agreement_text(found, list(cited), busy))
    if v.agrees is None:
        print("error: no figure all the runs cite has the trials for an interval", file=sys.stderr)
        return 2
    return 0 if v.agrees else 1


def _compare_command(args: argparse.Namespace) -> int:
    """``compare``: per configuration both runs measured, the new run's median time over the
    base run's, with an interval that includes the run level; 1 with ``--fail-if-slower`` when
    a resolved slowdown exceeds it (each named), 2 when the runs cannot be compared."""
    if args.fail_if_slower is not None and args.fail_if_slower < 0:
        parser().error(f"--fail-if-slower must be 0 or more, got {args.fail_if_slower}")
    try:
        base, new = store.Run(args.base), store.Run(args.new)
        for run in (base, new):
            if run.meta()["kind"] != "trials":
                print(f"error: {run.path} is not a run of trials", file=sys.stderr)
                return 2
        presets_ = {str(r.meta().get("preset", {}).get("name", "")) for r in (base, new)}
        level = cited_figures.median_level(presets_.pop()) if len(presets_) == 1 else {}
        factors, found = comparison.compare(base.trials(), new.trials(), level)
        figures = comparison.side_by_side(cited_figures.cited(base), cited_figures.cited(new))
    except (FileNotFoundError, store.RunDataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not found:
        print("error: the runs measured no configuration in common", file=sys.stderr)
        return 2
    busy = report.busy_runs([base, new])
    slower = comparison.slower_than(found, args.fail_if_slower) if args.fail_if_slower is not None else []
    if args.json:
        record = {
            "format": comparison.FORMAT,
            "base": base.id,
            "new": new.id,
            "machine_factor": {m: (f if math.isfinite(f) else None) for m, f in factors.items()},
            "run_level": {m: {"spread": s.spread, "runs": s.runs} for m, s in level.items()},
            "busy": busy,
            "configs": [c.to_json() for c in found],
            "figures": [f.to_json() for f in figures],
            "slower_than_allowed": [c.config + " " + c.measure for c in slower],
        }
        print(json.dumps(record, indent=2))
    else:
        print(compare_report.text(found, figures, base=base.id, new=new.id, factors=factors, level=level, busy=busy))
    if slower:
        named = "; ".join(f"{c.config} ({c.measure}): {c.words()}" for c in slower)
        print(f"slower than {args.fail_if_slower:g}% allows: {named}", file=sys.stderr)
        return 1
    return 0


def _components_command(args: argparse.Namespace) -> int:
    """``components``: each level's variance component of the runs' sides (:mod:`bench.analysis.variance`);
    2 when the runs cannot be read or do not share one n and size."""
    try:
        runs = [store.Run(path) for path in args.runs]
        found = report.components_of(runs, args.measure)
    except (FileNotFoundError, ValueError) as e:  # store.RunDataError is a ValueError
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not found:
        print("error: the runs have no trials of the variance preset's servers", file=sys.stderr)
        return 2
    over = "runs" if len(runs) >= 2 else "instances"
    if args.json:
        print(json.dumps({"runs": [r.id for r in runs], "over": over, "components": [s.to_json() for s in found]}))
    else:
        print("\n".join(report.components_table(found, over=over)))
    return 0


def _docs_command(args: argparse.Namespace) -> int:
    """``docs``: render the documents' regions from the committed runs, or ``--check`` them."""
    try:
        if args.check:
            problems = docs.check(args.root)
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                print(f"{len(problems)} problem(s); python -m bench docs renders the regions again", file=sys.stderr)
                return 1
            print(f"docs are current: {', '.join(str(p) for p in docs.documents(args.root))}")
            return 0
        changed = docs.write(args.root)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("rendered: " + (", ".join(str(p) for p in changed) or "nothing changed"))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _run_command,
    "load": _load_command,
    "report": _report_command,
    "external": _external_command,
    "agree": _agree_command,
    "compare": _compare_command,
    "components": _components_command,
    "advise": advisor.command,
    "docs": _docs_command,
}
