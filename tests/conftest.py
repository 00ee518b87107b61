"""Shared fixtures: small servers in thread mode, and a guard that tests leave no thread."""

from __future__ import annotations

import threading
import time
from typing import Iterator

import pytest

from servers import launch

SMALL = 200  # array side small enough for milliseconds per task

ARTICLE_ROUTES = {"flask": ("/api/multiply", {"message": "Hello"}),
                  "fastapi": ("/api-fast/multiply", {"message": "HELLO"})}


def live_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive()}


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout`` (a bounded wait for a condition)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def assert_no_new_threads(before: set[threading.Thread]) -> None:
    assert wait_for(lambda: live_threads() <= before, timeout=5), (
        f"threads left behind: {[t.name for t in live_threads() - before]}")


@pytest.fixture(autouse=True)
def no_leftover_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test must leave the threads it found, and no more. Tests on the shared
    ``server`` are checked when that server stops: its pools are its own until then."""
    before = live_threads()
    yield
    if "server" not in request.fixturenames:
        assert_no_new_threads(before)


@pytest.fixture(scope="module", params=launch.FRAMEWORKS)
def server(request: pytest.FixtureRequest) -> Iterator[launch.Server]:
    """Each framework's app in thread mode, shared by one module's tests; once it stops,
    no thread it started may be left."""
    before = live_threads()
    with launch.serve(request.param, "thread", size=SMALL) as s:
        yield s
    assert_no_new_threads(before)
