"""Handlers: small functions, one feature per module, that turn a delivery into a decision."""

from __future__ import annotations

from collections.abc import Callable

from bot.decisions import Decision
from bot.delivery import Delivery
from kiln.settings import Settings

Handler = Callable[[Delivery, Settings], Decision]
"""Decides about one delivery; pure: reads the payload and settings, touches nothing else."""

EventKey = tuple[str, str | None]
"""(event, action); action is None for events without one, such as ping."""
