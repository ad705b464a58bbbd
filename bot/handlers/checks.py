"""CI results on Kiln's branches: another app's check run, check suite or workflow run ended, or
an external CI set a commit status on a branch's head -> a CI job that looks at the head's
checks and statuses (the worker decides whether Kiln follows it)."""

from __future__ import annotations

from typing import Any

from bot.decisions import Decision, Ignored, JobRequest
from bot.delivery import Delivery
from bot.handlers import EventKey, Handler
from kiln.jobs import CiJob
from kiln.settings import Settings

KILN_BRANCH_PREFIX = "kiln/"

# Where each completed-event keeps the commit, its branch and the reporting app.
PATHS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...] | None]] = {
    "check_run": (("check_run", "head_sha"), ("check_run", "check_suite", "head_branch"),
                  ("check_run", "app", "slug")),
    "check_suite": (("check_suite", "head_sha"), ("check_suite", "head_branch"),
                    ("check_suite", "app", "slug")),
    "workflow_run": (("workflow_run", "head_sha"), ("workflow_run", "head_branch"), None),
}

STATUS_EVENT = "status"
FINAL_STATUS_STATES = frozenset({"success", "failure", "error"})
"""A commit status in one of these has ended; ``pending`` has not."""

CI_EVENTS = frozenset({*PATHS, STATUS_EVENT})
"""Events that report other apps' work on a commit. Their sender is whoever caused the run or
posted the status (often a bot: Kiln itself, for its own push; an external CI's account), never
someone asking Kiln for anything, so the router lets bot senders through for these alone."""


def on_completed(delivery: Delivery, settings: Settings) -> Decision:
    """A check on a Kiln branch ended; Kiln's own check run (its sandbox result) is not CI."""
    sha_path, branch_path, app_path = PATHS[delivery.event]
    branch = delivery.optional(str, *branch_path)
    if branch is None or not branch.startswith(KILN_BRANCH_PREFIX):
        return Ignored("not a Kiln branch")
    if app_path is not None and delivery.optional(str, *app_path) == settings.github_app_slug:
        return Ignored("Kiln's own check")
    return ci_job(delivery, branch, delivery.get(str, *sha_path))


def on_status(delivery: Delivery, settings: Settings) -> Decision:
    """An external CI's commit status ended on the head of a Kiln branch. Kiln posts check
    runs, never statuses, so every status is someone else's CI."""
    if delivery.get(str, "state") not in FINAL_STATUS_STATES:
        return Ignored("status still pending")
    sha = delivery.get(str, "sha")
    branch = kiln_branch_at(delivery.optional(list, "branches") or [], sha)
    if branch is None:
        return Ignored("not a Kiln branch")
    return ci_job(delivery, branch, sha)


def kiln_branch_at(branches: list[Any], sha: str) -> str | None:
    """The first Kiln branch whose head is `sha` in a status payload's ``branches`` (GitHub
    lists up to ten branches that contain the commit, at their head or further back)."""
    for branch in branches:
        if not isinstance(branch, dict):
            continue
        name, commit = branch.get("name"), branch.get("commit")
        if (isinstance(name, str) and name.startswith(KILN_BRANCH_PREFIX)
                and isinstance(commit, dict) and commit.get("sha") == sha):
            return name
    return None


def ci_job(delivery: Delivery, branch: str, head_sha: str) -> JobRequest:
    """The look at `head_sha`'s CI, once per delivery."""
    job = CiJob(**delivery.repo_fields(), branch=branch, head_sha=head_sha)
    return JobRequest(job, f"ci-{delivery.id}")


HANDLERS: dict[EventKey, Handler] = {
    **{(event, "completed"): on_completed for event in PATHS},
    (STATUS_EVENT, None): on_status,
}
