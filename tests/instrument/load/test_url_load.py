"""Any URL under load (``bench load --url``): only this machine unless allowed, numbers in
range, a first answer before anything is kept, then the closed loops at each client count and
the blocking probe on a light URL, all of it bounded."""

from __future__ import annotations

import math
import time

import pandas as pd
import pytest

from bench.instrument.load import blocking, url_load
from bench.instrument.load.url_load import NoAnswer, Refused, RemoteRefused, UrlLoad
from servers import launch


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/fanout",
        "http://127.3.2.1/",
        "http://localhost:8000/x?n=4",
        "http://LOCALHOST/",
        "http://[::1]:8000/ping",
    ],
)
def test_loopback_urls_are_loaded(url):
    assert url_load.check_url(url, allow_remote=False) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/",
        "http://10.0.0.1:8000/",
        "http://0.0.0.0:8000/",
        "http://[::2]/",
        "http://127.0.0.1.nip.io/",
    ],
)
def test_other_hosts_are_refused_unless_allowed(url):
    with pytest.raises(RemoteRefused, match="is not on this machine .* --allow-remote"):
        url_load.check_url(url, allow_remote=False)
    assert url_load.check_url(url, allow_remote=True) == url
    with pytest.raises(RemoteRefused):
        UrlLoad("http://127.0.0.1/", probe=url)  # the probe's URL too


@pytest.mark.parametrize(
    "given, said",
    [
        ({"url": "https://127.0.0.1/"}, "is not an http:// URL with a host"),
        ({"url": "127.0.0.1:8000/fanout"}, "is not an http:// URL with a host"),
        ({"url": "http://127.0.0.1:99999/"}, "has no valid port"),
        ({"url": "http://127.0.0.1/", "clients": ()}, "client counts must be between 1 and 256"),
        ({"url": "http://127.0.0.1/", "clients": (1, 0)}, "client counts must be between 1 and 256, got \\[1, 0\\]"),
        ({"url": "http://127.0.0.1/", "duration_s": 0}, "duration must be more than 0 and at most 600 s, got 0"),
        ({"url": "http://127.0.0.1/", "duration_s": math.nan}, "duration must be"),
        ({"url": "http://127.0.0.1/", "timeout_s": 601}, "timeout must be more than 0 and at most 600 s"),
    ],
)
def test_what_cannot_be_loaded_is_refused_in_one_line(given, said):
    with pytest.raises(Refused, match=said):
        UrlLoad(**given)


def test_the_probe_pings_alone_long_enough_for_an_interval_while_the_most_clients_load():
    load = UrlLoad("http://127.0.0.1/", probe="http://127.0.0.1/ping", clients=(1, 8, 2), duration_s=0.4)
    assert load.probe_clients == 8 and load.baseline_s * url_load.PING_RATE >= 8
    assert UrlLoad("http://127.0.0.1/", duration_s=20).baseline_s == 5
    assert load.to_dict()["clients"] == [1, 8, 2] and load.to_dict()["ping_rate"] == url_load.PING_RATE


@pytest.fixture(scope="module")
def app_server():
    with launch.serve(app="examples.yourapp.fastapi_app:app") as s:
        yield s


def test_a_url_that_does_not_answer_with_a_success_is_refused_before_any_load(app_server):
    url_load.check_answers(UrlLoad(app_server.url + "/fanout", probe=app_server.url + "/ping"))
    with pytest.raises(NoAnswer, match=r"/nowhere answered 404: .*Not Found"):
        url_load.check_answers(UrlLoad(app_server.url + "/nowhere"))
    with pytest.raises(NoAnswer, match=r"/ping did not answer: ConnectionRefusedError"):
        url_load.check_answers(UrlLoad(app_server.url + "/fanout", probe="http://127.0.0.1:9/ping"))


def test_closed_loops_at_each_client_count_stop_by_themselves_and_are_kept(app_server):
    kept: list[pd.DataFrame] = []
    start = time.monotonic()
    df = url_load.closed_loops(
        UrlLoad(app_server.url + "/fanout?n=2", clients=(1, 3), duration_s=0.3), keep=kept.append
    )
    assert time.monotonic() - start < 2 * 0.3 + 1.0
    assert [len(k) for k in kept] == [len(df[df["clients"] == c]) for c in (1, 3)]
    assert set(df["url"]) == {app_server.url + "/fanout?n=2"} and (df["status"] == 200).all()
    assert set(df[df["clients"] == 3]["client"]) == {0, 1, 2}
    summary = url_load.summarize(df)
    assert list(summary["clients"]) == [1, 3] and list(summary["requests"]) == [len(k) for k in kept]
    assert (summary["errors"] == 0).all() and (summary["p50_ms"] > 0).all()


def test_the_probe_pings_its_light_url_alone_then_under_the_load(app_server):
    load = UrlLoad(app_server.url + "/fanout", probe=app_server.url + "/ping", clients=(2,), duration_s=0.6)
    df = url_load.probe(load)
    assert set(df["phase"]) == {"warmup", "baseline", "ping", "heavy"} and (df["status"] == 200).all()
    assert set(df["config"]) == {f"{app_server.url}/ping while 2 client(s) load {app_server.url}/fanout"}
    (line,) = blocking.verdicts(blocking.summarize(df), light="the probe's")
    assert " the probe's p99 " in line and " pings) during heavy requests of median " in line
    with pytest.raises(ValueError, match="no probe URL"):
        url_load.probe(UrlLoad(app_server.url + "/fanout"))


def test_an_ipv6_loopback_url_is_loaded_with_its_host_in_brackets():
    try:
        server = launch.serve("fastapi", host="::1", size=100).start()
    except launch.ServerStartError as e:
        pytest.skip(f"no IPv6 loopback here: {e}")
    try:
        df = url_load.closed_loops(UrlLoad(server.url + "/ping", clients=(1,), duration_s=0.2))
        assert len(df) > 0 and (df["status"] == 200).all()
    finally:
        server.stop()
