"""Generated bad input: every answer is a 2xx, or a 4xx with the JSON error body; never a
500, a hang or a crash; memory stays bounded because the guards refuse before allocating.

Hypothesis generates the queries for every framework's app (wrong types, huge and negative numbers,
unknown workloads, strategies and parameters); Schemathesis also generates them from
FastAPI's own OpenAPI schema, valid and invalid. The servers run in this process, over
real HTTP on loopback, with the work-time limit lowered so that valid requests stay short
and the memory guard's "available" memory lowered so that it refuses early.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import psutil
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from bench.instrument.process_probe import ProcessProbe
from servers import launch, memory, strategies, workloads, worktime
from servers.fastapi_app import create_app as fastapi_app
from tests.conftest import ARTICLE_ROUTES, SMALL, assert_no_new_threads, live_threads

#: Generated requests to every route of each framework: slow.
pytestmark = pytest.mark.slow

#: Generated requests per route and framework (and from FastAPI's schema): the full count
#: (``make test-deep``), and make test's, enough for every kind of bad value the strategies
#: below draw (wrong types, out of range, unknown names, odd text) to reach every route.
DEEP_EXAMPLES = 500
EXAMPLES = 50
#: The routes each framework's app gets EXAMPLES generated queries on; ARTICLE stands for
#: the framework's article route.
ARTICLE = "the article's route"
ROUTES = ("/run", "/run/sync", "/run/async", "/ping", ARTICLE, "/nowhere")
#: Longest estimated work a generated request may start (the guard refuses the rest): make
#: test's requests run small work only (most of the fuzz tests' time was valid requests doing
#: it), make test-deep's up to a fifth of a second.
WORK_LIMIT_S = 0.05
DEEP_WORK_LIMIT_S = 0.2
#: What the memory guard is told is available: it must refuse whatever would not fit.
AVAILABLE = 512 * 2**20
#: Growth of this process's peak memory that would mean a guard let something through.
PEAK_GROWTH_LIMIT = 1024 * 2**20

NAMES = ("workload", "strategy", "n", "size", "blas_threads")
ODD = ("", " ", "1e3", "0x10", "nan", "inf", "-0", "+5", " 7 ", "1_000", "٣", "\x00", "9" * 400, "true", "null")
values = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.integers(-3, 80).map(str),
    st.sampled_from((*workloads.WORKLOADS, *strategies.STRATEGIES, *ODD)),
    st.text(max_size=30),
    st.floats().map(repr),
)
queries = st.one_of(
    st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(min_size=1, max_size=10)), values, max_size=6),
    st.fixed_dictionaries(
        {  # mostly valid: these run, unless a guard refuses them
            "workload": st.sampled_from(tuple(workloads.WORKLOADS)),
            "strategy": st.sampled_from(tuple(strategies.STRATEGIES)),
            "n": st.integers(1, 8).map(str),
            "size": st.integers(1, 5000).map(str),
        }
    ),
)


def check_answer(r: requests.Response) -> None:
    """2xx with a JSON object, or 4xx with the one JSON error body; nothing else."""
    assert 200 <= r.status_code < 300 or 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    body = r.json()
    assert isinstance(body, dict)
    if r.status_code >= 400:
        err = body["error"]
        assert err["status"] == r.status_code and isinstance(err["code"], str) and err["message"]


@pytest.fixture
def guarded(monkeypatch, deep: bool) -> Iterator[None]:
    monkeypatch.setenv(worktime.ENV_LIMIT, str(DEEP_WORK_LIMIT_S if deep else WORK_LIMIT_S))
    monkeypatch.setattr(memory, "available_bytes", lambda: AVAILABLE)
    yield


def examples(deep: bool) -> int:
    return DEEP_EXAMPLES if deep else EXAMPLES


def fuzz_settings(count: int) -> Any:
    return settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.mark.parametrize("route", ROUTES)
def test_generated_queries_get_a_2xx_or_a_json_4xx(server, guarded, route, deep):
    # A framework without the article's route answers the article's Flask route with a 404.
    path = ARTICLE_ROUTES.get(server.framework, ARTICLE_ROUTES["flask"])[0] if route == ARTICLE else route
    sent = {"n": 0, "ok": 0}

    @fuzz_settings(examples(deep))
    @given(query=queries)
    def one(query: dict[str, str]) -> None:
        r = requests.get(server.url + path, params=query, timeout=30)  # a hang fails here
        sent["n"] += 1
        sent["ok"] += r.ok
        check_answer(r)

    rss_before = psutil.Process().memory_info().rss
    with ProcessProbe(os.getpid()) as probe:
        one()
    assert sent["n"] >= examples(deep)
    routed = route != "/nowhere" and (route != ARTICLE or server.framework in ARTICLE_ROUTES)
    assert (sent["ok"] > 0) == routed, sent  # some of them ran; none where there is no route
    growth = probe.usage.peak_rss_bytes - rss_before
    assert growth < PEAK_GROWTH_LIMIT, f"peak memory grew by {memory.format_bytes(growth)}"
    assert requests.get(server.url + "/ping", timeout=10).ok  # still serving


@pytest.fixture(scope="module")
def fastapi_server() -> Iterator[launch.Server]:
    before = live_threads()
    with launch.serve("fastapi", "thread", size=SMALL) as s:
        yield s
    assert_no_new_threads(before)


def test_fastapi_schema_generated_requests_get_a_2xx_or_a_json_4xx(fastapi_server, guarded, deep):
    schema = schemathesis.openapi.from_dict(fastapi_app(SMALL).openapi())
    results = list(schema.get_all_operations())
    assert all(isinstance(r, Ok) for r in results), [r for r in results if not isinstance(r, Ok)]
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert {op.path for op in operations} >= {"/run", "/run/sync", "/ping", "/api-fast/multiply"}
    cases = st.one_of(
        *(op.as_strategy(mode) for op in operations for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE))
    )
    sent = {"n": 0}

    @fuzz_settings(examples(deep))
    @given(case=cases)
    def one(case: Any) -> None:
        r = case.call(base_url=fastapi_server.url, timeout=30)
        sent["n"] += 1
        check_answer(r)

    one()
    assert sent["n"] >= examples(deep)
    assert requests.get(fastapi_server.url + "/ping", timeout=10).ok
