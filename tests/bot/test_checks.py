"""CI results on Kiln's branches, delivered signed over HTTP: a CI job on the command queue."""

from __future__ import annotations

from typing import Any

import pytest
from rq.job import Job

from tests.bot.conftest import fixture

EVENTS = {"check_run": "check_run", "check_suite": "check_suite", "workflow_run": "workflow_run"}


def only_job(queued: Any) -> Job:
    jobs = queued()
    assert len(jobs) == 1, [job.id for job in jobs]
    return jobs[0]


@pytest.mark.parametrize("event", EVENTS)
def test_a_finished_check_on_a_kiln_branch_queues_a_look_even_from_a_bot(
        event: str, deliver: Any, queued: Any, settings: Any) -> None:
    payload = fixture(f"{event}.completed")
    payload["sender"]["type"] = "Bot"  # Kiln's own push caused the run

    response = deliver(event, payload, delivery=f"d-{event}")

    assert response.status_code == 202
    job = only_job(queued)
    assert job.origin == settings.command_queue_name
    assert job.func_name == "worker.jobs.ci"
    assert job.kwargs == {
        "installation_id": 42424242, "owner": "Codertocat", "repo": "Hello-World",
        "sender": "Codertocat", "branch": "kiln/issue-1",
        "head_sha": payload[event]["head_sha"], "poll": 0,
    }


def test_kilns_own_check_run_and_other_branches_are_ignored(deliver: Any,
                                                            queued: Any) -> None:
    own = fixture("check_run.completed")
    own["check_run"]["app"]["slug"] = "kiln"
    elsewhere = fixture("check_suite.completed")
    elsewhere["check_suite"]["head_branch"] = "feature/x"
    no_branch = fixture("workflow_run.completed")
    no_branch["workflow_run"]["head_branch"] = None

    answers = [deliver("check_run", own), deliver("check_suite", elsewhere),
               deliver("workflow_run", no_branch)]

    assert [a.status_code for a in answers] == [202, 202, 202]
    assert queued() == []


def test_a_bot_sender_is_still_ignored_for_other_events(deliver: Any, queued: Any) -> None:
    payload = fixture("issues.labeled")
    payload["sender"]["type"] = "Bot"

    deliver("issues", payload)

    assert queued() == []
