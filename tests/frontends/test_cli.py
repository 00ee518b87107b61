"""``python -m bench``'s main, in this process (what ``python -m bench`` calls, without a second
interpreter's imports): clear errors, and every command's help."""

import signal
from dataclasses import dataclass

import pytest

from bench.frontends.cli import main


@dataclass
class Said:
    returncode: int
    stdout: str
    stderr: str


def bench(capsys: pytest.CaptureFixture[str], *args: str) -> Said:
    """``python -m bench ARGS``: its exit status and what it printed. Its SIGTERM and SIGHUP
    handlers (main installs them) are this process's again afterwards."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)
    out, err = capsys.readouterr()
    return Said(code, out, err)


def test_bench_report_of_a_missing_run_is_a_clear_error(tmp_path, capsys):
    r = bench(capsys, "report", "--latest", "--out", str(tmp_path))
    assert r.returncode == 2 and "no complete runs under" in r.stderr
    r = bench(capsys, "report", str(tmp_path))
    assert r.returncode == 2 and "not a run folder" in r.stderr


def test_bench_run_rejects_an_unknown_preset(capsys):
    r = bench(capsys, "run", "--preset", "huge")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_every_bench_command_prints_its_help_with_every_preset(capsys):
    """Preset descriptions say percentages ("within 10%"), which argparse would read as formats."""
    from bench.instrument import presets
    from bench.instrument.load import load_presets

    for command, names in (
        ("run", presets.PRESETS),
        ("load", load_presets.LOAD_PRESETS),
        ("report", {}),
        ("external", {}),
    ):
        r = bench(capsys, command, "--help")
        assert r.returncode == 0, r.stderr[-500:]
        assert all(name in r.stdout for name in names)
