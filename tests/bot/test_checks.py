"""CI results on Kiln's branches, delivered signed over HTTP: a CI job on the command queue.
Check runs, suites and workflow runs end with ``completed``; an external CI's commit status
comes as a ``status`` event (no action)."""

from __future__ import annotations

from typing import Any

import pytest
from rq.job import Job

from tests.bot.conftest import fixture

EVENTS = {"check_run": "check_run", "check_suite": "check_suite", "workflow_run": "workflow_run"}


HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
URL = "https://api.github.com/repos/Codertocat/Hello-World/commits"


def status_payload(state: str = "success", branch: str = "kiln/issue-1",
                   branch_head: str = HEAD) -> dict[str, Any]:
    """GitHub's ``status`` webhook: an external CI's commit status on HEAD, which lies on
    `branch` (at its head unless `branch_head` says otherwise) and on main further back."""
    around = fixture("check_run.completed")
    return {
        "id": 6805126730, "sha": HEAD, "name": "Codertocat/Hello-World",
        "target_url": "https://ci.example.com/job/42", "avatar_url": None,
        "context": "ci/jenkins", "description": "Build finished", "state": state,
        "commit": {"sha": HEAD, "url": f"{URL}/{HEAD}"},
        "branches": [
            {"name": "main", "commit": {"sha": "0" * 40, "url": f"{URL}/{'0' * 40}"},
             "protected": True},
            {"name": branch, "commit": {"sha": branch_head, "url": f"{URL}/{branch_head}"},
             "protected": False},
        ],
        "created_at": "2026-12-03T07:00:00Z", "updated_at": "2026-12-03T07:00:00Z",
        **{key: around[key] for key in ("repository", "sender", "installation")},
    }


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


@pytest.mark.parametrize("state", ["success", "failure", "error"])
def test_a_final_status_on_a_kiln_branch_head_queues_a_look_even_from_a_bot(
        state: str, deliver: Any, queued: Any, settings: Any) -> None:
    payload = status_payload(state)
    payload["sender"]["type"] = "Bot"  # an external CI's App posted it

    response = deliver("status", payload, delivery="d-status")

    assert response.status_code == 202
    assert response.json() == {"queued": "ci", "job": "ci-d-status"}
    job = only_job(queued)
    assert job.origin == settings.command_queue_name
    assert job.func_name == "worker.jobs.ci"
    assert job.kwargs == {
        "installation_id": 42424242, "owner": "Codertocat", "repo": "Hello-World",
        "sender": "Codertocat", "branch": "kiln/issue-1", "head_sha": HEAD, "poll": 0,
    }


@pytest.mark.parametrize(("payload", "reason"), [
    (status_payload("pending"), "status still pending"),
    (status_payload(branch="feature/x"), "not a Kiln branch"),
    (status_payload(branch_head="1" * 40), "not a Kiln branch"),  # older commit of the branch
    ({**status_payload(), "branches": []}, "not a Kiln branch"),
])
def test_pending_statuses_and_other_branches_are_ignored(
        payload: dict[str, Any], reason: str, deliver: Any, queued: Any) -> None:
    response = deliver("status", payload)

    assert response.status_code == 202
    assert response.json() == {"ignored": reason}
    assert queued() == []
