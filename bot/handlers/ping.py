"""GitHub's ping, sent when the webhook is created: answer 200 so the hook shows green."""

from __future__ import annotations

from bot.decisions import Decision, Noted
from bot.delivery import Delivery
from bot.handlers import EventKey, Handler
from kiln.settings import Settings


def on_ping(delivery: Delivery, settings: Settings) -> Decision:
    """Acknowledge with 200 and note the hook id."""
    return Noted(f"ping for hook {delivery.optional(int, 'hook_id')}", status=200)


HANDLERS: dict[EventKey, Handler] = {("ping", None): on_ping}
