"""Publishing a build: one commit on a branch with a pull request, or a new repository."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from githubkit import GitHub
from githubkit.exception import RequestFailed

from worker.builder.protected import Protection, split_protected
from worker.github.ambiguity import already_exists, exactly_once
from worker.github.limits import CHECK_TITLE_CHARS, fit_body, fit_check_text, fit_title
from worker.github.provenance import RepositoryTaken, description_for, made_for
from worker.github.repository import Repository, Snapshot
from worker.thread import messages


@dataclass(frozen=True)
class CheckResult:
    """Kiln's own sandbox test result, for a check run."""

    passed: bool
    summary: str
    details: str


@dataclass(frozen=True)
class PullRequestDraft:
    """What to publish as a pull request."""

    branch: str
    title: str
    body: str
    commit_message: str
    reviewer: str
    draft: bool


@dataclass(frozen=True)
class Publication:
    """Where a build's result went."""

    url: str
    link_text: str
    branch: str
    commit_sha: str | None
    pull_number: int | None = None


# A draft opened for a failing build becomes ready for review once a retry passes.
READY_FOR_REVIEW = """
mutation($id: ID!) {
  markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { isDraft } }
}
"""

class Publisher:
    """Pushes results; each step first looks for what an earlier attempt already made."""

    def __init__(self, repository: Repository, protection: Protection | None = None) -> None:
        self.repository = repository
        self.gh = repository.gh
        self.protection = protection or Protection()

    def push(self, base: Snapshot, branch: str, changes: Mapping[str, bytes | None],
             message: str, modes: Mapping[str, str] | None = None) -> tuple[str, str | None]:
        """Put `changes` (each with its git mode in `modes`) on `base` as one commit on
        `branch`; returns (head, new commit or None). API calls grow with the changed files
        only. Protected paths are dropped here too: whatever the caller missed is never
        pushed."""
        changes, _ = split_protected(changes, self.protection)
        head = self.repository.branch_head(branch)
        parent = head or base.commit_sha
        sha = self.repository.commit(base, parent, changes, message, modes)
        if sha is not None or head is None:
            self.repository.point_branch(branch, sha or parent, exists=head is not None)
        return sha or parent, sha

    def pull_request(self, base: Snapshot, base_branch: str, draft: PullRequestDraft,
                     changes: Mapping[str, bytes | None], check: CheckResult,
                     modes: Mapping[str, str] | None = None,
                     still_ours: Callable[[], None] | None = None) -> Publication:
        """The commit, the pull request (opened once, updated after) and the check run.
        `still_ours` raises when the job lost its thread (a cancel): asked last before the
        pull request is opened."""
        head, new_commit = self.push(base, draft.branch, changes, draft.commit_message, modes)
        if new_commit is not None:
            self.check_run(head, check)
        pull = self._find_pull(draft.branch)
        if pull is None:
            if still_ours is not None:
                still_ours()
            pull = self._open_pull(base_branch, draft)
        else:
            self.gh.rest.pulls.update(self.repository.owner, self.repository.name, pull.number,
                                      title=fit_title(draft.title), body=fit_body(draft.body))
            if pull.draft and not draft.draft:
                # REST opens drafts but cannot end one; only GraphQL can.
                self.gh.graphql.request(READY_FOR_REVIEW, {"id": pull.node_id})
        return Publication(pull.html_url, f"pull request #{pull.number}", draft.branch,
                           new_commit, pull.number)

    def check_run(self, head_sha: str, check: CheckResult) -> None:
        """Kiln's check run on `head_sha`, made once (found again after an ambiguous answer)."""
        exactly_once(lambda: self.gh.rest.checks.create(
            self.repository.owner, self.repository.name, name=messages.CHECK_RUN_NAME,
            head_sha=head_sha, status="completed",
            conclusion="success" if check.passed else "failure",
            output={"title": fit_title(check.summary or messages.NO_TESTS, CHECK_TITLE_CHARS),
                    "summary": fit_check_text(check.summary or messages.NO_TESTS),
                    "text": fit_check_text(f"```\n{check.details}\n```")}).parsed_data.id,
            lambda: self._find_check_run(head_sha))

    def _find_check_run(self, head_sha: str) -> int | None:
        runs = self.gh.rest.checks.list_for_ref(
            self.repository.owner, self.repository.name, head_sha,
            check_name=messages.CHECK_RUN_NAME).parsed_data.check_runs
        return runs[0].id if runs else None

    def _find_pull(self, branch: str) -> Any | None:
        owner, name = self.repository.owner, self.repository.name
        pulls = self.gh.rest.pulls.list(owner, name, head=f"{owner}:{branch}", state="open")
        return next(iter(pulls.parsed_data), None)

    def _open_pull(self, base_branch: str, draft: PullRequestDraft) -> Any:
        owner, name = self.repository.owner, self.repository.name
        # Opened once: after an ambiguous answer or "already exists", the branch's pull request.
        pull = exactly_once(lambda: self.gh.rest.pulls.create(
            owner, name, title=fit_title(draft.title), body=fit_body(draft.body),
            head=draft.branch, base=base_branch, draft=draft.draft).parsed_data,
            lambda: self._find_pull(draft.branch))
        self.gh.rest.pulls.request_reviewers(owner, name, pull.number,
                                             reviewers=[draft.reviewer])
        return pull


def create_org_repository(gh: GitHub[Any], org: str, name: str, title: str, mark: str,
                          private: bool, sleep: Callable[[float], None] = time.sleep,
                          ) -> Repository:
    """Create `org/name` with an initial commit (the Git data API needs one) and `mark` in its
    description, or find the one an earlier attempt (or an ambiguous answer) created: a
    repository of that name without the mark is someone else's (RepositoryTaken)."""
    def send() -> Repository:
        gh.rest.repos.create_in_org(org, name=name, description=description_for(title, mark),
                                    private=private, auto_init=True)
        return Repository(gh, org, name)

    def find() -> Repository | None:
        try:
            found = gh.rest.repos.get(org, name).parsed_data
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return None
            raise
        if not made_for(found.description, mark):
            raise RepositoryTaken(f"{org}/{name}")
        return Repository(gh, org, name)

    try:
        return exactly_once(send, find, sleep)
    except RequestFailed as exc:
        if already_exists(exc):  # there, but not for this installation to see
            raise RepositoryTaken(f"{org}/{name}") from None
        raise


def publish_new_repository(repository: Repository, files: Mapping[str, bytes], message: str,
                           protection: Protection,
                           modes: Mapping[str, str] | None = None) -> Publication:
    """Push the whole tree (each file with its mode in `modes`) as one commit on the new
    repository's default branch."""
    branch = repository.default_branch()
    head = repository.branch_head(branch)
    if head is None:
        raise RuntimeError(f"{repository.full_name} has no {branch} branch to build on")
    base = repository.bare_snapshot(head)
    _, new_commit = Publisher(repository, protection).push(base, branch, dict(files), message,
                                                           modes)
    return Publication(repository.html_url(), repository.full_name, branch, new_commit)
