"""End to end in headless Chromium: the dashboard shows a real build's log lines as they come."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import ARTIFACTS
from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO, KilnStack, wait_until

pytestmark = [pytest.mark.docker, pytest.mark.browser]
THINKING_SECONDS = 2.0  # per model turn: the build lasts long enough to be watched
# Set on the page's window at first load; a reload would lose it, so lines seen while it is
# still set arrived through the live stream.
FIRST_LOAD = "window.kilnFirstLoad"


def _open_build_page(page: Any, kiln: KilnStack) -> None:
    """Open the build list, wait for the build's row to appear, and follow its link."""
    page.goto(f"{kiln.web_url}/builds/")
    link = page.locator("table.builds a").first
    wait_until(lambda: page.reload() and link.count(), 60, "the build in the build list")
    link.click()
    page.wait_for_selector("#build")


def test_the_dashboard_shows_a_running_build_and_its_outcome(
        start_kiln: Callable[..., KilnStack], browser: Any) -> None:
    kiln = start_kiln(script.paced(script.passing_build(), THINKING_SECONDS))
    number = kiln.emulator.open_issue(OWNER, REPO, "Add subtraction",
                                      "calc.sub(a, b) should return a - b.", MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, "build me", MAINTAINER)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    _open_build_page(page, kiln)
    assert page.get_attribute("#build", "data-live") == "yes", "the build ended before we looked"
    first_lines = page.locator("#log li").all_inner_texts()
    page.evaluate(f"{FIRST_LOAD} = true")
    page.wait_for_function(
        f"{FIRST_LOAD} && document.querySelectorAll('#log li').length > {len(first_lines)}",
        timeout=60_000)
    live_lines = page.locator("#log li").all_inner_texts()
    page.wait_for_selector("#build[data-live='no'] .state-done", timeout=90_000)
    page.screenshot(path=str(ARTIFACTS / "dashboard-real-build.png"), full_page=True)
    final_text = page.inner_text("#build")
    page.close()
    (pull,) = kiln.emulator.pulls(OWNER, REPO)
    assert live_lines[:len(first_lines)] == first_lines and len(live_lines) > len(first_lines)
    assert f"/{OWNER}/{REPO}/pull/{pull.number}" in final_text and "2 passed" in final_text
    assert "Iteration 1" in final_text and "add sub() to calc" in final_text
    kiln.model.assert_done()
