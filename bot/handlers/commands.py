"""Comment commands: ``/kiln retry``, ``cancel``, ``status``, ``help`` (and anything else)."""

from __future__ import annotations

from bot.decisions import Decision, Ignored, JobRequest
from bot.delivery import Delivery
from bot.handlers import EventKey, Handler
from bot.handlers.notices import is_outsider, refusal
from kiln.jobs import CommandJob
from kiln.settings import Settings
from kiln.states import Command

MAX_NAME_LENGTH = 40


def command_name(body: str, slug: str) -> str | None:
    """The word after ``/<slug>`` when the comment starts with it, else None; a bare
    ``/<slug>`` asks for help (the worker answers every unknown word with help too)."""
    words = body.lstrip().split(None, 2)
    if not words or words[0].casefold() != f"/{slug}".casefold():
        return None
    return words[1].casefold()[:MAX_NAME_LENGTH] if len(words) > 1 else Command.HELP.value


def on_comment_created(delivery: Delivery, settings: Settings) -> Decision:
    """``issue_comment.created`` starting with ``/kiln`` -> that command's job (an outsider's:
    the polite refusal)."""
    name = command_name(delivery.optional(str, "comment", "body") or "", settings.github_app_slug)
    if name is None:
        return Ignored("not a command")
    comment_id = delivery.get(int, "comment", "id")
    number = delivery.get(int, "issue", "number")
    is_pull_request = delivery.has("issue", "pull_request")
    if is_outsider(delivery.optional(str, "comment", "author_association")):
        return refusal(delivery, number, is_pull_request, comment_id)
    job = CommandJob(**delivery.repo_fields(), number=number, is_pull_request=is_pull_request,
                     name=name, comment_id=comment_id)
    return JobRequest(job, f"command-{comment_id}")


HANDLERS: dict[EventKey, Handler] = {("issue_comment", "created"): on_comment_created}
