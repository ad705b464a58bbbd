"""Outsiders, known from the payload's author_association: a polite notice, never a build job."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bot.conftest import fixture
from tests.bot.test_routing import PR_COMMENT, REVIEW, REVIEW_COMMENT, only_job

OUTSIDERS = ["NONE", "CONTRIBUTOR", "FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR", "MANNEQUIN"]
STRANGER = "mallory"


def from_outsider(name: str, association: str = "NONE", body: str | None = None,
                  ) -> tuple[str, dict[str, Any], str]:
    """(event, payload, author object) of a fixture rewritten as written by an outsider."""
    payload = fixture(name)
    author = "review" if name == REVIEW else "comment"
    payload[author]["author_association"] = association
    payload[author]["user"]["login"] = payload["sender"]["login"] = STRANGER
    if body is not None:
        payload[author]["body"] = body
    return name.split(".")[0], payload, author


STEERING = [  # every way of steering Kiln from a comment or review
    (PR_COMMENT, None),  # "@kiln ..." on a Kiln pull request
    ("issue_comment.created", "/kiln retry"),
    (PR_COMMENT, "/kiln cancel"),
    (REVIEW, None),  # changes requested on a Kiln pull request
    (REVIEW_COMMENT, None),  # "@kiln ..." in a review comment
]


@pytest.mark.parametrize("association", OUTSIDERS)
@pytest.mark.parametrize(("name", "body"), STEERING)
def test_an_outsider_gets_only_a_notice_on_the_command_queue(
        deliver, queued, settings, association: str, name: str, body: str | None) -> None:
    event, payload, author = from_outsider(name, association, body)

    response = deliver(event, payload, delivery="d-outsider")

    assert response.status_code == 202
    assert response.json() == {"queued": "command", "job": "notice-d-outsider"}
    job = only_job(queued)  # nothing on the build queue
    assert job.origin == settings.command_queue_name
    assert job.func_name == "worker.jobs.command"
    number = (payload.get("issue") or payload["pull_request"])["number"]
    assert job.kwargs == {
        "installation_id": 42424242, "owner": "Codertocat", "repo": "Hello-World",
        "number": number, "is_pull_request": name != "issue_comment.created",
        "sender": STRANGER, "name": "unauthorized", "notice": "unauthorized",
        "comment_id": payload[author]["id"] if author == "comment" else None, "attempt": 0,
    }


def test_an_outsider_writing_again_queues_no_second_notice(deliver, queued) -> None:
    answers = []
    for offset, body in enumerate(["@kiln fix it", "/kiln retry", "@kiln please?"]):
        event, payload, _ = from_outsider(PR_COMMENT, body=body)
        payload["comment"]["id"] += offset
        answers.append(deliver(event, payload).json())
    event, other_user, _ = from_outsider(PR_COMMENT)
    other_user["sender"]["login"] = "trudy"
    deliver(event, other_user)
    deliver(*from_outsider(REVIEW)[:2])  # the same outsider on another thread (#2)

    assert [answer.get("ignored") for answer in answers] == [None, "already queued",
                                                             "already queued"]
    seen = sorted((job.kwargs["number"], job.kwargs["sender"]) for job in queued())
    assert seen == [(1, STRANGER), (1, "trudy"), (2, STRANGER)]


@pytest.mark.parametrize("association", ["OWNER", "MEMBER", "COLLABORATOR", "SOMETHING_NEW"])
@pytest.mark.parametrize(("name", "body"), STEERING)
def test_others_are_left_to_the_workers_permission_check(
        deliver, queued, settings, association: str, name: str, body: str | None) -> None:
    event, payload, _ = from_outsider(name, association, body)

    deliver(event, payload)

    job = only_job(queued)
    assert job.kwargs.get("notice") is None
    assert job.func_name in ("worker.jobs.command", "worker.jobs.revise")


def test_an_absent_association_is_left_to_the_worker(deliver, queued) -> None:
    event, payload, author = from_outsider(PR_COMMENT)
    del payload[author]["author_association"]

    deliver(event, payload)

    assert only_job(queued).func_name == "worker.jobs.revise"


def test_the_issue_authors_association_says_nothing_about_who_labelled_it(deliver,
                                                                         queued) -> None:
    # issues.labeled carries the issue author's association, not the labeller's.
    payload = fixture("issues.labeled")
    payload["issue"]["author_association"] = "NONE"

    assert deliver("issues", payload).json()["queued"] == "build"
    assert only_job(queued).func_name == "worker.jobs.build"
