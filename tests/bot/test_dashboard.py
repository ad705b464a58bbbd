"""The dashboard over real HTTP (uvicorn) and a real Redis: pages, paging, live log, access."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis

from bot.app import create_app
from kiln.history import BuildHistory
from kiln.settings import Settings
from kiln.states import BuildState
from tests.bot.live_server import serve
from tests.bot.sse_client import read_events

DAY = 24 * 3600
BUILD_LINK = re.compile(r'href="/builds/([0-9a-f]{16})"')


@pytest.fixture
def history(redis_conn: redis.Redis) -> BuildHistory:
    return BuildHistory(redis_conn, DAY)


@pytest.fixture
def base_url(settings: Settings, redis_conn: redis.Redis) -> Iterator[str]:
    with serve(create_app(settings)) as url:
        yield url


def start(history: BuildHistory, number: int = 7, title: str = "Add a greeting") -> str:
    return history.start(repo="octo/app", number=number, kind="build", trigger="mona",
                         job_id=f"job-{number}", title=title)


def test_build_list_is_empty_at_first(base_url: str) -> None:
    response = httpx.get(f"{base_url}/builds/")
    assert response.status_code == 200
    assert "No builds yet" in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_build_list_shows_each_build_newest_first(base_url: str, history: BuildHistory) -> None:
    older = start(history, 3, "First request")
    newer = start(history, 4, "Second request")
    history.update(newer, iterations=2, tokens=12345, cost_usd=0.0123)
    history.finish(newer, BuildState.DONE, "http://127.0.0.1:1/octo/app/pull/5")
    page = httpx.get(f"{base_url}/builds/").text
    assert BUILD_LINK.findall(page) == [newer, older]
    for text in ("octo/app", "issue #4", "Second request", "mona", "12,345", "$0.0123",
                 'href="http://127.0.0.1:1/octo/app/pull/5"', "state-done", "state-queued"):
        assert text in page


def test_build_list_pages_newest_first(base_url: str, history: BuildHistory) -> None:
    ids = [start(history, number) for number in range(30)]
    first = httpx.get(f"{base_url}/builds/").text
    second = httpx.get(f"{base_url}/builds/", params={"page": 2}).text
    assert BUILD_LINK.findall(first) + BUILD_LINK.findall(second) == ids[::-1]
    assert 'href="/builds/?page=2"' in first and "?page=0" not in first
    assert 'href="/builds/?page=1"' in second and "?page=3" not in second
    assert BUILD_LINK.findall(httpx.get(f"{base_url}/builds/?page=junk").text) == ids[:-26:-1]


def test_bare_prefix_redirects_to_the_list(base_url: str) -> None:
    response = httpx.get(f"{base_url}/builds", follow_redirects=True)
    assert response.status_code == 200 and "Builds" in response.text


def test_build_page_shows_plan_iterations_and_log(base_url: str, history: BuildHistory) -> None:
    build_id = start(history)
    history.update(build_id, state=BuildState.BUILDING, plan="1. write greet.py\n2. test it",
                   iterations=2, tests="1 failed")
    history.log(build_id, "planned 2 steps")
    history.log(build_id, "write_file greet.py", iteration=1)
    history.log(build_id, "pytest -q: 1 failed", iteration=1)
    history.log(build_id, "pytest -q: 2 passed", iteration=2)
    history.log(build_id, "opening the pull request")
    page = httpx.get(f"{base_url}/builds/{build_id}").text
    headings = re.findall(r"<h3>(.*?)</h3>", page)
    assert headings == ["Setup", "Iteration 1", "Iteration 2", "Wrap-up"]
    for text in ("1. write greet.py\n2. test it", "write_file greet.py", "pytest -q: 2 passed",
                 "state-building", 'data-live="yes"', "1 failed", "/static/dashboard.js"):
        assert text in page


def test_untrusted_text_is_escaped_and_odd_links_dropped(base_url: str,
                                                         history: BuildHistory) -> None:
    build_id = start(history, title='<script>alert("title")</script>')
    history.update(build_id, plan="<img src=x onerror=alert(1)>")
    history.log(build_id, "<b>bold</b>")
    history.finish(build_id, BuildState.FAILED, "javascript:alert(1)")
    pages = httpx.get(f"{base_url}/builds/").text + httpx.get(f"{base_url}/builds/{build_id}").text
    assert "<script>alert" not in pages and "&lt;script&gt;alert(&#34;title&#34;)" in pages
    assert "<img" not in pages and "<b>bold" not in pages
    assert "javascript:" not in pages


def test_unknown_or_malformed_build_is_404(base_url: str) -> None:
    for path in ("0123456789abcdef", "nope", "0123456789abcdef/events", "x:log/events"):
        assert httpx.get(f"{base_url}/builds/{path}").status_code == 404


def test_static_files_are_served(base_url: str) -> None:
    assert "EventSource" in httpx.get(f"{base_url}/builds/static/dashboard.js").text
    assert httpx.get(f"{base_url}/builds/static/dashboard.css").status_code == 200


def test_live_stream_delivers_lines_appended_while_connected(base_url: str,
                                                             history: BuildHistory) -> None:
    build_id = start(history)
    history.log(build_id, "already there")
    connected = threading.Event()

    def run_build() -> None:
        connected.wait(10)
        history.update(build_id, state=BuildState.BUILDING, iterations=1)
        history.log(build_id, "write_file greet.py", iteration=1)
        history.log(build_id, "pytest -q: 1 passed", iteration=1)
        history.update(build_id, state=BuildState.DONE)  # final, but lines may still come
        history.log(build_id, "published")
        history.finish(build_id, BuildState.DONE, None)

    builder = threading.Thread(target=run_build)
    builder.start()
    with httpx.stream("GET", f"{base_url}/builds/{build_id}/events", timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = []
        for event in read_events(response):
            events.append(event)
            connected.set()
    builder.join()
    lines = [(e.data["message"], e.data["iteration"]) for e in events if e.name == "message"]
    assert lines == [("already there", None), ("write_file greet.py", 1),
                     ("pytest -q: 1 passed", 1), ("published", None), ("build done", None)]
    states = [e.data["state"] for e in events if e.name == "status"]
    assert states[0] == "queued" and states[-1] == "done"
    assert events[-1].name == "end" and events[-1].data == {"state": "done"}


def test_live_stream_resumes_after_the_last_event_id(base_url: str,
                                                      history: BuildHistory) -> None:
    build_id = start(history)
    for word in ("one", "two", "three"):
        history.log(build_id, word)
    history.finish(build_id, BuildState.CANCELLED, None)
    first_id = history.lines(build_id)[0].id
    url = f"{base_url}/builds/{build_id}/events"
    for params, headers in (({"after": first_id}, {}), ({}, {"Last-Event-ID": first_id})):
        with httpx.stream("GET", url, params=params, headers=headers, timeout=30) as response:
            messages = [e.data["message"] for e in read_events(response) if e.name == "message"]
        assert messages == ["two", "three", "build cancelled"]


def test_live_stream_refuses_a_bad_event_id(base_url: str, history: BuildHistory) -> None:
    build_id = start(history)
    response = httpx.get(f"{base_url}/builds/{build_id}/events", params={"after": "$"})
    assert response.status_code == 400


def test_non_local_request_without_configured_credentials_is_refused(base_url: str) -> None:
    # uvicorn trusts X-Forwarded-For from 127.0.0.1, as it would from a local reverse proxy.
    for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"}):
        response = httpx.get(f"{base_url}/builds/", headers=header)
        assert response.status_code == 403
        assert "DASHBOARD_USERNAME" in response.text


@pytest.mark.parametrize("host", ["kiln.example.com", "rebound.attacker.example:3000"])
def test_without_credentials_a_non_local_host_is_refused(base_url: str, host: str) -> None:
    # From 127.0.0.1 with no proxy header: a proxy that adds none, or a DNS-rebound page.
    response = httpx.get(f"{base_url}/builds/", headers={"Host": host})
    assert response.status_code == 403
    assert httpx.get(f"{base_url}/builds/", headers={"Host": "localhost"}).status_code == 200


@pytest.fixture
def guarded_url(make_settings: Callable[..., Settings], redis_conn: redis.Redis,
                ) -> Iterator[str]:
    settings = make_settings(dashboard_username="ops", dashboard_password="hunter2-dashboard")
    with serve(create_app(settings)) as url:
        yield url


def test_configured_credentials_are_required_from_everyone(guarded_url: str,
                                                           history: BuildHistory) -> None:
    build_id = start(history)
    for path in ("/builds/", f"/builds/{build_id}", f"/builds/{build_id}/events",
                 "/builds/static/dashboard.js"):
        response = httpx.get(guarded_url + path)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Basic ")
    wrong = httpx.get(f"{guarded_url}/builds/", auth=("ops", "guess"),
                      headers={"X-Forwarded-For": "203.0.113.9"})
    assert wrong.status_code == 401


def test_right_credentials_open_the_dashboard_and_no_secret_shows(guarded_url: str,
                                                                  history: BuildHistory) -> None:
    build_id = start(history)
    auth = ("ops", "hunter2-dashboard")
    pages = [httpx.get(f"{guarded_url}{path}", auth=auth, headers={"X-Real-IP": "203.0.113.9"})
             for path in ("/builds/", f"/builds/{build_id}")]
    assert [page.status_code for page in pages] == [200, 200]
    for secret in ("hunter2-dashboard", "test-secret", "test-key", "PRIVATE KEY"):
        assert all(secret not in page.text for page in pages)


def test_webhooks_and_health_are_not_behind_the_dashboard_guard(guarded_url: str) -> None:
    assert httpx.get(f"{guarded_url}/healthz").status_code == 200
