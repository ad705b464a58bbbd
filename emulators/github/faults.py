"""Faults on demand: the next matching requests fail like GitHub does under load (or, with
``502_after_success``, are carried out and then answered 502, as when GitHub's edge times out on
a request its back end completed)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulators.github.errors import DOCS
from emulators.github.routing import Reply

SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes "
    "before you try again. If you reach out to GitHub Support for help, "
    "please include the request ID."
)


AFTER_SUCCESS = "502_after_success"


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    kind: str
    times: int
    retry_after: int = 1

    @property
    def carried_out(self) -> bool:
        """Whether the request is done before the failure is answered."""
        return self.kind == AFTER_SUCCESS

    def reply(self) -> Reply:
        return _reply(self)


class Faults:
    """A list of armed faults; each matching request uses up one shot."""

    # a secondary rate limit answers 403 or 429, with ``retry-after`` (GitHub's docs)
    KINDS = ("502", "secondary_rate_limit", "secondary_rate_limit_429", AFTER_SUCCESS)

    def __init__(self) -> None:
        self._armed: list[Fault] = []

    def arm(
        self, method: str, path_regex: str, kind: str, times: int, retry_after: int = 1
    ) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown fault {kind!r}; use one of {self.KINDS}")
        fault = Fault(method.upper(), re.compile(path_regex), kind, times, retry_after)
        self._armed.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        for fault in self._armed:
            if fault.times > 0 and fault.method == method and fault.path.search(path):
                fault.times -= 1
                return fault
        return None


def _reply(fault: Fault) -> Reply:
    if fault.kind in ("502", AFTER_SUCCESS):
        return Reply(502, {"message": "Server Error"})
    status = 429 if fault.kind == "secondary_rate_limit_429" else 403
    body = {"message": SECONDARY_RATE_LIMIT, "documentation_url": DOCS}
    return Reply(status, body, {"retry-after": str(fault.retry_after)})
