"""One server-options model: validated once, rendered as the command line and parsed back."""

from __future__ import annotations

import shlex
from dataclasses import replace

import pytest

from servers import frameworks, hosting
from servers.options import VARIANTS, ServerOptions, from_argv

VALID = [
    ServerOptions("flask"),
    ServerOptions("fastapi", "process", port=0, size=2000),
    ServerOptions("flask", "process", debug=True, port=5501),
    ServerOptions("flask", "process", threaded=False, pool_workers=3, quiet=True),
    ServerOptions("flask", "process", server="gunicorn-gthread", workers=2, threads=4, host="::1"),
    ServerOptions("flask", "process", server="gunicorn-sync", workers=2),
    ServerOptions("fastapi", "process", workers=2),
    ServerOptions("fastapi", "process", server="gunicorn-uvicorn", workers=2),
    ServerOptions("fastapi", "process", settle=True),
    ServerOptions("flask", "process", server="granian", workers=2, threads=8),
    ServerOptions("fastapi", "process", server="granian", workers=2),
    ServerOptions("quart", "process", server="gunicorn-asgi"),
    ServerOptions("litestar", "process", sync_on_loop=True, server="granian"),
    ServerOptions("fastapi", "process", env=(("MALLOC_ARENA_MAX", "2"), ("OMP_NUM_THREADS", "1"))),
    *(
        ServerOptions.build(f, "process", variant=v, size=700)
        for f in frameworks.FRAMEWORKS
        for v in VARIANTS
        if v in ("", "arena1")
        or (v, f) in (("debug", "flask"), ("one-thread", "flask"), ("settle", "fastapi"), ("sync-on-loop", "litestar"))
    ),
]


@pytest.mark.parametrize("options", VALID, ids=lambda o: o.command())
def test_the_command_line_parses_back_to_the_same_options(options):
    assert from_argv(options.to_argv()) == replace(options, mode="process")
    assert from_argv(shlex.split(options.command())[3:]) == replace(options, mode="process")


def test_the_command_line_says_only_what_differs_from_the_defaults():
    assert ServerOptions("flask").command() == "python -m servers flask"
    assert ServerOptions("flask", "process", debug=True).command() == "python -m servers flask --debug"
    assert ServerOptions.build("flask", "process", variant="one-thread").to_argv() == [
        "flask",
        "--variant",
        "one-thread",
    ]
    assert ServerOptions("fastapi", "process", env=(("B", "2"), ("A", "1"))).to_argv() == [
        "fastapi",
        "--env",
        "A=1",
        "--env",
        "B=2",
    ]


def test_a_variant_is_a_set_of_option_overrides():
    assert ServerOptions.build("flask", "process", variant="debug").debug
    assert not ServerOptions.build("flask", "process", variant="one-thread").threaded
    assert ServerOptions.build("fastapi", "process", variant="arena1").env == (("MALLOC_ARENA_MAX", "1"),)
    with pytest.raises(ValueError, match="variant 'debug' means debug=True"):
        ServerOptions.build("flask", "process", variant="debug", debug=False)
    with pytest.raises(ValueError, match="unknown variant 'fast'"):
        ServerOptions.build("flask", "process", variant="fast")


@pytest.mark.parametrize(
    "given, reason",
    [
        ({"framework": "django"}, "unknown framework 'django'"),
        ({"framework": "flask", "mode": "fork"}, "unknown mode 'fork'"),
        (
            {"framework": "flask", "server": "uvicorn"},
            "flask runs on werkzeug, gunicorn-sync, gunicorn-gthread, granian",
        ),
        ({"framework": "flask", "server": "nginx"}, "unknown server 'nginx'"),
        ({"framework": "fastapi", "mode": "process", "threads": 4}, "threads apply to WSGI apps only; fastapi is ASGI"),
        ({"framework": "quart", "mode": "process", "server": "granian", "threads": 2}, "WSGI apps only; quart is"),
        ({"framework": "flask", "mode": "process", "threads": 2}, "flask on gunicorn-gthread, granian only"),
        (
            {"framework": "quart", "server": "werkzeug"},
            "quart runs on uvicorn, gunicorn-uvicorn, gunicorn-asgi, granian",
        ),
        ({"framework": "fastapi", "sync_on_loop": True}, "sync_on_loop is only for litestar, not fastapi"),
        ({"framework": "litestar", "settle": True}, "settle is only for fastapi, not litestar"),
        ({"framework": "flask", "mode": "process", "workers": 2}, "werkzeug serves from one process"),
        ({"framework": "flask", "server": "gunicorn-sync"}, "runs in its own process: mode='process'"),
        ({"framework": "fastapi", "workers": 2}, "runs in its own process: mode='process'"),
        ({"framework": "fastapi", "mode": "process", "debug": True}, "only for flask"),
        ({"framework": "flask", "debug": True}, "debug reloader needs its own process"),
        ({"framework": "flask", "mode": "process", "debug": True, "host": "0.0.0.0"}, "loopback hosts only"),
        ({"framework": "fastapi", "threaded": False}, "only for flask"),
        ({"framework": "flask", "settle": True}, "only for fastapi"),
        ({"framework": "fastapi", "mode": "process", "settle": True, "workers": 2}, "single-process uvicorn"),
        ({"framework": "flask", "env": (("MALLOC_ARENA_MAX", "1"),)}, "use mode='process'"),
        ({"framework": "flask", "size": 0}, "size must be between 1 and 50000, got 0"),
        ({"framework": "flask", "port": 70000}, "port must be between 0 and 65535"),
        ({"framework": "flask", "pool_workers": 0}, "pool_workers must be between 1 and"),
        ({"framework": "flask", "host": ""}, "host must not be empty"),
    ],
)
def test_combinations_that_do_not_exist_are_refused_saying_why(given, reason):
    with pytest.raises(ValueError, match=reason):
        ServerOptions(**given)


def test_every_framework_has_its_own_server_and_port_by_default():
    for f in frameworks.REGISTRY.values():
        o = ServerOptions(f.name)
        assert o.server == f.default_server and o.listen_port == f.default_port
        assert f.interface in hosting.get(o.server).hosts and not o.runs_alone
        assert f.name in hosting.get(o.server).frameworks and o.server in hosting.hosting(f.name)
    assert ServerOptions("fastapi", "process", workers=2).runs_alone


def test_the_options_record_is_json_ready():
    record = ServerOptions("fastapi", "process", env=(("A", "1"),), port=0).to_dict()
    assert record["env"] == {"A": "1"} and record["server"] == "uvicorn" and record["port"] == 0


def test_from_argv_refuses_what_the_options_refuse():
    with pytest.raises(ValueError, match="only for fastapi"):
        from_argv(["flask", "--settle"])
    with pytest.raises(ValueError, match="not KEY=VALUE"):
        from_argv(["flask", "--env", "novalue"])
