"""The trigger: an issue labelled with the trigger label becomes a build job."""

from __future__ import annotations

from bot.decisions import Decision, Ignored, JobRequest
from bot.delivery import Delivery
from bot.handlers import EventKey, Handler
from kiln.jobs import BuildJob, text_digest
from kiln.settings import Settings


def is_trigger(label: str | None, trigger_label: str) -> bool:
    """Whether a label is the trigger label; GitHub treats label names case-insensitively."""
    return (label or "").casefold() == trigger_label.casefold()


def on_issue_labeled(delivery: Delivery, settings: Settings) -> Decision:
    """``issues.labeled`` with the trigger label on an open issue -> build that issue."""
    if not is_trigger(delivery.optional(str, "label", "name"), settings.trigger_label):
        return Ignored("not the trigger label")
    if delivery.optional(str, "issue", "state") == "closed":
        return Ignored("issue is closed")
    # The text the labeller saw: someone without write access may edit it before the build.
    digest = text_digest(delivery.optional(str, "issue", "title") or "",
                         delivery.optional(str, "issue", "body"))
    job = BuildJob(**delivery.repo_fields(), issue_number=delivery.get(int, "issue", "number"),
                   issue_digest=digest)
    return JobRequest(job, f"build-{delivery.id}")


HANDLERS: dict[EventKey, Handler] = {("issues", "labeled"): on_issue_labeled}
