"""The build page over real HTTP: the GitHub API calls a build made, and a report GitHub
refused (rate limit) shown as waiting, with when it will be posted."""

from __future__ import annotations

import httpx

from bot.build_view import report_due_text
from kiln.history import BuildHistory
from kiln.states import BuildState
from tests.bot.test_dashboard import base_url, history, start

__all__ = ["base_url", "history"]  # the fixtures this module borrows

DUE = 1_764_684_307.0  # 14:05:07 UTC


def test_the_build_page_shows_api_calls_and_a_report_put_off(base_url: str,
                                                            history: BuildHistory) -> None:
    build_id = start(history)
    history.update(build_id, github_calls=1234)
    history.finish(build_id, BuildState.FAILED)
    history.update(build_id, report_due=DUE,
                   stop_reason="GitHub's rate limit for this installation is used up")

    page = httpx.get(f"{base_url}/builds/{build_id}").text

    assert '<dd id="github-calls">1,234</dd>' in page
    assert "state-failed" in page and 'id="report-due"' in page and "14:05:07 UTC" in page

    history.update(build_id, report_due=None)
    assert 'id="report-due"' not in httpx.get(f"{base_url}/builds/{build_id}").text


def test_a_put_off_report_says_the_state_is_final_and_when_it_is_posted() -> None:
    text = report_due_text(DUE)
    assert "rate limit" in text and "14:05:07 UTC" in text and "final" in text
