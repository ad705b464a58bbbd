"""The trigger label on a pull request: a revision on Kiln's own, a pointer to issues elsewhere."""

from __future__ import annotations

from bot.decisions import Decision, Ignored, JobRequest
from bot.delivery import Delivery
from bot.handlers import EventKey, Handler
from bot.handlers.build import is_trigger
from bot.handlers.notices import notice, thread_key
from kiln.jobs import Notice, ReviseJob
from kiln.settings import Settings


def on_pull_request_labeled(delivery: Delivery, settings: Settings) -> Decision:
    """``pull_request.labeled`` with the trigger label on an open pull request.

    On Kiln's own it asks for a revision with no review: the worker revises against the issue
    (or the pull request's own text) as it stands. Elsewhere Kiln says it builds from issues.
    The payload gives no association for the labeller, so the worker checks permission.
    """
    if not is_trigger(delivery.optional(str, "label", "name"), settings.trigger_label):
        return Ignored("not the trigger label")
    if delivery.optional(str, "pull_request", "state") == "closed":
        return Ignored("pull request is closed")
    number = delivery.get(int, "pull_request", "number")
    if delivery.optional(str, "pull_request", "user", "login") == settings.bot_login:
        job = ReviseJob(**delivery.repo_fields(), pull_number=number, review_id=None,
                        comment_id=None)
        return JobRequest(job, f"revise-label-{delivery.id}")
    return notice(delivery, Notice.BUILDS_FROM_ISSUES, number, True, None,
                  f"builds-from-issues:{thread_key(delivery, number)}")


HANDLERS: dict[EventKey, Handler] = {("pull_request", "labeled"): on_pull_request_labeled}
