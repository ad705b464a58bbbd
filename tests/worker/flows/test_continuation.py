"""Continuing a build from its branch (#15): `/kiln continue`, and automatic continuations."""

from __future__ import annotations

import json
from typing import Any

from emulators.model.conversation import messages_text
from kiln.jobs import BuildJob
from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO
from tests.worker.flows.conftest import Flows


def set_config(flows: Flows, text: str) -> None:
    flows.emulator.push(OWNER, REPO, "main", {".github/kiln.yml": text}, "config")


def first_request_text(model: Any) -> str:
    return messages_text(model.requests[0]["messages"])


def test_continue_goes_on_from_the_branch_with_a_fresh_budget_and_a_summary(
        flows: Flows) -> None:
    set_config(flows, script.TIGHT_BUDGET)
    number = flows.open_issue()
    flows.build(number, script.budget_stopped_build()).assert_done()
    body = flows.progress(number)
    assert "Kiln build: failed" in body and "model call budget spent" in body
    assert "- [x] write sub\n- [ ] test sub\n- [ ] document sub" in body
    assert "Stopped with 1 of 3 steps done" in body and "`/kiln continue`" in body

    flows.command(number, "continue", comment_id=501)
    ((job, job_id),) = flows.requeued
    assert job.resume and job_id == "build-continue-comment-501"
    assert "queued run 2 of this build" in flows.replies(number)[-1]
    model = flows.run_build(job, script.continued_build(), "job-continue")

    model.assert_done()
    prompt = first_request_text(model)
    assert "response_format" not in model.requests[0]  # the plan carried over: no planning
    assert "1. [x] write sub (done: sub in calc.py)" in prompt and "2. [ ] test sub" in prompt
    assert "def test_sub" not in prompt  # run 1's transcript (its write_file) is not resent
    (pull,) = flows.emulator.pulls(OWNER, REPO)
    assert not pull.draft and pull.head_ref == f"kiln/issue-{number}"
    files = flows.emulator.files(OWNER, REPO, pull.head_ref)
    assert files["calc.py"] == script.CALC.encode()
    assert files["README.md"] == script.README.encode()
    base = flows.emulator.commits(OWNER, REPO, "main")
    assert len(flows.emulator.commits(OWNER, REPO, pull.head_ref)) == len(base) + 2  # two runs
    body = flows.progress(number)
    assert "Kiln build: done" in body and "**Across 2 runs:**" in body
    assert "- [x] write sub\n- [x] test sub\n- [x] document sub" in body
    assert "- [x] document sub" in flows.emulator.pull(OWNER, REPO, pull.number).body


def test_the_progress_lives_in_the_commit_trailer_and_continue_works_on_the_pull_request(
        flows: Flows) -> None:
    set_config(flows, script.TIGHT_BUDGET)
    number = flows.open_issue()
    flows.build(number, script.budget_stopped_build())
    branch = f"kiln/issue-{number}"
    (head, *_) = flows.emulator.commits(OWNER, REPO, branch)
    note = json.loads(head.message.split("Kiln-Progress: ", 1)[1])
    assert note["issue"] == number and note["carryover"]["done"] == [1]
    flows.emulator.push(OWNER, REPO, branch, {"NOTES.md": "a human was here\n"}, "notes")
    flows.redis.flushdb()  # nothing of the build's progress is kept in Redis
    (pull,) = flows.emulator.pulls(OWNER, REPO)

    flows.command(pull.number, "continue", comment_id=502, is_pull_request=True)

    ((job, _),) = flows.requeued
    model = flows.run_build(job, script.continued_build(), "job-continue")
    model.assert_done()
    files = flows.emulator.files(OWNER, REPO, branch)
    assert files["NOTES.md"] == b"a human was here\n" and "README.md" in files


def test_continue_without_an_unfinished_build_says_so_and_queues_nothing(flows: Flows) -> None:
    number = flows.open_issue()
    flows.build(number, script.passing_build())

    flows.command(number, "continue", comment_id=503)

    assert flows.requeued == []
    assert "no unfinished Kiln build on branch" in flows.replies(number)[-1]


def test_a_continuation_job_with_nothing_to_continue_ends_without_a_model_call(
        flows: Flows) -> None:
    number = flows.open_issue()
    job = BuildJob(flows.world.installation_id, OWNER, REPO, number, MAINTAINER, resume=True)

    model = flows.run_build(job, [], "job-continue")

    assert model.requests == [] and flows.emulator.pulls(OWNER, REPO) == []
    body = flows.progress(number)
    assert "Kiln build: failed" in body and "no unfinished Kiln build on branch" in body


def test_automatic_continuations_stop_at_the_configured_number(flows: Flows) -> None:
    set_config(flows, script.TIGHT_BUDGET + "continuations: 1\n")
    number = flows.open_issue()
    flows.build(number, script.budget_stopped_build())
    ((job, job_id),) = flows.requeued
    assert job.resume and job_id.startswith(f"build-continue-{number}-")
    assert "continuing automatically (run 2 of at most 2)" in flows.progress(number)
    assert any("Run 1 of this build stopped" in reply for reply in flows.replies(number))

    stalling = [script.Turn.tool_calls([script.complete(2)]),
                script.Turn.tool_calls([script.write("README.md", script.README)]),
                script.Turn.tool_calls([script.write("NOTES.md", "later\n")])]
    flows.run_build(job, stalling, "job-continue").assert_done()

    assert len(flows.requeued) == 1  # the one continuation allowed was used
    body = flows.progress(number)
    assert "Stopped with 2 of 3 steps done" in body and "`/kiln continue`" in body
    assert "**Across 2 runs:**" in body


def test_help_says_how_many_automatic_continuations_a_repository_gets(flows: Flows) -> None:
    set_config(flows, "continuations: 5\n")  # the operator's ceiling is 3 by default
    number = flows.open_issue()

    flows.command(number, "help", comment_id=504)

    reply = flows.replies(number)[-1]
    assert "`/kiln continue`: go on with a build that stopped on its budget" in reply
    assert "goes on from its branch by itself, up to 3 more runs, then waits for" in reply
