"""Issues, their comments, labels and reactions, as the issue endpoints show them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from emulators.github.records import Comment, Issue, Label, Reaction, Repo
from emulators.github.shapes.accounts import user
from emulators.github.shapes.apps import via_app
from emulators.github.shapes.ids import node_id
from emulators.github.shapes.urls import issue_api, issue_html, pull_api, pull_html, repo_api
from emulators.github.state import GitHubState

# in the order GitHub lists them in a reaction summary
REACTION_NAMES = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")


def label(state: GitHubState, repo: Repo, label: Label) -> dict[str, Any]:
    return {
        "id": label.id,
        "node_id": node_id("L", label.id),
        "url": f"{repo_api(state, repo)}/labels/{quote(label.name)}",
        "name": label.name,
        "description": label.description,
        "color": label.color,
        "default": False,
        "archived_at": None,
        "archived_by": None,
    }


def labels(state: GitHubState, repo: Repo, issue: Issue) -> list[dict[str, Any]]:
    return [label(state, repo, repo.labels[name.lower()]) for name in issue.labels]


def reactions(url: str, reactions: list[Reaction]) -> dict[str, Any]:
    """The reaction summary of the thing at ``url``."""
    counts = {name: sum(1 for r in reactions if r.content == name) for name in REACTION_NAMES}
    return {"url": f"{url}/reactions", "total_count": len(reactions), **counts}


def reaction(state: GitHubState, reaction: Reaction) -> dict[str, Any]:
    return {
        "id": reaction.id,
        "node_id": node_id("RE", reaction.id),
        "user": user(state, reaction.user),
        "content": reaction.content,
        "created_at": reaction.created_at,
    }


def association(repo: Repo, login: str) -> str:
    """``author_association``: how the author relates to the repository."""
    if login.lower() == repo.owner.lower():
        return "OWNER"
    return "COLLABORATOR" if login in repo.permissions else "NONE"


def conversation(state: GitHubState, repo: Repo, issue: Issue) -> dict[str, Any]:
    """The fields an issue and a pull request share: what was said, by whom, and when."""
    return {
        "state": issue.state,
        "title": issue.title,
        "body": issue.body,
        "user": user(state, issue.user),
        "labels": labels(state, repo, issue),
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "created_at": issue.created_at,
        "updated_at": issue.updated_at,
        "closed_at": issue.closed_at,
        "author_association": association(repo, issue.user),
    }


def issue(state: GitHubState, repo: Repo, issue: Issue) -> dict[str, Any]:
    url = issue_api(state, repo, issue.number)
    shape: dict[str, Any] = {
        "id": issue.id,
        "node_id": node_id("I", issue.id),
        "url": url,
        "repository_url": repo_api(state, repo),
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "timeline_url": f"{url}/timeline",
        "html_url": issue_html(state, repo, issue),
        "number": issue.number,
        **conversation(state, repo, issue),
        "state_reason": issue.state_reason,
        "comments": len(issue.comments),
        "reactions": reactions(url, issue.reactions),
        "performed_via_github_app": via_app(state, issue.user),
    }
    if issue.pull is not None:
        shape["pull_request"] = _pull_link(state, repo, issue)
        shape["draft"] = issue.pull.draft
    return shape


def _pull_link(state: GitHubState, repo: Repo, issue: Issue) -> dict[str, Any]:
    """What marks an issue as a pull request in the issues API."""
    html = pull_html(state, repo, issue.number)
    return {
        "url": pull_api(state, repo, issue.number),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "merged_at": None,
    }


def comment(state: GitHubState, repo: Repo, issue: Issue, comment: Comment) -> dict[str, Any]:
    url = f"{repo_api(state, repo)}/issues/comments/{comment.id}"
    return {
        "id": comment.id,
        "node_id": node_id("IC", comment.id),
        "url": url,
        "html_url": f"{issue_html(state, repo, issue)}#issuecomment-{comment.id}",
        "issue_url": issue_api(state, repo, issue.number),
        "body": comment.body,
        "user": user(state, comment.user),
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "author_association": association(repo, comment.user),
        "reactions": reactions(url, comment.reactions),
        "performed_via_github_app": via_app(state, comment.user),
    }
