"""Issue endpoints: issues, their comments, labels and reactions."""

from __future__ import annotations

from typing import Any

from emulators.github import shapes
from emulators.github.errors import ApiError, invalid, not_found
from emulators.github.operations import add_comment, add_labels, find_comment, react
from emulators.github.pagination import paginate
from emulators.github.records import Comment, Issue, Label, Repo
from emulators.github.routing import Call, Reply, Route
from emulators.github.textlimits import BODY_CHARS, TITLE_CHARS, check_comment, check_text


def issue_event(
    call: Call, repo: Repo, issue: Issue, action: str, extra: dict[str, Any] | None = None
) -> None:
    """``issues`` webhook for an issue, ``pull_request`` for a pull request, as GitHub sends."""
    event = "issues" if issue.pull is None else "pull_request"
    fields = shapes.subject_fields(call.state, repo, issue)
    call.emit(repo, event, action, fields | (extra or {}))


def _label_event(call: Call, repo: Repo, issue: Issue, action: str, label: Label) -> None:
    issue_event(call, repo, issue, action, {"label": shapes.label(call.state, repo, label)})


def get_issue(call: Call) -> Reply:
    repo = call.repo()
    return Reply(200, shapes.issue(call.state, repo, call.state.issue(repo, call.number())))


def update_issue(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.issue(repo, call.number())
    changes = _apply_issue_changes(call, issue)
    if "title" in changes or "body" in changes:
        issue_event(call, repo, issue, "edited", {"changes": changes})
    if "state" in changes:
        issue_event(call, repo, issue, "closed" if issue.state == "closed" else "reopened")
    if "labels" in (call.body or {}):
        issue.labels = []
        for label in add_labels(call.state, repo, issue, list(call.field("labels"))):
            _label_event(call, repo, issue, "labeled", label)
    return Reply(200, shapes.issue(call.state, repo, issue))


def text_changes(call: Call, issue: Issue) -> dict[str, Any]:
    """Apply a new title or body (issue or pull request); the changes in webhook form."""
    changes: dict[str, Any] = {}
    check_text("Issue", "title", call.field("title"), TITLE_CHARS)
    check_text("Issue", "body", call.field("body"), BODY_CHARS)
    for name in ("title", "body"):
        value = call.field(name, getattr(issue, name))
        if value != getattr(issue, name):
            changes[name] = {"from": getattr(issue, name)}
            setattr(issue, name, value)
    return changes


def _apply_issue_changes(call: Call, issue: Issue) -> dict[str, Any]:
    changes = text_changes(call, issue)
    state = call.field("state", issue.state)
    if state not in ("open", "closed"):
        raise invalid("Validation Failed", "Issue", "state")
    if state != issue.state:
        changes["state"] = {"from": issue.state}
        issue.state = state
        issue.closed_at = call.state.now() if state == "closed" else None
        issue.state_reason = call.field("state_reason", "completed") if state == "closed" else None
    issue.updated_at = call.state.now()
    return changes


def list_comments(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.issue(repo, call.number())
    shaped = [shapes.comment(call.state, repo, issue, c) for c in issue.comments]
    return paginate(shaped, call.query, call.url)


def create_comment(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.issue(repo, call.number())
    body = call.field("body", required=True)
    check_comment(body)
    comment = add_comment(call.state, issue, call.caller.login, str(body))
    _comment_event(call, repo, issue, comment, "created")
    return Reply(201, shapes.comment(call.state, repo, issue, comment))


def _comment_event(
    call: Call,
    repo: Repo,
    issue: Issue,
    comment: Comment,
    action: str,
    extra: dict[str, Any] | None = None,
) -> None:
    fields = shapes.comment_fields(call.state, repo, issue, comment)
    call.emit(repo, "issue_comment", action, fields | (extra or {}))


def _comment(call: Call) -> tuple[Repo, Issue, Comment]:
    repo = call.repo()
    found = find_comment(repo, call.number("comment_id"))
    if found is None:
        raise not_found()
    return repo, *found


def get_comment(call: Call) -> Reply:
    repo, issue, comment = _comment(call)
    return Reply(200, shapes.comment(call.state, repo, issue, comment))


def update_comment(call: Call) -> Reply:
    repo, issue, comment = _comment(call)
    old = comment.body
    body = call.field("body", required=True)
    check_comment(body)
    comment.body = str(body)
    comment.updated_at = call.state.now()
    if old != comment.body:
        _comment_event(call, repo, issue, comment, "edited", {"changes": {"body": {"from": old}}})
    return Reply(200, shapes.comment(call.state, repo, issue, comment))


def add_issue_labels(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.issue(repo, call.number())
    names = call.body.get("labels") if isinstance(call.body, dict) else call.body
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise invalid("Invalid request.\n\nFor 'links/0/schema', nil is not an array.")
    for label in add_labels(call.state, repo, issue, names):
        _label_event(call, repo, issue, "labeled", label)
    return Reply(200, shapes.labels(call.state, repo, issue))


def remove_issue_label(call: Call) -> Reply:
    repo = call.repo()
    issue = call.state.issue(repo, call.number())
    name = call.params["name"]
    present = next((n for n in issue.labels if n.lower() == name.lower()), None)
    if present is None:
        raise ApiError(404, "Label does not exist")
    issue.labels.remove(present)
    label: Label = repo.labels[present.lower()]
    _label_event(call, repo, issue, "unlabeled", label)
    return Reply(200, shapes.labels(call.state, repo, issue))


def _react(call: Call, reactions: list[Any]) -> Reply:
    content = call.field("content", required=True)
    if content not in shapes.REACTION_NAMES:
        raise invalid("Validation Failed", "Reaction", "content")
    reaction, created = react(call.state, reactions, call.caller.login, content)
    return Reply(201 if created else 200, shapes.reaction(call.state, reaction))


def create_issue_reaction(call: Call) -> Reply:
    return _react(call, call.state.issue(call.repo(), call.number()).reactions)


def list_issue_reactions(call: Call) -> Reply:
    issue = call.state.issue(call.repo(), call.number())
    return paginate([shapes.reaction(call.state, r) for r in issue.reactions], call.query, call.url)


def create_comment_reaction(call: Call) -> Reply:
    return _react(call, _comment(call)[2].reactions)


ISSUE = "/repos/{owner}/{repo}/issues/{number}"
COMMENT = "/repos/{owner}/{repo}/issues/comments/{comment_id}"
ROUTES = [
    Route("GET", ISSUE, get_issue),
    Route("PATCH", ISSUE, update_issue),
    Route("GET", ISSUE + "/comments", list_comments),
    Route("POST", ISSUE + "/comments", create_comment),
    Route("GET", COMMENT, get_comment),
    Route("PATCH", COMMENT, update_comment),
    Route("POST", COMMENT + "/reactions", create_comment_reaction),
    Route("POST", ISSUE + "/labels", add_issue_labels),
    Route("DELETE", ISSUE + "/labels/{name}", remove_issue_label),
    Route("POST", ISSUE + "/reactions", create_issue_reaction),
    Route("GET", ISSUE + "/reactions", list_issue_reactions),
]
