"""Missed webhook deliveries: which to ask GitHub for again, and asking, once per delivery.

GitHub never redelivers by itself; it recommends that an App check its delivery log on a
schedule and redeliver what failed. Every attempt at one event shares the event's GUID (the
``X-GitHub-Delivery`` header Kiln dedupes on), and each attempt has its own numeric id, the
one a redelivery is asked for by.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from githubkit import GitHub
from githubkit.exception import GitHubException

log = logging.getLogger(__name__)

# Answers a redelivery can mend: nothing reached Kiln (0), Kiln or a proxy was down or slow.
# Any other 4xx is Kiln refusing the delivery itself (bad signature, malformed), for good.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})
# Attempts at one event (the first delivery and redeliveries) after which Kiln stops asking:
# an event that failed this often needs someone to look at why.
MAX_ATTEMPTS = 4


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt as GitHub's delivery log lists it."""

    id: int
    guid: str
    delivered_at: datetime
    status_code: int  # 0 when GitHub could not connect or timed out


def succeeded(attempt: Attempt) -> bool:
    return 200 <= attempt.status_code < 300


def mendable(attempt: Attempt) -> bool:
    """Whether asking again could go better than this attempt did."""
    code = attempt.status_code
    return code == 0 or code >= 500 or code in RETRYABLE_CLIENT_ERRORS


def missed(attempts: Iterable[Attempt]) -> list[Attempt]:
    """Per event (GUID), its newest attempt, when no attempt succeeded, the newest failed in
    a way a redelivery can mend, and the event has not been tried `MAX_ATTEMPTS` times yet;
    oldest event first."""
    by_guid: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        by_guid.setdefault(attempt.guid, []).append(attempt)
    chosen = [max(tried, key=lambda a: (a.delivered_at, a.id)) for tried in by_guid.values()
              if len(tried) < MAX_ATTEMPTS and not any(succeeded(a) for a in tried)]
    return sorted((a for a in chosen if mendable(a)), key=lambda a: a.delivered_at)


class DeliveryMemory(Protocol):
    """What Kiln knows of a delivery (`worker.state.redelivery.DeliveryLog`)."""

    def received(self, guid: str) -> bool: ...

    def ask_once(self, attempt_id: int) -> bool: ...

    def forget_asking(self, attempt_id: int) -> None: ...


class Redelivery:
    """One pass over the App's delivery log: ask once to redeliver each missed event's newest
    attempt (a redelivery that fails too is a new attempt, asked for by a later pass)."""

    def __init__(self, gh: GitHub[Any], memory: DeliveryMemory, lookback: timedelta,
                 clock: Callable[[], datetime]) -> None:
        self.gh = gh
        self.memory = memory
        self.lookback = lookback
        self.clock = clock

    def run(self) -> list[str]:
        """Ask for each missed event again; the GUIDs asked for."""
        since = self.clock() - self.lookback
        asked = []
        for attempt in missed(self._attempts(since)):
            if self.memory.received(attempt.guid) or not self.memory.ask_once(attempt.id):
                continue  # Kiln has it after all, or a pass asked already (GitHub may not
                # have sent it yet)
            if self._redeliver(attempt):
                asked.append(attempt.guid)
        return asked

    def _attempts(self, since: datetime) -> Iterator[Attempt]:
        """The log newest first, up to the first attempt older than `since`."""
        rest = self.gh.rest
        for item in rest.paginate(rest.apps.list_webhook_deliveries, per_page=100):
            if item.delivered_at < since:
                return
            yield Attempt(item.id, item.guid, item.delivered_at, item.status_code)

    def _redeliver(self, attempt: Attempt) -> bool:
        try:
            self.gh.rest.apps.redeliver_webhook_delivery(attempt.id)
        except GitHubException as exc:
            self.memory.forget_asking(attempt.id)  # the next pass asks again
            log.warning("could not ask GitHub to redeliver %s: %s", attempt.guid, exc)
            return False
        log.info("asked GitHub to redeliver %s (attempt %d, answered %d at %s)", attempt.guid,
                 attempt.id, attempt.status_code, attempt.delivered_at.isoformat())
        return True
