"""End to end in headless Chromium: the dashboard shows a real build's log lines as they come."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from emulators.localhost import wait_until
from tests.conftest import ARTIFACTS
from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO, KilnStack

pytestmark = [pytest.mark.docker, pytest.mark.browser]
THINKING_SECONDS = 2.0  # per model turn: the build lasts long enough to be watched
BUILD_LINK = "table.builds tbody a"
# The flag is set at first load and a reload would clear it, so lines seen while it is still
# there came through the live stream; one of them must be from the model's first iteration.
MARK_FIRST_LOAD = "() => { window.kilnFirstLoad = true; }"
FIRST_ITERATION_LINE = "#log section[data-iteration='1'] li"


def _listed_builds(page: Any) -> int:
    page.reload()
    return int(page.locator(BUILD_LINK).count())


def _open_build_page(page: Any, kiln: KilnStack) -> str:
    """Open the build list, wait for the build's row, follow its link; the row's text."""
    page.goto(f"{kiln.web_url}/builds/")
    wait_until(lambda: _listed_builds(page), 60, "the build in the build list")
    row = page.inner_text("table.builds tbody tr")
    page.locator(BUILD_LINK).first.click()
    page.wait_for_selector("#build")
    return str(row)


def test_the_dashboard_shows_a_running_build_and_its_outcome(
        start_kiln: Callable[..., KilnStack], browser: Any) -> None:
    kiln = start_kiln(script.paced(script.passing_build(), THINKING_SECONDS))
    number = kiln.emulator.open_issue(OWNER, REPO, "Add subtraction",
                                      "calc.sub(a, b) should return a - b.", MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, "build me", MAINTAINER)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    row = _open_build_page(page, kiln)
    assert page.get_attribute("#build", "data-live") == "yes", "the build ended before we looked"
    first_lines = page.locator("#log li").all_inner_texts()
    page.evaluate(MARK_FIRST_LOAD)
    # Locators, not wait_for_function: the page's CSP forbids the eval a polled predicate needs.
    page.locator("#log li").nth(len(first_lines)).wait_for(timeout=60_000)
    page.locator(FIRST_ITERATION_LINE).first.wait_for(timeout=60_000)
    assert page.evaluate("window.kilnFirstLoad") is True, "the page reloaded"
    live_lines = page.locator("#log li").all_inner_texts()
    page.screenshot(path=str(ARTIFACTS / "dashboard-real-build-live.png"), full_page=True)
    page.wait_for_selector("#build[data-live='no'] .state-done", timeout=90_000)
    page.screenshot(path=str(ARTIFACTS / "dashboard-real-build.png"), full_page=True)
    final_text = page.inner_text("#build")
    plan_text = page.inner_text("#plan")
    page.close()
    (pull,) = kiln.emulator.pulls(OWNER, REPO)
    assert f"{OWNER}/{REPO}" in row and "Add subtraction" in row and "done" not in row
    assert live_lines[:len(first_lines)] == first_lines and len(live_lines) > len(first_lines)
    assert f"/{OWNER}/{REPO}/pull/{pull.number}" in final_text and "2 passed" in final_text
    assert "iteration 1: model called write_file" in final_text and "build done" in final_text
    assert "Goal:" in plan_text and "No plan yet" not in plan_text
    kiln.model.assert_done()
