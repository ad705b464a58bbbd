"""Every routed event, delivered signed over HTTP, and what it left on the RQ queue."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from kiln.jobs import BuildJob, ReviseJob, arguments, text_digest
from tests.bot.conftest import SECRET, fixture, post_signed

PR_COMMENT = "issue_comment.created.pull_request"
REVIEW = "pull_request_review.submitted"
REVIEW_COMMENT = "pull_request_review_comment.created"


def only_job(queued: Any) -> Any:
    jobs = queued()
    assert len(jobs) == 1, [job.id for job in jobs]
    return jobs[0]


def test_trigger_label_queues_a_build(deliver, queued) -> None:
    payload = fixture("issues.labeled")
    response = deliver("issues", payload, delivery="d-build-1")

    assert response.status_code == 202
    assert response.json() == {"queued": "build", "job": "build-d-build-1"}
    job = only_job(queued)
    assert job.func_name == "worker.jobs.build"
    assert job.kwargs == arguments(BuildJob(
        installation_id=42424242, owner="Codertocat", repo="Hello-World", issue_number=1,
        sender="Codertocat",
        issue_digest=text_digest(payload["issue"]["title"], payload["issue"]["body"])))


def test_trigger_label_is_case_insensitive_and_configurable(make_settings, redis_conn) -> None:
    payload = fixture("issues.labeled")
    payload["label"]["name"] = "Kiln Please"
    app = create_app(make_settings(github_webhook_secret=SECRET, trigger_label="kiln please"))

    with TestClient(app) as client:
        response = post_signed(client, "issues", payload)

    assert response.json()["queued"] == "build"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"label": {"name": "bug"}}, "not the trigger label"),
        ({"issue": {"state": "closed"}}, "issue is closed"),
    ],
)
def test_other_labels_and_closed_issues_are_ignored(deliver, queued, change, reason) -> None:
    payload = fixture("issues.labeled")
    for key, fields in change.items():
        payload[key].update(fields)

    response = deliver("issues", payload)

    assert response.status_code == 202
    assert response.json() == {"ignored": reason}
    assert queued() == []


@pytest.mark.parametrize(
    ("body", "name"),
    [("/kiln retry", "retry"), ("/kiln cancel please", "cancel"), ("  /KILN Status\n", "status"),
     ("/kiln", "help"), ("/kiln dance", "dance")],
)
def test_slash_commands_queue_a_command(deliver, queued, body, name) -> None:
    payload = fixture("issue_comment.created")
    payload["comment"]["body"] = body

    response = deliver("issue_comment", payload, delivery="d-cmd")

    comment_id = payload["comment"]["id"]
    assert response.json() == {"queued": "command", "job": f"command-{comment_id}"}
    job = only_job(queued)
    assert job.func_name == "worker.jobs.command"
    assert job.kwargs == {
        "installation_id": 42424242, "owner": "Codertocat", "repo": "Hello-World",
        "number": 1, "is_pull_request": False, "sender": "Codertocat", "name": name,
        "comment_id": comment_id, "notice": None, "attempt": 0,
    }


def test_command_on_a_kiln_pull_request_is_a_command_not_feedback(deliver, queued) -> None:
    payload = fixture(PR_COMMENT)
    payload["comment"]["body"] = "/kiln status @kiln"

    deliver("issue_comment", payload)

    job = only_job(queued)
    assert job.func_name == "worker.jobs.command"
    assert job.kwargs["is_pull_request"] is True
    assert job.kwargs["name"] == "status"


@pytest.mark.parametrize(
    "body", ["Looks good to me", "/kilnfoo", "ask me@kiln.dev", "@kiln-dev hi"]
)
def test_plain_comments_are_left_alone(deliver, queued, body) -> None:
    payload = fixture(PR_COMMENT)
    payload["comment"]["body"] = body

    response = deliver("issue_comment", payload)

    assert response.status_code == 202
    assert response.json() == {"ignored": "not a command; no @kiln mention"}
    assert queued() == []


def test_mention_on_a_kiln_pull_request_queues_a_revision(deliver, queued) -> None:
    payload = fixture(PR_COMMENT)

    response = deliver("issue_comment", payload, delivery="d-rev")

    comment_id = payload["comment"]["id"]
    assert response.json() == {"queued": "revise", "job": f"revise-comment-{comment_id}"}
    job = only_job(queued)
    assert job.func_name == "worker.jobs.revise"
    assert job.kwargs == arguments(ReviseJob(
        installation_id=42424242, owner="Codertocat", repo="Hello-World", pull_number=1,
        sender="Codertocat", review_id=None, comment_id=comment_id))


def test_mention_on_someone_elses_pull_request_is_ignored(deliver, queued) -> None:
    payload = fixture(PR_COMMENT)
    payload["issue"]["user"] = payload["sender"]

    response = deliver("issue_comment", payload)

    assert response.json() == {"ignored": "not a command; not a Kiln pull request"}
    assert queued() == []


def test_mention_on_an_issue_is_ignored(deliver, queued) -> None:
    payload = fixture("issue_comment.created")
    payload["comment"]["body"] = "@kiln build it"

    assert deliver("issue_comment", payload).json()["ignored"].endswith("not a Kiln pull request")
    assert queued() == []


def test_review_requesting_changes_queues_a_revision(deliver, queued) -> None:
    payload = fixture(REVIEW)

    response = deliver("pull_request_review", payload, delivery="d-review")

    review_id = payload["review"]["id"]
    assert response.json() == {"queued": "revise", "job": f"revise-review-{review_id}"}
    job = only_job(queued)
    assert job.func_name == "worker.jobs.revise"
    assert job.kwargs == arguments(ReviseJob(
        installation_id=42424242, owner="Codertocat", repo="Hello-World", pull_number=2,
        sender="Codertocat", review_id=review_id, comment_id=None))


@pytest.mark.parametrize(("state", "body", "acted"), [
    ("commented", "@kiln rename this", True),
    ("commented", "nice", False),
    ("commented", None, False),
    ("approved", "LGTM", False),
    ("CHANGES_REQUESTED", None, True),
])
def test_review_needs_changes_requested_or_a_mention(deliver, queued, state, body, acted) -> None:
    payload = fixture(REVIEW)
    payload["review"].update(state=state, body=body)

    response = deliver("pull_request_review", payload)

    assert ("queued" in response.json()) is acted
    assert len(queued()) == int(acted)


def test_review_on_someone_elses_pull_request_is_ignored(deliver, queued) -> None:
    payload = fixture(REVIEW)
    payload["pull_request"]["user"] = payload["sender"]

    assert deliver("pull_request_review", payload).json() == {"ignored": "not a Kiln pull request"}
    assert queued() == []


def test_review_comment_mentioning_kiln_queues_a_revision(deliver, queued) -> None:
    payload = fixture(REVIEW_COMMENT)

    response = deliver("pull_request_review_comment", payload)

    review_id = payload["comment"]["pull_request_review_id"]
    assert response.json() == {"queued": "revise", "job": f"revise-review-{review_id}"}
    job = only_job(queued)
    assert job.kwargs["review_id"] == review_id
    assert job.kwargs["comment_id"] == payload["comment"]["id"]


def test_review_comment_without_mention_is_ignored(deliver, queued) -> None:
    payload = fixture(REVIEW_COMMENT)
    payload["comment"]["body"] = "typo here"

    assert deliver("pull_request_review_comment", payload).json() == {"ignored": "no @kiln mention"}
    assert queued() == []


def test_one_review_and_its_comments_make_one_job(deliver, queued) -> None:
    review = fixture(REVIEW)
    comments = [fixture(REVIEW_COMMENT) for _ in range(3)]
    for number, comment in enumerate(comments):
        comment["comment"]["id"] += number

    answers = [deliver("pull_request_review_comment", comments[0]).json(),
               deliver("pull_request_review", review).json(),
               *(deliver("pull_request_review_comment", c).json() for c in comments[1:])]

    review_job = f"revise-review-{review['review']['id']}"
    assert answers[0] == {"queued": "revise", "job": review_job}
    assert answers[1:] == [{"ignored": "already queued", "job": review_job}] * 3
    assert [job.id for job in queued()] == [review_job]


def test_comments_of_different_reviews_make_different_jobs(deliver, queued) -> None:
    first, second = fixture(REVIEW_COMMENT), fixture(REVIEW_COMMENT)
    second["comment"]["id"] += 1
    second["comment"]["pull_request_review_id"] += 1

    deliver("pull_request_review_comment", first)
    deliver("pull_request_review_comment", second)

    assert len(queued()) == 2


@pytest.mark.parametrize(("event", "name"), [
    ("issues", "issues.labeled"),
    ("issue_comment", "issue_comment.created"),
    ("issue_comment", PR_COMMENT),
    ("pull_request_review", REVIEW),
    ("pull_request_review_comment", REVIEW_COMMENT),
    ("pull_request", "pull_request.labeled"),
])
def test_bot_senders_are_never_acted_on(deliver, queued, event, name) -> None:
    payload = fixture(name)
    payload["sender"].update(login="kiln[bot]", type="Bot")

    response = deliver(event, payload)

    assert response.status_code == 202
    assert response.json() == {"ignored": "sender is a bot"}
    assert queued() == []


@pytest.mark.parametrize(("event", "payload"), [
    ("issues", fixture("issues.opened")),
    ("star", {"action": "created", "sender": {"type": "User"}}),
    ("pull_request_review", {**fixture(REVIEW), "action": "dismissed"}),
    ("push", {"ref": "refs/heads/main"}),
])
def test_other_events_and_actions_are_ignored_cheaply(deliver, queued, event, payload) -> None:
    response = deliver(event, payload)

    assert response.status_code == 202
    assert response.json()["ignored"].startswith(f"no handler for {event}.")
    assert queued() == []


def test_ping_answers_200(deliver, queued) -> None:
    response = deliver("ping", fixture("ping"))

    assert response.status_code == 200
    assert response.json() == {"noted": "ping for hook 109948940"}
    assert queued() == []


@pytest.mark.parametrize(("event", "note"), [
    ("installation.created", "installation created by Codertocat"),
    ("installation_repositories.added", "1 repositories added for Codertocat"),
])
def test_installation_events_are_noted_in_the_log(deliver, queued, caplog, event, note) -> None:
    with caplog.at_level(logging.INFO, "kiln.bot.deliveries"):
        response = deliver(event.split(".")[0], fixture(event))

    assert response.status_code == 202
    assert response.json() == {"noted": note}
    assert json.loads(caplog.records[-1].message)["outcome"] == f"noted: {note}"
    assert queued() == []
