"""Routing: find the handlers registered for a delivery's (event, action) and ask them."""

from __future__ import annotations

from collections.abc import Mapping

from bot.decisions import Decision, Ignored
from bot.delivery import Delivery
from bot.handlers import EventKey, Handler
from bot.handlers.checks import CI_EVENTS
from kiln.settings import Settings

MAX_NAME_IN_REASON = 64


class Router:
    """Turns a delivery into a decision using a table of handlers; pure, no I/O."""

    def __init__(self, settings: Settings, handlers: Mapping[EventKey, tuple[Handler, ...]]):
        self._settings = settings
        self._handlers = handlers

    def route(self, delivery: Delivery) -> Decision:
        """The first non-ignoring handler's decision, or why every handler ignored it."""
        handlers = self._handlers.get((delivery.event, delivery.action))
        if not handlers:
            name = f"{delivery.event}.{delivery.action}"[:MAX_NAME_IN_REASON]
            return Ignored(f"no handler for {name}")
        # Kiln's own comments would otherwise trigger Kiln again. CI results name whoever
        # caused the run, often a bot, and ask Kiln for nothing (`bot.handlers.checks`).
        if delivery.sender_is_bot and delivery.event not in CI_EVENTS:
            return Ignored("sender is a bot")
        reasons = []
        for handler in handlers:
            decision = handler(delivery, self._settings)
            if not isinstance(decision, Ignored):
                return decision
            reasons.append(decision.reason)
        return Ignored("; ".join(reasons))
