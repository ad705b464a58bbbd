"""The one place the feature modules are joined: (event, action) -> handlers, tried in order."""

from __future__ import annotations

from collections.abc import Mapping

from bot.handlers import (
    EventKey,
    Handler,
    build,
    checks,
    commands,
    installation,
    ping,
    pull_label,
    revise,
)

# Commands before revise: "/kiln status" on a Kiln pull request is a command, not feedback.
FEATURES: tuple[Mapping[EventKey, Handler], ...] = (
    ping.HANDLERS,
    installation.HANDLERS,
    build.HANDLERS,
    commands.HANDLERS,
    revise.HANDLERS,
    pull_label.HANDLERS,
    checks.HANDLERS,
)


def join(features: tuple[Mapping[EventKey, Handler], ...]) -> dict[EventKey, tuple[Handler, ...]]:
    """Merge the feature modules' tables, keeping every handler registered for a key."""
    joined: dict[EventKey, tuple[Handler, ...]] = {}
    for table in features:
        for key, handler in table.items():
            joined[key] = (*joined.get(key, ()), handler)
    return joined


HANDLERS = join(FEATURES)
