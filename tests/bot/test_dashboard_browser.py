"""The dashboard in headless Chromium: a build page receives log lines while the build runs."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import redis

from bot.app import create_app
from kiln.history import BuildHistory
from kiln.settings import Settings
from kiln.states import BuildState
from tests.bot.live_server import serve
from tests.conftest import ARTIFACTS

LIVE_LINES = [("write_file greet.py", 1), ("pytest -q: 1 failed (NameError)", 1),
              ("edit_file greet.py", 2), ("pytest -q: 2 passed", 2),
              ("opening the pull request", None)]

pytestmark = pytest.mark.browser


def run_build(history: BuildHistory, build_id: str, viewing: threading.Event,
              photographed: threading.Event) -> None:
    """A build's history as the workflow writes it, paced so the page sees it happen."""
    viewing.wait(30)
    history.update(build_id, state=BuildState.BUILDING, plan="1. Add greet.py\n2. Test it")
    for iteration, (message, number) in enumerate(LIVE_LINES, start=1):
        history.log(build_id, message, number)
        history.update(build_id, iterations=min(iteration, 2), tokens=1500 * iteration,
                       cost_usd=0.0011 * iteration)
        viewing.wait(0.3)
    photographed.wait(30)
    history.update(build_id, tests="2 passed")
    history.finish(build_id, BuildState.DONE, "http://127.0.0.1:9/octo/hello/pull/2")


def test_build_page_shows_log_lines_as_they_arrive(browser: Any, settings: Settings,
                                                  redis_conn: redis.Redis) -> None:
    history = BuildHistory(redis_conn, 3600)
    build_id = history.start(repo="octo/hello", number=1, kind="build", trigger="mona",
                             job_id="job-1", title="Add a greet() function")
    history.log(build_id, "picked up by a worker")
    viewing, photographed = threading.Event(), threading.Event()
    builder = threading.Thread(target=run_build,
                               args=(history, build_id, viewing, photographed))
    builder.start()
    try:
        with serve(create_app(settings)) as base_url:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(f"{base_url}/builds/{build_id}")
            page.wait_for_selector("#live")
            viewing.set()
            # A locator, not wait_for_function: the page's CSP forbids the eval that a
            # string predicate needs whenever it has to poll.
            page.locator("#log li").nth(5).wait_for(timeout=20_000)
            log_text = page.inner_text("#log")
            assert page.inner_text("#plan") == "1. Add greet.py\n2. Test it"
            page.screenshot(path=str(ARTIFACTS / "dashboard-build-live.png"), full_page=True)
            photographed.set()
            page.wait_for_selector(".state-done", timeout=20_000)
            page.wait_for_selector("text=2 passed >> nth=0", timeout=20_000)
            page.goto(f"{base_url}/builds/")
            page.screenshot(path=str(ARTIFACTS / "dashboard-list.png"), full_page=True)
            list_text = page.inner_text("table.builds")
            page.close()
    finally:
        viewing.set()
        photographed.set()
        builder.join(30)
    for heading in ("Setup", "Iteration 1", "Iteration 2", "Wrap-up"):
        assert heading in log_text
    assert all(message in log_text for message, _ in LIVE_LINES)
    assert "octo/hello" in list_text and "done" in list_text


FAILED_RUN = ("Failing:\nFAILED test_greet.py::test_hello - NameError: name 'greet' is not "
              "defined\n\n==== 1 failed in 0.02s ====")
DIFF = ("--- /dev/null\n+++ b/greet.py\n@@ -0,0 +1,2 @@\n+def greet(name):\n"
        "+    return f'hello {name}'\n")


def test_a_step_expands_to_its_output_and_the_change_shows_as_a_diff(
        browser: Any, settings: Settings, redis_conn: redis.Redis) -> None:
    history = BuildHistory(redis_conn, 3600)
    build_id = history.start(repo="octo/hello", number=3, kind="build", trigger="mona",
                             job_id="job-3", title="Add greet")
    with serve(create_app(settings)) as base_url:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(f"{base_url}/builds/{build_id}")
        page.wait_for_selector("#live")
        # A line that arrives live is expandable like one the server renders.
        history.log(build_id, "iteration 1: tests 1 failed", 1, FAILED_RUN)
        summary = page.locator("#log summary", has_text="iteration 1: tests 1 failed")
        summary.wait_for(timeout=20_000)
        assert not page.locator("#log pre.output").first.is_visible()
        summary.click()
        live_output = page.inner_text("#log pre.output")
        history.set_diff(build_id, DIFF)
        history.finish(build_id, BuildState.DONE, "http://127.0.0.1:9/octo/hello/pull/4")
        page.wait_for_selector("pre.diff .diff-added", timeout=20_000)  # reloaded when done
        page.locator("#log summary").first.click()
        page.screenshot(path=str(ARTIFACTS / "dashboard-build-output.png"), full_page=True)
        final_output = page.inner_text("#log pre.output")
        added = page.locator("pre.diff .diff-added").all_inner_texts()
        page.close()
    assert live_output.startswith("Failing:\nFAILED test_greet.py::test_hello")
    assert final_output == live_output
    assert added == ["+def greet(name):", "+    return f'hello {name}'"]
