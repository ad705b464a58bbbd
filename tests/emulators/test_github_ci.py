"""Other apps' CI in the emulator: check runs and suites with their webhooks, annotations,
Actions job logs behind a redirect, and commit statuses."""

from __future__ import annotations

import json

import httpx
import pytest
from githubkit.exception import RequestFailed
from githubkit.webhooks import parse

from tests.emulators.conftest import GitHubWorld, WebhookReceiver

LOG = "2026-12-03T07:00:00.0000000Z ##[group]Run ruff check .\nF401 unused\n"


def _head(github: GitHubWorld, branch: str = "kiln/issue-1") -> str:
    return github.emu.push("alice", "proj", branch, {"a.py": "import os\n"}, "work",
                           author="alice")


def test_a_reported_check_sends_githubs_three_webhooks_once_its_suite_ends(
        github: GitHubWorld, webhook_receiver: WebhookReceiver) -> None:
    sha = _head(github)
    github.emu.set_webhook_url(webhook_receiver.url)

    github.emu.report_check("alice", "proj", sha, "lint", None, status="in_progress")
    github.emu.report_check("alice", "proj", sha, "test", "failure", log=LOG)

    received = [(h.headers["X-GitHub-Event"], json.loads(h.body)) for h in
                webhook_receiver.received]
    assert [(event, body["action"]) for event, body in received] == [
        ("check_run", "created"), ("check_run", "completed")]
    github.emu.report_check("alice", "proj", sha, "lint", "success")
    received = [(h.headers["X-GitHub-Event"], json.loads(h.body)) for h in
                webhook_receiver.received]
    assert [event for event, _ in received[2:]] == ["check_run", "check_suite", "workflow_run"]
    for hook in webhook_receiver.received:
        parse(hook.headers["X-GitHub-Event"], hook.body)  # GitHub's schema, via githubkit
    suite, run = received[3][1]["check_suite"], received[4][1]["workflow_run"]
    assert (suite["head_branch"], suite["head_sha"], suite["conclusion"]) == (
        "kiln/issue-1", sha, "failure")
    assert suite["app"]["slug"] == "github-actions"
    assert (run["head_branch"], run["conclusion"], run["check_suite_id"]) == (
        "kiln/issue-1", "failure", suite["id"])
    assert received[2][1]["check_run"]["check_suite"]["head_branch"] == "kiln/issue-1"
    assert received[2][1]["sender"]["type"] == "Bot"


def test_annotations_and_the_newest_run_of_each_name_are_listed(github: GitHubWorld) -> None:
    sha = _head(github)
    github.emu.report_check("alice", "proj", sha, "lint", "failure")
    run_id = github.emu.report_check(
        "alice", "proj", sha, "lint", "failure", output={"title": "1 error", "summary": "ruff"},
        annotations=[{"path": "a.py", "start_line": 1, "message": "F401 `os` unused"}])

    with github.client() as gh:
        runs = gh.rest.checks.list_for_ref("alice", "proj", sha).parsed_data
        annotations = gh.rest.checks.list_annotations("alice", "proj", run_id).parsed_data

    assert [(r.id, r.name, r.output.title, r.output.annotations_count)
            for r in runs.check_runs] == [(run_id, "lint", "1 error", 1)]
    (annotation,) = annotations
    assert (annotation.path, annotation.start_line, annotation.message) == (
        "a.py", 1, "F401 `os` unused")


def test_a_job_log_is_a_redirect_to_a_short_lived_plain_text_link(github: GitHubWorld) -> None:
    sha = _head(github)
    job_id = github.emu.report_check("alice", "proj", sha, "test", "failure", log=LOG)

    with github.client(follow_redirects=False) as gh:
        answer = gh.rest.actions.download_job_logs_for_workflow_run("alice", "proj", job_id)
    with github.client() as gh:
        followed = gh.rest.actions.download_job_logs_for_workflow_run("alice", "proj", job_id)

    assert answer.status_code == 302
    link = answer.headers["location"]
    plain = httpx.get(link)  # no token: the link itself is the credential
    assert plain.text == LOG and plain.headers["content-type"].startswith("text/plain")
    assert followed.text == LOG
    github.emu.state.clock = lambda: 10.0**10  # a minute later, the link is gone
    assert httpx.get(link).status_code == 404


