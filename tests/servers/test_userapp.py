"""Your own app (``python -m servers --app MODULE:ATTRIBUTE``): its kind told from how it is
called, every way a spec fails said in one line, the servers that host it, and the example
apps served in this process."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from examples.yourapp import fastapi_app, flask_app
from servers import launch, userapp
from servers.options import ServerOptions, from_argv
from tests import ROOT

FLASK = "examples.yourapp.flask_app:app"
FASTAPI = "examples.yourapp.fastapi_app:app"


def wsgi(environ, start_response):
    start_response("200 OK", [])
    return [b""]


async def asgi(scope, receive, send):
    pass


class Asgi:
    async def __call__(self, scope, receive, send):
        pass


@pytest.mark.parametrize(
    "obj, kind",
    [
        (flask_app.app, "wsgi"),
        (fastapi_app.app, "asgi"),
        (wsgi, "wsgi"),
        (asgi, "asgi"),
        (Asgi(), "asgi"),
        (Asgi, None),  # the class, not an app
        (flask_app.fanout, None),  # a view: no arguments
        (lambda x: x, None),
        (sys, None),
        ("app", None),
    ],
)
def test_an_app_s_kind_is_told_from_how_it_is_called(obj, kind):
    assert userapp.interface_of(obj) == kind


@pytest.fixture
def mine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current directory is a folder of one's own, with modules in it (a fresh name each
    test: a module is imported once per process); sys.path as it was, afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / f"raising_{tmp_path.name}.py").write_text("raise RuntimeError('no database here\\nsecond line')\n")
    (tmp_path / f"missing_{tmp_path.name}.py").write_text("import not_installed_anywhere\n")
    (tmp_path / f"plain_{tmp_path.name}.py").write_text(
        "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'hi']\n"
    )
    return tmp_path


@pytest.mark.parametrize(
    "spec, said",
    [
        (
            "nosuchmodule_anywhere:app",
            "no module named 'nosuchmodule_anywhere' (from 'nosuchmodule_anywhere:app'), neither in ",
        ),
        ("examples.yourapp.nope:app", "no module named 'examples.yourapp.nope'"),
        ("raising_{}:app", "importing 'raising_{}' failed: RuntimeError: no database here"),
        (
            "missing_{}:app",
            "importing 'missing_{}' failed: ModuleNotFoundError: No module named 'not_installed_anywhere'",
        ),
        (
            "examples.yourapp.flask_app:apq",
            "module 'examples.yourapp.flask_app' has no attribute 'apq'; apps there: app",
        ),
        ("examples.yourapp.work:nope", "has no attribute 'nope'; no WSGI or ASGI app there"),
        ("examples.yourapp.flask_app", "is not MODULE:ATTRIBUTE (for example: examples.yourapp.flask_app:app)"),
        ("examples.yourapp.flask_app:Flask", "is the class Flask (name an instance of it"),
        ("examples.yourapp.flask_app:fanout", "a function taking no argument (a factory? name the app it makes"),
        ("examples.yourapp.work:digest", "a function taking 1 argument(s), not an app: a WSGI app is called with"),
        ("examples.yourapp.work:DATA", "is a bytes object, not an app"),
        ("examples.yourapp:work", "is the module examples.yourapp.work, not an app"),
    ],
)
def test_a_spec_that_cannot_be_served_is_refused_in_one_line_saying_why(spec, said, mine):
    with pytest.raises(userapp.AppError) as e:
        userapp.find(spec.format(mine.name))
    assert said.format(mine.name) in str(e.value) and "\n" not in str(e.value)


def test_a_module_is_imported_from_the_current_directory_first(mine):
    found = userapp.find(f"plain_{mine.name}:app")
    assert (found.interface, found.kind, found.default_server) == ("wsgi", "function", "werkzeug")
    assert str(mine) in sys.path


def test_each_kind_gets_its_server_and_port_and_only_servers_that_host_it():
    flask, fastapi = ServerOptions("", app=FLASK), ServerOptions("", app=FASTAPI)
    assert (flask.server, flask.listen_port, flask.label) == ("werkzeug", 8000, FLASK)
    assert (fastapi.server, fastapi.listen_port) == ("uvicorn", 8000)
    assert ServerOptions("", "process", app=FASTAPI, server="granian", workers=2).runs_alone
    with pytest.raises(ValueError) as e:
        ServerOptions("", app=FLASK, server="uvicorn")
    assert str(e.value) == (
        f"{FLASK} runs on werkzeug, gunicorn-sync, gunicorn-gthread, granian, not 'uvicorn': it is a WSGI app, "
        "and uvicorn hosts ASGI apps only (it would need an adapter)"
    )
    with pytest.raises(ValueError, match="runs on uvicorn, gunicorn-uvicorn, gunicorn-asgi, granian, not 'werkzeug'"):
        ServerOptions("", app=FASTAPI, server="werkzeug")


@pytest.mark.parametrize(
    "given, said",
    [
        ({"framework": "flask", "app": FLASK}, "name a framework (flask, fastapi, quart, litestar) or your own app"),
        ({"framework": ""}, "or your own app with --app MODULE:ATTRIBUTE"),
        ({"framework": "", "app": FLASK, "size": 100}, "your app takes none of them"),
        ({"framework": "", "app": FLASK, "mode": "process", "workload": ("w=m:f",)}, "your app takes none of them"),
        ({"framework": "", "app": FASTAPI, "mode": "process", "threads": 2}, "threads apply to WSGI apps only"),
        ({"framework": "", "app": FASTAPI, "settle": True}, "settle is only for fastapi, not"),
        ({"framework": "", "app": FLASK, "mode": "process", "debug": True}, "only for flask"),
    ],
)
def test_options_that_do_not_apply_to_an_app_are_refused(given, said):
    with pytest.raises(ValueError, match=said.replace("(", r"\(").replace(")", r"\)")):
        ServerOptions(**given)


def test_an_app_s_options_are_its_command_line_and_back():
    options = ServerOptions("", "process", app=FLASK, server="gunicorn-gthread", workers=2, threads=4, port=0)
    assert options.to_argv() == [
        "--app",
        FLASK,
        "--server",
        "gunicorn-gthread",
        *"--port 0 --workers 2 --threads 4".split(),
    ]
    assert from_argv(options.to_argv()) == options
    assert options.command().startswith(f"python -m servers --app {FLASK} ")
    assert options.to_dict()["app"] == FLASK and options.to_dict()["framework"] == ""


@pytest.mark.parametrize("spec, kind", [(FLASK, "Flask"), (FASTAPI, "FastAPI")])
def test_the_example_apps_serve_in_this_process_and_stop(spec, kind):
    with launch.serve(app=spec) as s:
        assert s.pid == s.root_pid and s.answers()
        r = requests.get(s.url + "/fanout", params={"n": 3}, timeout=30)
        assert r.status_code == 200 and len(set(r.json()["digests"])) == 3
        assert requests.get(s.url + "/ping", timeout=10).json() == {"message": "pong"}
        assert userapp.find(spec).kind == kind
    assert not s.answers()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servers", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_the_command_line_refuses_a_bad_app_with_one_line_and_status_2():
    for args, said in (
        (["--app", "nosuchmodule_anywhere:app"], "no module named 'nosuchmodule_anywhere'"),
        (
            ["--app", FLASK, "--server", "gunicorn-uvicorn"],
            "runs on werkzeug, gunicorn-sync, gunicorn-gthread, granian",
        ),
    ):
        r = run(*args)
        assert r.returncode == 2 and r.stdout == "", r
        (line,) = r.stderr.strip().splitlines()
        assert line.startswith("python -m servers: error: ") and said in line, r.stderr


def test_an_app_with_the_same_options_is_the_same_server():
    a = ServerOptions("", app=FLASK)
    assert a == replace(a) and hash(a) == hash(replace(a)) and a != ServerOptions("flask")
