"""Installation changes: nothing to queue, but worth a line in the log."""

from __future__ import annotations

from bot.decisions import Decision, Noted
from bot.delivery import Delivery
from bot.handlers import EventKey, Handler
from kiln.settings import Settings

INSTALLATION_ACTIONS = ("created", "deleted", "suspend", "unsuspend", "new_permissions_accepted")
REPOSITORIES_ACTIONS = ("added", "removed")


def on_installation(delivery: Delivery, settings: Settings) -> Decision:
    """Note who installed, removed or suspended the App."""
    account = delivery.optional(str, "installation", "account", "login") or "unknown account"
    return Noted(f"installation {delivery.action} by {account}")


def on_repositories(delivery: Delivery, settings: Settings) -> Decision:
    """Note how many repositories an installation gained or lost."""
    changed = delivery.payload.get(f"repositories_{delivery.action}")
    count = len(changed) if isinstance(changed, list) else 0
    account = delivery.optional(str, "installation", "account", "login") or "unknown account"
    return Noted(f"{count} repositories {delivery.action} for {account}")


HANDLERS: dict[EventKey, Handler] = {
    **{("installation", action): on_installation for action in INSTALLATION_ACTIONS},
    **{("installation_repositories", action): on_repositories for action in REPOSITORIES_ACTIONS},
}
