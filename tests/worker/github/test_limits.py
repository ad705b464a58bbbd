"""GitHub's size limits: the emulator answers 422 past them, and Kiln's writes stay within."""

from __future__ import annotations

import re
from typing import Any

import pytest
from githubkit.exception import RequestFailed

from tests.worker.conftest import MAINTAINER, OWNER, REPO, GitHubWorld
from worker.github.limits import (
    BODY_CHARS,
    CHECK_TEXT_BYTES,
    TITLE_CHARS,
    cut,
    fit_body,
    fit_check_text,
    fit_title,
)
from worker.github.publisher import CheckResult, Publisher
from worker.github.repository import Repository
from worker.thread.conversation import Conversation

BOT = "kiln[bot]"
MARKER = "<!-- kiln:test -->"


def test_text_within_a_limit_is_left_alone() -> None:
    assert fit_title("Add sub (#7)") == "Add sub (#7)"
    assert fit_body("x" * BODY_CHARS) == "x" * BODY_CHARS
    assert fit_check_text("é" * (CHECK_TEXT_BYTES // 2)) == "é" * (CHECK_TEXT_BYTES // 2)


def test_a_long_title_keeps_its_start_and_its_number() -> None:
    title = fit_title("Make " + "very " * 100 + "long things (#1234)")
    assert len(title) == TITLE_CHARS
    assert title.startswith("Make very") and title.endswith("long things (#1234)"[-16:])
    assert "…" in title


def test_a_long_body_keeps_head_and_tail_and_says_what_was_cut() -> None:
    text = MARKER + "\n" + "a" * 40_000 + "b" * 40_000 + "\nCloses #7"
    body = fit_body(text)
    assert len(body) <= BODY_CHARS
    assert body.startswith(MARKER) and body.endswith("Closes #7")
    mark = re.search(r"\n\n\[… ([\d,]+) characters cut: GitHub allows 65,536 …\]\n\n", body)
    assert mark is not None
    assert int(mark.group(1).replace(",", "")) == len(text) - (len(body) - len(mark.group(0)))


def test_check_text_is_cut_in_bytes_without_splitting_a_character() -> None:
    text = fit_check_text("é" * 40_000 + "🙂" * 10_000)
    assert len(text.encode()) <= CHECK_TEXT_BYTES
    assert text.startswith("é") and text.endswith("🙂") and "bytes cut" in text
    assert "\ufffd" not in text


def test_a_cut_never_goes_over_however_small_the_limit() -> None:
    for limit in range(5, 40):
        assert len(cut("x" * 100, limit, "[{cut} cut]")) <= limit


def _long_error(exc: pytest.ExceptionInfo[RequestFailed]) -> str:
    assert exc.value.response.status_code == 422
    return exc.value.response.text


def test_the_emulator_refuses_what_github_refuses(github_world: GitHubWorld, gh: Any) -> None:
    number = github_world.emulator.open_issue(OWNER, REPO, "Add sub", "please", MAINTAINER)
    with pytest.raises(RequestFailed) as refused:
        gh.rest.issues.create_comment(OWNER, REPO, number, body="x" * (BODY_CHARS + 1))
    assert "Body is too long (maximum is 65536 characters)" in _long_error(refused)
    with pytest.raises(RequestFailed) as refused:
        gh.rest.issues.update(OWNER, REPO, number, title="t" * (TITLE_CHARS + 1))
    assert "title is too long (maximum is 256 characters)" in _long_error(refused)
    head = github_world.emulator.branches(OWNER, REPO)["main"]
    with pytest.raises(RequestFailed) as refused:
        gh.rest.checks.create(OWNER, REPO, name="c", head_sha=head, status="completed",
                              conclusion="success",
                              output={"title": "t", "summary": "é" * 40_000})
    assert "summary exceeds a maximum bytesize of 65535" in _long_error(refused)


def test_comments_are_cut_to_fit_when_posted_and_edited(
        github_world: GitHubWorld, gh: Any) -> None:
    number = github_world.emulator.open_issue(OWNER, REPO, "Add sub", "please", MAINTAINER)
    conversation = Conversation(gh, OWNER, REPO, number, BOT)
    comment_id = conversation.post(MARKER, MARKER + "\n" + "p" * 70_000)
    conversation.edit(comment_id, MARKER + "\n" + "e" * 70_000 + "\nend")
    (comment,) = github_world.emulator.issue(OWNER, REPO, number).comments
    assert len(comment.body) <= BODY_CHARS and "characters cut" in comment.body
    assert comment.body.startswith(MARKER + "\neee") and comment.body.endswith("\nend")


def test_a_check_run_with_long_multibyte_output_is_created_within_the_limit(
        github_world: GitHubWorld, gh: Any) -> None:
    repository = Repository(gh, OWNER, REPO)
    head = repository.branch_head("main") or ""
    details = "FAILED test_é.py::test_ünïcode - assert 'ööööö' == 'øøøøø'\n" * 2_000
    Publisher(repository).check_run(head, CheckResult(False, "1 failed: " + "é" * 300, details))
    (run,) = github_world.emulator.check_runs(OWNER, REPO)
    assert len(run.output["text"].encode()) <= CHECK_TEXT_BYTES
    assert run.output["text"].startswith("```\nFAILED") and run.output["text"].endswith("\n```")
    assert len(run.output["title"]) <= 255 and run.output["summary"].startswith("1 failed")
