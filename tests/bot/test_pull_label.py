"""The trigger label on a pull request: a revision of Kiln's own, a notice on anyone else's."""

from __future__ import annotations

import pytest

from kiln.jobs import ReviseJob, arguments
from tests.bot.conftest import fixture
from tests.bot.test_routing import only_job

LABELED = "pull_request.labeled"
REPO_FIELDS = {"installation_id": 42424242, "owner": "Codertocat", "repo": "Hello-World",
               "sender": "Codertocat"}


def test_on_kiln_pull_request_it_asks_for_a_revision(deliver, queued, settings) -> None:
    response = deliver("pull_request", fixture(LABELED), delivery="d-label")

    assert response.json() == {"queued": "revise", "job": "revise-label-d-label"}
    job = only_job(queued)
    assert (job.func_name, job.origin) == ("worker.jobs.revise", settings.queue_name)
    assert job.kwargs == arguments(ReviseJob(**REPO_FIELDS, pull_number=2, review_id=None,
                                             comment_id=None))


def test_on_someone_elses_pull_request_it_queues_a_notice(deliver, queued, settings) -> None:
    payload = fixture(LABELED)
    payload["pull_request"]["user"] = payload["sender"]

    response = deliver("pull_request", payload, delivery="d-label")

    assert response.json() == {"queued": "command", "job": "notice-d-label"}
    job = only_job(queued)
    assert (job.func_name, job.origin) == ("worker.jobs.command", settings.command_queue_name)
    assert job.kwargs == {**REPO_FIELDS, "number": 2, "is_pull_request": True,
                          "name": "builds-from-issues", "notice": "builds-from-issues",
                          "comment_id": None, "attempt": 0}


def test_labelling_the_same_pull_request_again_queues_no_second_notice(deliver,
                                                                       queued) -> None:
    payload = fixture(LABELED)
    payload["pull_request"]["user"] = payload["sender"]

    answers = [deliver("pull_request", payload).json() for _ in range(2)]

    assert answers[1]["ignored"] == "already queued"
    assert len(queued()) == 1


@pytest.mark.parametrize(("change", "reason"), [
    ({"label": {"name": "bug"}}, "not the trigger label"),
    ({"pull_request": {"state": "closed"}}, "pull request is closed"),
])
def test_other_labels_and_closed_pull_requests_are_ignored(deliver, queued, change,
                                                           reason) -> None:
    payload = fixture(LABELED)
    for key, fields in change.items():
        payload[key].update(fields)

    assert deliver("pull_request", payload).json() == {"ignored": reason}
    assert queued() == []


def test_the_label_name_is_matched_case_insensitively(deliver, queued) -> None:
    payload = fixture(LABELED)
    payload["label"]["name"] = "Build Me"

    assert deliver("pull_request", payload).json()["queued"] == "revise"
