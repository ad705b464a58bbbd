"""Delivering a thread's outbox to GitHub: in order, each entry once, waiting out refusals and
outages (a scheduled drain takes over), and giving up only past the horizon."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, cast

from githubkit.exception import RateLimitExceeded, RequestError

from worker.github.ambiguity import ambiguous
from worker.state.lock import IssueLock
from worker.state.outbox import Entry, Kind, Outbox, Pending
from worker.state.records import Records
from worker.thread.conversation import Conversation, Reaction

log = logging.getLogger(__name__)

ScheduleDrain = Callable[[str, datetime], None]
"""Drain the thread's outbox at a time, for the job whose entry waits (RQ's scheduler)."""

# After a rate-limit reset, so the first call falls in the new window.
RESET_MARGIN_SECONDS = 5.0
# Back-off after an outage (5xx, timeout, no connection): doubling from this, up to the cap.
BACKOFF_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 900.0
GAVE_UP = ("GitHub did not take Kiln's report for {hours:g} hours; Kiln gave up posting it "
           "(the state above is final)")


def retry_at(exc: RequestError[Any], tries: int, now: float) -> float | None:
    """When to try an entry again after `exc`: after a rate limit's reset, or backing off
    after an outage; None when trying again cannot help (GitHub refused it for good)."""
    if isinstance(exc, RateLimitExceeded):
        return now + exc.retry_after.total_seconds() + RESET_MARGIN_SECONDS
    if ambiguous(exc):
        return now + min(BACKOFF_SECONDS * 2**tries, BACKOFF_CAP_SECONDS)
    return None


class Courier:
    """Says things on one thread through its outbox: each `send` is kept in Redis first, then
    delivered at once if GitHub takes it, else by a drain scheduled for when it may."""

    def __init__(self, conversation: Conversation, outbox: Outbox, lock: IssueLock,
                 records: Records, schedule: ScheduleDrain, horizon_seconds: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.conversation = conversation
        self.outbox = outbox
        self.lock = lock
        self.records = records
        self.schedule = schedule
        self.horizon = horizon_seconds
        self.clock = clock
        self._comment_ids: dict[str, int] = {}  # marker -> comment, found once per courier

    def send(self, *entries: Entry) -> None:
        """Queue `entries` (after what waits already), then deliver what is due."""
        now = self.clock()
        for entry in entries:
            self.outbox.put(entry, now)
        self.flush()

    def flush(self) -> Pending | None:
        """Deliver the due entries in order, stopping at the first GitHub refuses (what
        follows waits behind it; a drain is scheduled for it); each job's record says when
        its report is due. The entry that waits for a drain already asked for, if any."""
        now, holder, touched = self.clock(), self.lock.holder(), set()
        waiting = None
        for pending in self.outbox.pending():
            touched.add(pending.entry.job_id)
            superseded = holder not in (None, pending.entry.job_id)
            if superseded or now - pending.since > self.horizon:
                self._drop(pending, superseded)
            elif pending.due > now:
                waiting = pending
                break
            elif not self._try(pending, now):
                break
        self._note_due(touched)
        return waiting

    def drain(self) -> None:
        """A scheduled drain: deliver what is due, and when it came early for what waits
        first, ask for another at that entry's time (so a drain is never the last word)."""
        waiting = self.flush()
        if waiting is not None:
            self.schedule(waiting.entry.job_id, datetime.fromtimestamp(waiting.due, UTC))

    def _try(self, pending: Pending, now: float) -> bool:
        try:
            self._deliver(pending.entry)
        except RequestError as exc:
            due = retry_at(exc, pending.tries, now)
            if due is None:
                log.warning("GitHub refused %s on %s for good: %r", pending.entry.key,
                            self.outbox.key, exc)
                self.outbox.remove(pending)
                return True
            self.outbox.defer(pending, due)
            self.schedule(pending.entry.job_id, datetime.fromtimestamp(due, UTC))
            return False
        self.outbox.remove(pending)
        return True

    def _deliver(self, entry: Entry) -> None:
        if entry.kind is Kind.REACTION:
            self.conversation.react(cast(Reaction, entry.text))
        elif entry.kind is Kind.LABEL:
            self.conversation.label(entry.text, remove=entry.remove)
        else:
            self._comment(entry.key, entry.text)

    def _comment(self, marker: str, body: str) -> None:
        if marker not in self._comment_ids:
            existing = self.conversation.find_own(marker)
            if existing is None:
                self._comment_ids[marker] = self.conversation.post(marker, body)
                return
            self._comment_ids[marker] = existing.id
        self.conversation.edit(self._comment_ids[marker], body)

    def _drop(self, pending: Pending, superseded: bool) -> None:
        self.outbox.remove(pending)
        if superseded:
            return  # a newer job speaks on this thread now
        record = self.records.of_job(pending.entry.job_id)
        if record is not None:
            self.records.history.log(record.id, GAVE_UP.format(hours=self.horizon / 3600))

    def _note_due(self, job_ids: Iterable[str]) -> None:
        waiting: dict[str, float] = {}
        for pending in self.outbox.pending():
            job = pending.entry.job_id
            waiting[job] = max(waiting.get(job, 0.0), pending.due)
        for job_id in job_ids:
            record = self.records.of_job(job_id)
            due = waiting.get(job_id)
            if record is not None and record.state.is_final and record.report_due != due:
                self.records.history.update(record.id, report_due=due)
