"""Revisions: review feedback or an ``@kiln`` mention on a Kiln pull request -> a revise job."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.decisions import Decision, Ignored, JobRequest
from bot.delivery import Delivery
from bot.handlers import EventKey, Handler
from bot.handlers.notices import is_outsider, refusal
from kiln.jobs import ReviseJob
from kiln.settings import Settings

CHANGES_REQUESTED = "changes_requested"


@lru_cache(maxsize=8)
def _mention_pattern(mention: str) -> re.Pattern[str]:
    # "@kiln" alone, not "@kiln-dev" or "me@kiln.example".
    return re.compile(rf"(?<![\w@.-]){re.escape(mention)}(?![\w-])", re.IGNORECASE)


def mentions(body: str | None, mention: str) -> bool:
    """Whether ``body`` addresses ``mention`` (e.g. ``@kiln``) as a whole handle."""
    return body is not None and _mention_pattern(mention).search(body) is not None


def _revise(
    delivery: Delivery, pull_number: int, review_id: int | None, comment_id: int | None,
    association: str | None,
) -> JobRequest:
    # An outsider's request never reaches the build queue: only the polite reply is queued.
    if is_outsider(association):
        return refusal(delivery, pull_number, True, comment_id)
    job = ReviseJob(**delivery.repo_fields(), pull_number=pull_number, review_id=review_id,
                    comment_id=comment_id)
    if review_id is None:
        return JobRequest(job, f"revise-comment-{comment_id}")
    # A review's comments arrive as separate deliveries; all of them share one job.
    return JobRequest(job, f"revise-review-{review_id}", once_key=f"review:{review_id}")


def _kiln_pull_request(delivery: Delivery, settings: Settings) -> bool:
    return delivery.optional(str, "pull_request", "user", "login") == settings.bot_login


def on_issue_comment(delivery: Delivery, settings: Settings) -> Decision:
    """A comment mentioning ``@kiln`` on a Kiln pull request's conversation."""
    on_kiln_pr = delivery.has("issue", "pull_request") and (
        delivery.optional(str, "issue", "user", "login") == settings.bot_login
    )
    if not on_kiln_pr:
        return Ignored("not a Kiln pull request")
    if not mentions(delivery.optional(str, "comment", "body"), settings.mention):
        return Ignored(f"no {settings.mention} mention")
    return _revise(delivery, delivery.get(int, "issue", "number"), None,
                   delivery.get(int, "comment", "id"),
                   delivery.optional(str, "comment", "author_association"))


def on_review_submitted(delivery: Delivery, settings: Settings) -> Decision:
    """A review on a Kiln pull request that requests changes or mentions ``@kiln``."""
    if not _kiln_pull_request(delivery, settings):
        return Ignored("not a Kiln pull request")
    state = (delivery.optional(str, "review", "state") or "").casefold()
    body = delivery.optional(str, "review", "body")
    if state != CHANGES_REQUESTED and not mentions(body, settings.mention):
        return Ignored(f"review neither requests changes nor mentions {settings.mention}")
    return _revise(delivery, delivery.get(int, "pull_request", "number"),
                   delivery.get(int, "review", "id"), None,
                   delivery.optional(str, "review", "author_association"))


def on_review_comment(delivery: Delivery, settings: Settings) -> Decision:
    """A review comment mentioning ``@kiln`` on a Kiln pull request."""
    if not _kiln_pull_request(delivery, settings):
        return Ignored("not a Kiln pull request")
    if not mentions(delivery.optional(str, "comment", "body"), settings.mention):
        return Ignored(f"no {settings.mention} mention")
    return _revise(delivery, delivery.get(int, "pull_request", "number"),
                   delivery.optional(int, "comment", "pull_request_review_id"),
                   delivery.get(int, "comment", "id"),
                   delivery.optional(str, "comment", "author_association"))


HANDLERS: dict[EventKey, Handler] = {
    ("issue_comment", "created"): on_issue_comment,
    ("pull_request_review", "submitted"): on_review_submitted,
    ("pull_request_review_comment", "created"): on_review_comment,
}
