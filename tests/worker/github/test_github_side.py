"""The worker's GitHub-facing pieces against the GitHub emulator over real HTTP."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
import redis
from githubkit.exception import RequestFailed

from kiln.history import BuildHistory
from kiln.settings import Settings
from kiln.states import BuildState, JobKind
from tests.worker.conftest import MAINTAINER, OWNER, REPO, STRANGER, GitHubWorld
from worker.builder import Feedback
from worker.builder.protected import Protection
from worker.flows.revision import collect_feedback
from worker.github.authorization import is_authorized
from worker.github.clients import GitHubClients
from worker.github.provenance import RepositoryTaken, creation_mark
from worker.github.publisher import (
    CheckResult,
    Publisher,
    PullRequestDraft,
    create_org_repository,
)
from worker.github.repository import Repository, Snapshot
from worker.state.ledger import JobLedger
from worker.state.lock import IssueLock
from worker.state.outbox import Outbox
from worker.state.records import Records
from worker.thread.conversation import Conversation
from worker.thread.courier import Courier
from worker.thread.progress import MARKER, Progress, ProgressComment

BOT = "kiln[bot]"


def test_permission_decides_who_may_steer(gh: Any) -> None:
    assert is_authorized(gh, OWNER, REPO, MAINTAINER)
    assert not is_authorized(gh, OWNER, REPO, STRANGER)


def _comment(gh: Any, redis_conn: redis.Redis, number: int, interval: float = 0,
             clock: Callable[[], float] | None = None) -> ProgressComment:
    """A progress comment as a job shows it: through the thread's outbox."""
    records = Records(BuildHistory(redis_conn, 3600), JobLedger(redis_conn, 3600), None)
    courier = Courier(Conversation(gh, OWNER, REPO, number, BOT),
                      Outbox(redis_conn, OWNER, REPO, number),
                      IssueLock(redis_conn, OWNER, REPO, number), records,
                      lambda *_: None, 3600)
    return ProgressComment(courier, "job-1", interval, *([clock] if clock else []))


def test_progress_comment_is_found_again_and_edited_in_place(
        github_world: GitHubWorld, gh: Any, redis_conn: redis.Redis) -> None:
    number = github_world.emulator.open_issue(OWNER, REPO, "Add sub", "please", MAINTAINER)
    _comment(gh, redis_conn, number).show(Progress(JobKind.BUILD, BuildState.QUEUED, MAINTAINER))
    # A retried job starts from nothing and must find the same comment by its marker.
    _comment(gh, redis_conn, number).show(
        Progress(JobKind.BUILD, BuildState.PLANNING, MAINTAINER))
    comments = github_world.emulator.issue(OWNER, REPO, number).comments
    assert len(comments) == 1
    assert MARKER in comments[0].body and "planning" in comments[0].body


def test_a_users_copy_of_the_marker_is_not_taken_for_kilns(
        github_world: GitHubWorld, gh: Any, redis_conn: redis.Redis) -> None:
    number = github_world.emulator.open_issue(OWNER, REPO, "Add sub", "please", MAINTAINER)
    github_world.emulator.comment(OWNER, REPO, number, f"{MARKER} forged", MAINTAINER)
    _comment(gh, redis_conn, number).show(
        Progress(JobKind.BUILD, BuildState.QUEUED, MAINTAINER))
    bodies = [c.body for c in github_world.emulator.issue(OWNER, REPO, number).comments]
    assert bodies[0] == f"{MARKER} forged" and len(bodies) == 2


def test_quick_edits_wait_out_the_interval_but_urgent_ones_do_not(
        github_world: GitHubWorld, gh: Any, redis_conn: redis.Redis) -> None:
    number = github_world.emulator.open_issue(OWNER, REPO, "Add sub", "please", MAINTAINER)
    now = [100.0]
    comment = _comment(gh, redis_conn, number, 5, lambda: now[0])
    building = Progress(JobKind.BUILD, BuildState.BUILDING, MAINTAINER, iteration=1)
    comment.show(building)
    comment.show(dataclasses.replace(building, iteration=2), urgent=False)
    body = github_world.emulator.issue(OWNER, REPO, number).comments[0].body
    assert "Iteration 1." in body
    now[0] += 6
    comment.show(dataclasses.replace(building, iteration=3), urgent=False)
    assert "Iteration 3." in github_world.emulator.issue(OWNER, REPO, number).comments[0].body
    comment.show(dataclasses.replace(building, state=BuildState.DONE))
    assert "done" in github_world.emulator.issue(OWNER, REPO, number).comments[0].body


