import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=60)


def test_servers_cli_refuses_debug_for_fastapi_and_off_loopback():
    r = run("-m", "servers", "fastapi", "--debug")
    assert r.returncode == 2 and "only for flask" in r.stderr
    r = run("-m", "servers", "flask", "--debug", "--host", "0.0.0.0")
    assert r.returncode == 2 and "loopback" in r.stderr


def test_servers_cli_help_names_the_articles_ports():
    r = run("-m", "servers", "--help")
    assert r.returncode == 0 and "5500" in r.stdout and "8000" in r.stdout


def test_bench_report_of_a_missing_run_is_a_clear_error(tmp_path):
    r = run("-m", "bench", "report", "--latest", "--out", str(tmp_path))
    assert r.returncode == 2 and "no complete runs under" in r.stderr
    r = run("-m", "bench", "report", str(tmp_path))
    assert r.returncode == 2 and "not a run folder" in r.stderr


def test_bench_run_rejects_an_unknown_preset():
    r = run("-m", "bench", "run", "--preset", "huge")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_every_bench_command_prints_its_help_with_every_preset():
    """Preset descriptions say percentages ("within 10%"), which argparse would read as formats."""
    from bench import presets
    from bench.load import presets as load_presets

    for command, names in (
        ("run", presets.PRESETS),
        ("load", load_presets.LOAD_PRESETS),
        ("report", {}),
        ("external", {}),
    ):
        r = run("-m", "bench", command, "--help")
        assert r.returncode == 0, r.stderr[-500:]
        assert all(name in r.stdout for name in names)
