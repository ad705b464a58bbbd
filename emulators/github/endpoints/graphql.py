"""``POST /graphql``: the one mutation Kiln needs that REST lacks, and a loud no to the rest.

GitHub's REST API can open a draft pull request but cannot mark it ready for review; only
GraphQL's ``markPullRequestReadyForReview`` can. The emulator answers that mutation as
GitHub does (data, errors and the ``ready_for_review`` webhook) and any other document
with a GraphQL error naming what it does not implement, so a new query fails its test.
"""

from __future__ import annotations

import re
from typing import Any

from emulators.github import shapes
from emulators.github.auth import can_reach, require_installation
from emulators.github.endpoints.issues import issue_event
from emulators.github.records import Issue, Repo
from emulators.github.routing import Call, Reply, Route

READY = re.compile(
    r"^\s*mutation\b[^{]*\{\s*(?:(\w+)\s*:\s*)?markPullRequestReadyForReview\s*"
    r"\(\s*input\s*:\s*\{\s*pullRequestId\s*:\s*\$(\w+)\s*\}\s*\)\s*"
    r"\{\s*pullRequest\s*\{([\w\s]*)\}\s*\}\s*\}\s*$"
)
FIELDS = {"isDraft", "number", "id", "url"}


def graphql(call: Call) -> Reply:
    require_installation(call.caller)
    query = str(call.field("query", required=True))
    match = READY.match(query)
    if match is None:
        return _error("NOT_IMPLEMENTED", "the emulator implements only "
                      "markPullRequestReadyForReview(input: {pullRequestId: $id}) "
                      "{ pullRequest { isDraft number id url } }")
    alias, variable, selection = match.groups()
    fields = selection.split()
    if not fields or not set(fields) <= FIELDS:
        return _error("NOT_IMPLEMENTED", f"fields of PullRequest beyond {sorted(FIELDS)}")
    pull_id = (call.field("variables") or {}).get(variable)
    found = _pull_by_node_id(call, pull_id)
    if found is None:
        return _error("NOT_FOUND", f"Could not resolve to a node with the global id of "
                      f"'{pull_id}'", alias or "markPullRequestReadyForReview")
    repo, issue = found
    _mark_ready(call, repo, issue)
    url = shapes.pull_html(call.state, repo, issue.number)
    values = {"isDraft": False, "number": issue.number, "id": pull_id, "url": url}
    result = {"pullRequest": {name: values[name] for name in fields}}
    return Reply(200, {"data": {alias or "markPullRequestReadyForReview": result}})


def _pull_by_node_id(call: Call, pull_id: Any) -> tuple[Repo, Issue] | None:
    for repo in call.state.repos.values():
        if not can_reach(call.caller, repo):
            continue
        for issue in repo.issues.values():
            if issue.pull is not None and shapes.node_id("PR", issue.pull_id) == pull_id:
                return repo, issue
    return None


def _mark_ready(call: Call, repo: Repo, issue: Issue) -> None:
    assert issue.pull is not None
    if issue.pull.draft:
        issue.pull.draft = False
        issue.updated_at = call.state.now()
        issue_event(call, repo, issue, "ready_for_review")


def _error(kind: str, message: str, path: str | None = None) -> Reply:
    error: dict[str, Any] = {"type": kind, "message": message}
    body: dict[str, Any] = {"errors": [error]}
    if path is not None:
        error["path"] = [path]
        body["data"] = {path: None}
    return Reply(200, body)


ROUTES = [Route("POST", "/graphql", graphql)]
