"""Reviews of a pull request and the comments on lines of its diff."""

from __future__ import annotations

from typing import Any

from emulators.github.records import Issue, Repo, Review, ReviewComment
from emulators.github.shapes.accounts import user
from emulators.github.shapes.ids import node_id
from emulators.github.shapes.issues import association, reactions
from emulators.github.shapes.urls import hrefs, pull_api, pull_html, repo_api
from emulators.github.state import GitHubState


def review(state: GitHubState, repo: Repo, issue: Issue, review: Review) -> dict[str, Any]:
    pull_url = pull_api(state, repo, issue.number)
    html = f"{pull_html(state, repo, issue.number)}#pullrequestreview-{review.id}"
    return {
        "id": review.id,
        "node_id": node_id("PRR", review.id),
        "user": user(state, review.user),
        "body": review.body,
        "state": review.state,
        "html_url": html,
        "pull_request_url": pull_url,
        "_links": hrefs({"html": html, "pull_request": pull_url}),
        "submitted_at": review.submitted_at,
        "commit_id": review.commit_id,
        "author_association": association(repo, review.user),
    }


def review_comment(
    state: GitHubState, repo: Repo, issue: Issue, comment: ReviewComment
) -> dict[str, Any]:
    url = f"{repo_api(state, repo)}/pulls/comments/{comment.id}"
    pull_url = pull_api(state, repo, issue.number)
    html = f"{pull_html(state, repo, issue.number)}#discussion_r{comment.id}"
    shape: dict[str, Any] = {
        "url": url,
        "pull_request_review_id": comment.review_id,
        "id": comment.id,
        "node_id": node_id("PRRC", comment.id),
        **_position(comment),
        "user": user(state, comment.user),
        "body": comment.body,
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": association(repo, comment.user),
        "_links": hrefs({"self": url, "html": html, "pull_request": pull_url}),
        "reactions": reactions(url, []),
    }
    if comment.in_reply_to_id is not None:
        shape["in_reply_to_id"] = comment.in_reply_to_id
    return shape


def _position(comment: ReviewComment) -> dict[str, Any]:
    """Where on the diff the comment sits; the emulator keeps one line, never a range."""
    return {
        "diff_hunk": f"@@ -1 +1 @@ {comment.path}",
        "path": comment.path,
        "position": comment.line,
        "original_position": comment.line,
        "commit_id": comment.commit_id,
        "original_commit_id": comment.commit_id,
        "start_line": None,
        "original_start_line": None,
        "start_side": None,
        "line": comment.line,
        "original_line": comment.line,
        "side": comment.side,
        "subject_type": "line",
    }
