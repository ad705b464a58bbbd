"""The signal that ends a build early, with its reason."""

from __future__ import annotations

from worker.builder.events import StopReason


class Stopped(Exception):
    """Raised where a build cannot go on (a budget spent, the model unreachable, no plan)."""

    def __init__(self, reason: StopReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail
