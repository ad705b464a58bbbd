"""Who may start or steer Kiln on a thread, and the one reply everyone else gets."""

from __future__ import annotations

from typing import Any

from githubkit import GitHub

from worker.github.authorization import is_authorized
from worker.thread import messages
from worker.thread.conversation import Conversation


def admitted(gh: GitHub[Any], conversation: Conversation, sender: str, trigger_label: str) -> bool:
    """Whether `sender` may steer Kiln here; if not, they are told so, once."""
    if is_authorized(gh, conversation.owner, conversation.repo, sender):
        return True
    marker = messages.UNAUTHORIZED_MARKER.format(login=sender)
    conversation.post_once(marker, messages.UNAUTHORIZED.format(
        marker=marker, login=sender, label=trigger_label))
    return False
