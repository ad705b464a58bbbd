"""CI results on Kiln's branches: another app's check run, check suite or workflow run ended ->
a CI job that looks at the head's checks (the worker decides whether Kiln follows it)."""

from __future__ import annotations

from bot.decisions import Decision, Ignored, JobRequest
from bot.delivery import Delivery
from bot.handlers import EventKey, Handler
from kiln.jobs import CiJob
from kiln.settings import Settings

KILN_BRANCH_PREFIX = "kiln/"
CI_EVENTS = frozenset({"check_run", "check_suite", "workflow_run"})
"""Events that report other apps' work on a commit. Their sender is whoever caused the run (often
a bot: Kiln itself, for its own push), never someone asking Kiln for anything, so the router
lets bot senders through for these alone."""

# Where each event keeps the commit, its branch and the reporting app.
PATHS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...] | None]] = {
    "check_run": (("check_run", "head_sha"), ("check_run", "check_suite", "head_branch"),
                  ("check_run", "app", "slug")),
    "check_suite": (("check_suite", "head_sha"), ("check_suite", "head_branch"),
                    ("check_suite", "app", "slug")),
    "workflow_run": (("workflow_run", "head_sha"), ("workflow_run", "head_branch"), None),
}


def on_completed(delivery: Delivery, settings: Settings) -> Decision:
    """A check on a Kiln branch ended; Kiln's own check run (its sandbox result) is not CI."""
    sha_path, branch_path, app_path = PATHS[delivery.event]
    branch = delivery.optional(str, *branch_path)
    if branch is None or not branch.startswith(KILN_BRANCH_PREFIX):
        return Ignored("not a Kiln branch")
    if app_path is not None and delivery.optional(str, *app_path) == settings.github_app_slug:
        return Ignored("Kiln's own check")
    job = CiJob(**delivery.repo_fields(), branch=branch,
                head_sha=delivery.get(str, *sha_path))
    return JobRequest(job, f"ci-{delivery.id}")


HANDLERS: dict[EventKey, Handler] = {(event, "completed"): on_completed for event in CI_EVENTS}
