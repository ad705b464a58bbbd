"""A thread's outbox: what Kiln must still say on an issue or pull request, kept in Redis until
GitHub takes it, one entry per idempotency key (only the latest text of a key matters)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

import redis

OUTBOX_KEY = "kiln:outbox:{owner}/{repo}#{number}"

# Delete an entry only if it is still the one that was read: a newer text put under the
# same key meanwhile (a later progress edit) stays to be delivered in its turn.
_REMOVE = """
if redis.call('hget', KEYS[1], ARGV[1]) == ARGV[2] then
    return redis.call('hdel', KEYS[1], ARGV[1])
end
return 0
"""


class Kind(StrEnum):
    """What an entry does on the thread."""

    COMMENT = "comment"  # post or edit the comment carrying the key's marker
    LABEL = "label"  # add a label, take others off
    REACTION = "reaction"  # react to the issue or pull request


@dataclass(frozen=True)
class Entry:
    """One thing to say on GitHub. `key` makes it idempotent: the comment's marker, the
    outcome label, the reaction; `job_id` is the job whose thread it speaks for."""

    key: str
    kind: Kind
    text: str
    job_id: str
    remove: tuple[str, ...] = ()

    @classmethod
    def comment(cls, marker: str, body: str, job_id: str) -> Entry:
        """Post or edit the comment carrying `marker` (which `body` contains)."""
        return cls(marker, Kind.COMMENT, body, job_id)

    @classmethod
    def reaction(cls, content: str, job_id: str) -> Entry:
        return cls(f"reaction:{content}", Kind.REACTION, content, job_id)

    @classmethod
    def label(cls, add: str, remove: tuple[str, ...], job_id: str) -> Entry:
        """The outcome label: one per thread, the latest wins."""
        return cls("label", Kind.LABEL, add, job_id, remove)


@dataclass(frozen=True)
class Pending:
    """An entry waiting in the outbox: in order of `seq`, not before `due`, tried `tries`
    times since `since` (epoch seconds)."""

    entry: Entry
    seq: int
    since: float
    due: float
    tries: int = 0

    def encode(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def decode(raw: bytes | str) -> Pending:
    fields: dict[str, Any] = json.loads(raw)
    entry = fields.pop("entry")
    entry["kind"], entry["remove"] = Kind(entry["kind"]), tuple(entry["remove"])
    return Pending(Entry(**entry), **fields)


class Outbox:
    """The pending entries of one thread, in Redis (so a worker's restart loses none)."""

    def __init__(self, client: redis.Redis, owner: str, repo: str, number: int) -> None:
        self._redis = client
        self.key = OUTBOX_KEY.format(owner=owner.lower(), repo=repo.lower(), number=number)

    def put(self, entry: Entry, now: float) -> None:
        """Queue `entry` last, replacing any pending text of its key (keeping that one's wait
        and age: a newer progress text does not jump a back-off or reset the horizon)."""
        seq = int(self._redis.incr(f"{self.key}:seq"))
        old = self.get(entry.key)
        pending = (replace(old, entry=entry, seq=seq) if old is not None
                   else Pending(entry, seq, since=now, due=now))
        self._redis.hset(self.key, entry.key, pending.encode())

    def get(self, key: str) -> Pending | None:
        raw: Any = self._redis.hget(self.key, key)
        return decode(raw) if raw is not None else None

    def pending(self) -> list[Pending]:
        """Every waiting entry, oldest put first."""
        raw: dict[Any, Any] = self._redis.hgetall(self.key)
        return sorted((decode(value) for value in raw.values()), key=lambda p: p.seq)

    def remove(self, pending: Pending) -> None:
        """Take `pending` out (delivered, superseded, refused for good or past the horizon),
        unless a newer text of its key came meanwhile: that one waits its turn."""
        self._redis.eval(_REMOVE, 1, self.key, pending.entry.key, pending.encode())

    def defer(self, pending: Pending, due: float) -> None:
        """Try `pending` again at `due`, one more try counted (a newer text keeps the wait)."""
        current = self.get(pending.entry.key)
        if current is not None:
            later = replace(current, due=due, tries=current.tries + 1)
            self._redis.hset(self.key, pending.entry.key, later.encode())
