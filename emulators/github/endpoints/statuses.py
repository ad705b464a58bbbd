"""Commit statuses: what an external CI posts on a commit, and the combined state."""

from __future__ import annotations

from emulators.github import shapes
from emulators.github.ci import ci_of, combined_state, latest_statuses, report_status
from emulators.github.errors import invalid, not_found
from emulators.github.operations import resolve
from emulators.github.routing import Call, Reply, Route

STATES = ("error", "failure", "pending", "success")


def create_status(call: Call) -> Reply:
    call.require("statuses", "write")
    repo = call.repo()
    sha = call.params["sha"]
    if not repo.git.has(sha, "commit"):
        raise invalid(f"No commit found for SHA: {sha}")
    state = call.field("state", required=True)
    if state not in STATES:
        raise invalid("Validation Failed", "Status", "state")
    made, webhooks = report_status(call.state, call.webhooks, repo, sha,
                                   str(call.field("context", "default")), state,
                                   call.field("description"), call.caller.login)
    call.events += webhooks
    return Reply(201, shapes.status(call.state, repo, made))


def combined_status(call: Call) -> Reply:
    call.require("statuses")
    repo = call.repo()
    sha = resolve(repo, call.params["ref"])
    if sha is None:
        raise not_found()
    given = [s for s in ci_of(call.state, repo).statuses if s.sha == sha]
    latest = latest_statuses(given)
    return Reply(200, shapes.combined_status(call.state, repo, sha, combined_state(given),
                                             latest))


ROUTES = [
    Route("POST", "/repos/{owner}/{repo}/statuses/{sha}", create_status),
    Route("GET", "/repos/{owner}/{repo}/commits/{ref:path}/status", combined_status),
]