def _draft(number: int, passed: bool = True) -> PullRequestDraft:
    return PullRequestDraft(branch=f"kiln/issue-{number}", title="Add sub",
                            body=f"Closes #{number}", commit_message="Add sub",
                            reviewer=MAINTAINER, draft=not passed)


def _issue_on_main(github_world: GitHubWorld, gh: Any) -> tuple[int, Repository, Snapshot]:
    """A new issue, the repository, and main as it stands: what a build publishes onto."""
    number = github_world.emulator.open_issue(OWNER, REPO, "Add sub", "please", MAINTAINER)
    repository = Repository(gh, OWNER, REPO)
    return number, repository, repository.bare_snapshot(repository.branch_head("main") or "")


def test_publishing_twice_makes_one_commit_one_pull_request_one_check(
        github_world: GitHubWorld, gh: Any) -> None:
    emulator = github_world.emulator
    number, repository, base = _issue_on_main(github_world, gh)
    changes: dict[str, bytes | None] = {"sub.py": b"def sub(a, b):\n    return a - b\n",
                                        "README.md": None}
    check = CheckResult(True, "2 passed", "== 2 passed ==")
    for _ in range(2):
        published = Publisher(repository).pull_request(base, "main", _draft(number), changes,
                                                       check)
    assert published.pull_number is not None
    pulls = emulator.pulls(OWNER, REPO)
    assert len(pulls) == 1 and pulls[0].requested_reviewers == [MAINTAINER]
    files = emulator.files(OWNER, REPO, f"kiln/issue-{number}")
    assert files["sub.py"].startswith(b"def sub") and "README.md" not in files
    assert len(emulator.commits(OWNER, REPO, f"kiln/issue-{number}")) == 2
    runs = emulator.check_runs(OWNER, REPO)
    assert [(r.conclusion, r.head_sha) for r in runs] == [("success", pulls[0].head_sha)]


def test_a_passing_retry_marks_the_failed_attempts_draft_ready(
        github_world: GitHubWorld, gh: Any) -> None:
    emulator = github_world.emulator
    number, repository, base = _issue_on_main(github_world, gh)
    attempts = [(False, b"def sub(a, b):\n    return a + b\n"),
                (True, b"def sub(a, b):\n    return a - b\n")]
    for passed, code in attempts:
        Publisher(repository).pull_request(base, "main", _draft(number, passed),
                                           {"sub.py": code}, CheckResult(passed, "", ""))
        (pull,) = emulator.pulls(OWNER, REPO)
        assert pull.draft is not passed
    runs = emulator.check_runs(OWNER, REPO)
    assert [r.conclusion for r in runs] == ["failure", "success"]


def test_the_publisher_never_pushes_a_protected_path_whatever_it_is_given(
        github_world: GitHubWorld, gh: Any) -> None:
    _, repository, base = _issue_on_main(github_world, gh)
    changes: dict[str, bytes | None] = {
        "a.py": b"a = 1\n", ".github/kiln.yml": b"budgets: {tokens: 99999999}\n",
        ".github/workflows/ci.yml": b"on: push\n", "docs/CODEOWNERS": b"* @mallory\n",
        "README.md": None}
    for branch, rules in (("plain", Protection()), ("ci", Protection(allow_workflows=True))):
        Publisher(repository, rules).push(base, branch, changes, "Add a")
        files = github_world.emulator.files(OWNER, REPO, branch)
        assert "a.py" in files and "README.md" not in files
        assert ".github/kiln.yml" not in files and "docs/CODEOWNERS" not in files
        assert (".github/workflows/ci.yml" in files) is rules.allow_workflows


def test_a_new_repository_is_reused_only_when_kiln_made_it_for_this_issue(
        github_world: GitHubWorld, gh: Any) -> None:
    emulator = github_world.emulator
    mark = creation_mark(f"{OWNER}/{REPO}", 7)
    made = create_org_repository(gh, OWNER, "calc-7", "Add a calculator", mark, private=False)
    description = made.gh.rest.repos.get(OWNER, "calc-7").parsed_data.description
    assert description == f"Add a calculator {mark}"
    again = create_org_repository(gh, OWNER, "calc-7", "Add a calculator", mark, private=False)
    assert again.full_name == f"{OWNER}/calc-7"
    emulator.create_repo(OWNER, "calc-8", files={"README.md": "someone else's\n"})
    for name, other in (("calc-8", mark), ("calc-7", creation_mark(f"{OWNER}/{REPO}", 70))):
        with pytest.raises(RepositoryTaken, match=f"{OWNER}/{name} exists"):
            create_org_repository(gh, OWNER, name, "Add a calculator", other, private=False)


