"""``python -m servers``, in a process of its own: what it refuses, and its help."""

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
