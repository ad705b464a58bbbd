"""Notices: replies the web side already decided on, posted once by the command worker."""

from __future__ import annotations

from kiln.jobs import Notice
from worker.thread import messages
from worker.thread.conversation import Conversation

BUILDS_FROM_ISSUES_MARKER = "<!-- kiln:builds-from-issues -->"
BUILDS_FROM_ISSUES = (
    "{marker}\nHi @{login}! Kiln builds from issues, so the `{label}` label does nothing on "
    "this pull request. Add it to an issue that describes the change instead; Kiln then opens "
    "a pull request of its own, which reviews and `@kiln` comments steer."
)


def notice_reply(notice: str, login: str, trigger_label: str) -> tuple[str, str] | None:
    """The (marker, body) a notice posts; None for a notice this Kiln does not know (one
    queued by a newer Kiln during a deploy), which is better left unsaid than guessed."""
    if notice == Notice.UNAUTHORIZED:
        # The worker's own refusal uses the same marker: one reply per user, whoever decided.
        marker = messages.UNAUTHORIZED_MARKER.format(login=login)
        return marker, messages.UNAUTHORIZED.format(marker=marker, login=login,
                                                    label=trigger_label)
    if notice == Notice.BUILDS_FROM_ISSUES:
        return BUILDS_FROM_ISSUES_MARKER, BUILDS_FROM_ISSUES.format(
            marker=BUILDS_FROM_ISSUES_MARKER, login=login, label=trigger_label)
    return None


def post_notice(conversation: Conversation, notice: str, login: str, trigger_label: str) -> None:
    """Post the notice on the thread unless Kiln already did."""
    reply = notice_reply(notice, login, trigger_label)
    if reply is not None:
        conversation.post_once(*reply)