@pytest.mark.parametrize("fault", ["502_after_success", "502"])
def test_a_new_repository_is_made_once_whatever_github_answered(
        github_world: GitHubWorld, gh: Any, fault: str) -> None:
    """After a 5xx GitHub may or may not have made the repository: Kiln reads before it
    sends again, and never mistakes its own repository for someone else's."""
    emulator = github_world.emulator
    mark = creation_mark(f"{OWNER}/{REPO}", 9)
    emulator.fail_next("POST", rf"/orgs/{OWNER}/repos$", fault)
    pauses: list[float] = []

    made = create_org_repository(gh, OWNER, "calc-9", "Add a calculator", mark, private=False,
                                 sleep=pauses.append)

    assert made.full_name == f"{OWNER}/calc-9"
    description = gh.rest.repos.get(OWNER, "calc-9").parsed_data.description
    assert description == f"Add a calculator {mark}"
    assert pauses == ([] if fault == "502_after_success" else [1.0])  # sent again only if absent


def test_5xx_answers_and_secondary_rate_limits_are_retried(
        github_world: GitHubWorld, gh: Any) -> None:
    number = github_world.emulator.open_issue(OWNER, REPO, "Add sub", "please", MAINTAINER)
    github_world.emulator.fail_next("POST", rf"/issues/{number}/comments$", "502")
    github_world.emulator.fail_next("POST", rf"/issues/{number}/reactions$",
                                    "secondary_rate_limit")
    conversation = Conversation(gh, OWNER, REPO, number, BOT)
    conversation.post("<!-- m -->", "<!-- m --> hello")
    conversation.react("eyes")
    issue = github_world.emulator.issue(OWNER, REPO, number)
    assert [c.body for c in issue.comments] == ["<!-- m --> hello"]
    assert [r.content for r in issue.reactions] == ["eyes"]


def test_installation_tokens_are_shared_through_redis(
        github_world: GitHubWorld, make_settings: Callable[..., Settings],
        redis_conn: redis.Redis) -> None:
    settings = github_world.settings(make_settings)
    for _ in range(2):  # two worker processes, each with its own clients
        client = GitHubClients(settings, redis_conn).installation(github_world.installation_id)
        with client:
            client.rest.repos.get(OWNER, REPO)
    minted = [r for r in github_world.emulator.requests
              if r.method == "POST" and r.path.endswith("/access_tokens")]
    assert len(minted) == 1


def _open_pull(github_world: GitHubWorld, gh: Any) -> int:
    number, repository, base = _issue_on_main(github_world, gh)
    published = Publisher(repository).pull_request(
        base, "main", _draft(number), {"sub.py": b"def sub(a, b):\n    return a - b\n"},
        CheckResult(True, "1 passed", ""))
    assert published.pull_number is not None
    return published.pull_number


def test_a_review_becomes_feedback_with_paths_lines_and_comment_ids(
        github_world: GitHubWorld, gh: Any) -> None:
    pull = _open_pull(github_world, gh)
    review_id = github_world.emulator.submit_review(
        OWNER, REPO, pull, MAINTAINER, body="Close, but:",
        comments=[{"path": "sub.py", "line": 2, "body": "Handle floats."}])
    (line_comment,) = github_world.emulator.review_comments(OWNER, REPO, pull)
    feedback = collect_feedback(gh, OWNER, REPO, pull, review_id, None, BOT)
    assert feedback == (Feedback("Close, but:"),
                        Feedback("Handle floats.", "sub.py", 2, line_comment.id))


def test_a_mention_in_the_conversation_becomes_one_instruction(
        github_world: GitHubWorld, gh: Any) -> None:
    pull = _open_pull(github_world, gh)
    comment_id = github_world.emulator.comment(OWNER, REPO, pull, "@kiln add a docstring",
                                               MAINTAINER)
    assert collect_feedback(gh, OWNER, REPO, pull, None, comment_id, BOT) == (
        Feedback("@kiln add a docstring"),)


def test_a_post_answered_502_is_never_resent_by_the_client_but_a_get_is(
        github_world: GitHubWorld, gh: Any) -> None:
    number = github_world.emulator.open_issue(OWNER, REPO, "Add sub", "please", MAINTAINER)
    github_world.emulator.fail_next("POST", rf"/issues/{number}/comments$", "502_after_success")
    github_world.emulator.fail_next("GET", rf"/issues/{number}$", "502")

    with pytest.raises(RequestFailed):
        gh.rest.issues.create_comment(OWNER, REPO, number, body="once")
    assert gh.rest.issues.get(OWNER, REPO, number).parsed_data.number == number

    posts = [r for r in github_world.emulator.requests
             if r.method == "POST" and r.path.endswith(f"/issues/{number}/comments")]
    assert len(posts) == 1 and len(github_world.emulator.issue(OWNER, REPO, number).comments) == 1
