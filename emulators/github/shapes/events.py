"""The fields webhooks carry about an issue or pull request, beside the common ones."""

from __future__ import annotations

from typing import Any

from emulators.github.records import Comment, Issue, Repo, ReviewComment
from emulators.github.shapes.issues import comment as comment_shape
from emulators.github.shapes.issues import issue as issue_shape
from emulators.github.shapes.pulls import pull
from emulators.github.shapes.reviews import review_comment
from emulators.github.state import GitHubState


def subject_fields(state: GitHubState, repo: Repo, issue: Issue) -> dict[str, Any]:
    """``issue`` for an ``issues`` event, ``number`` and ``pull_request`` for a pull request's."""
    if issue.pull is None:
        return {"issue": issue_shape(state, repo, issue)}
    return {"number": issue.number, "pull_request": pull(state, repo, issue)}


def comment_fields(
    state: GitHubState, repo: Repo, issue: Issue, comment: Comment
) -> dict[str, Any]:
    """An ``issue_comment`` event's fields (pull requests too: their conversation is an issue's)."""
    return {
        "issue": issue_shape(state, repo, issue),
        "comment": comment_shape(state, repo, issue, comment),
    }


def review_comment_fields(
    state: GitHubState, repo: Repo, issue: Issue, comment: ReviewComment
) -> dict[str, Any]:
    return {
        "comment": review_comment(state, repo, issue, comment),
        "pull_request": pull(state, repo, issue, full=False),
    }


def synchronize_fields(state: GitHubState, repo: Repo, issue: Issue, before: str) -> dict[str, Any]:
    """The ``pull_request.synchronize`` fields after the head branch moved from ``before``."""
    assert issue.pull is not None
    return {
        "number": issue.number,
        "before": before,
        "after": issue.pull.head_sha,
        "pull_request": pull(state, repo, issue),
    }
