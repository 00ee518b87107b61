"""``python -m bench``'s main, in this process (what ``python -m bench`` calls, without a second
interpreter's imports): clear errors, and every command's help."""

import re
import signal
from dataclasses import dataclass

import pytest

from bench.frontends.cli import main
from servers import launch


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


def test_load_url_refuses_a_host_that_is_not_this_machine_before_anything(tmp_path, capsys):
    r = bench(capsys, "load", "--url", "http://example.com/", "--out", str(tmp_path))
    assert r.returncode == 2 and r.stdout == "" and not list(tmp_path.iterdir())
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("error: http://example.com/ is not on this machine") and "--allow-remote" in line


@pytest.mark.parametrize(
    "args, said",
    [
        (
            ["--url", "http://127.0.0.1:9/", "--preset", "smoke"],
            "error: --url loads a URL, --preset a preset's servers",
        ),
        (["--probe", "http://127.0.0.1:9/ping", "--clients", "2"], "error: --probe, --clients: only with --url"),
        (["--url", "http://127.0.0.1:9/", "--duration", "0"], "error: duration must be more than 0"),
        (
            ["--url", "http://127.0.0.1:9/fanout"],
            "error: http://127.0.0.1:9/fanout did not answer: ConnectionRefusedError",
        ),
    ],
)
def test_load_url_says_in_one_line_what_it_cannot_do(args, said, tmp_path, capsys):
    r = bench(capsys, "load", *args, "--out", str(tmp_path))
    assert r.returncode == 2 and r.stderr.strip() == r.stderr.strip().splitlines()[0] and said in r.stderr, r.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_load_url_loads_an_app_of_one_s_own_and_its_report_is_printed_again(tmp_path, capsys):
    with launch.serve(app="examples.yourapp.flask_app:app") as s:
        url = s.url
        r = bench(
            capsys, "load", "--url", url + "/fanout", "--probe", url + "/ping", "--clients", "1,2",
            "--duration", "0.3", "--out", str(tmp_path), "--no-progress",
        )  # fmt: skip
    assert r.returncode == 0, r.stderr
    (folder,) = tmp_path.iterdir()
    assert folder.name.split("-", 1)[1].startswith("load-url-")
    assert f"Closed loop on {url}/fanout, 0.3 s at each client count" in r.stdout
    assert re.search(rf"^- {re.escape(url)}/ping while 2 client\(s\) load ", r.stdout, re.M), r.stdout
    assert {"requests.csv", "summary.csv", "meta.json"} <= {p.name for p in folder.iterdir()}
    again = bench(capsys, "report", str(folder))
    assert again.returncode == 0 and again.stdout.strip() in r.stdout