def test_commit_statuses_combine_as_githubs_do(github: GitHubWorld) -> None:
    sha = _head(github)
    with github.client() as gh:
        assert gh.rest.repos.get_combined_status_for_ref(
            "alice", "proj", sha).parsed_data.state == "pending"
        github.emu.set_status("alice", "proj", sha, "ci/circle", "failure", "2 tests failed")
        github.emu.set_status("alice", "proj", sha, "ci/circle", "success")
        github.emu.set_status("alice", "proj", sha, "deploy", "error")
        combined = gh.rest.repos.get_combined_status_for_ref("alice", "proj", sha).parsed_data

    assert combined.state == "failure"
    assert sorted((s.context, s.state) for s in combined.statuses) == [
        ("ci/circle", "success"), ("deploy", "error")]


def test_a_commit_status_sends_githubs_status_webhook_for_every_state(
        github: GitHubWorld, webhook_receiver: WebhookReceiver) -> None:
    sha = _head(github)
    github.emu.push("alice", "proj", "elsewhere", {"b.py": "x = 1\n"}, "other", author="alice")
    github.emu.set_webhook_url(webhook_receiver.url)

    github.emu.set_status("alice", "proj", sha, "ci/jenkins", "pending")
    github.emu.set_status("alice", "proj", sha, "ci/jenkins", "failure", "2 tests failed")

    assert [h.headers["X-GitHub-Event"] for h in webhook_receiver.received] == [
        "status", "status"]
    for hook in webhook_receiver.received:
        parse(hook.headers["X-GitHub-Event"], hook.body)  # GitHub's schema, via githubkit
    pending, failed = (json.loads(h.body) for h in webhook_receiver.received)
    assert "action" not in failed
    assert (pending["state"], failed["state"]) == ("pending", "failure")
    assert (failed["sha"], failed["name"], failed["context"], failed["description"]) == (
        sha, "alice/proj", "ci/jenkins", "2 tests failed")
    assert failed["id"] != pending["id"] and failed["target_url"] is None
    assert failed["commit"]["sha"] == sha
    assert [(b["name"], b["commit"]["sha"]) for b in failed["branches"]] == [
        ("kiln/issue-1", sha)]
    assert failed["created_at"] and failed["updated_at"]
    assert failed["repository"]["full_name"] == "alice/proj"
    assert failed["installation"]["id"] == github.installation_id
    assert failed["sender"]["login"] == "ci-bot"


def test_a_status_posted_through_the_rest_api_sends_the_webhook_too(
        github: GitHubWorld, webhook_receiver: WebhookReceiver) -> None:
    sha = _head(github)
    github.emu.set_webhook_url(webhook_receiver.url)
    with github.client() as gh, pytest.raises(RequestFailed) as refused:  # statuses: read
        gh.rest.repos.create_commit_status("alice", "proj", sha, state="success")
    assert refused.value.response.status_code == 403
    ci = github.emu.create_app("external-ci", permissions={"statuses": "write"})
    installation = github.emu.install(ci, "alice")
    with github.client(installation, app=ci) as gh:
        gh.rest.repos.create_commit_status("alice", "proj", sha, state="success",
                                           context="ci/external")
    github.emu.wait_for_deliveries()

    [hook] = webhook_receiver.received
    payload = json.loads(hook.body)
    assert hook.headers["X-GitHub-Event"] == "status"
    assert (payload["state"], payload["context"], payload["sha"]) == (
        "success", "ci/external", sha)
    assert payload["sender"]["login"] == "external-ci[bot]"
