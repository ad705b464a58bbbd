"""Build history: one Redis record per build, a start-time index, and a log stream per build."""

from __future__ import annotations

import dataclasses
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import redis

from kiln.metrics import SharedMetrics
from kiln.settings import Settings
from kiln.states import BuildState

INDEX_KEY = "kiln:builds"
RECORD_KEY = "kiln:build:{}"
LOG_KEY = "kiln:build:{}:log"
DIFF_KEY = "kiln:build:{}:diff"  # apart from the record: lists of builds never load it
LOG_MAX_LINES = 5_000
DETAIL_MAX_CHARS = 8_000  # a step's output excerpt, as the build page expands it
DIFF_MAX_CHARS = 200_000  # the published change, as the build page shows it
BUILD_ID = re.compile(r"^[0-9a-f]{16}$")
DASHBOARD_PATH = "/builds"


@dataclass(frozen=True)
class BuildRecord:
    """What the dashboard shows about one build or revision."""

    id: str
    repo: str
    number: int
    kind: str
    trigger: str
    job_id: str
    state: BuildState
    started_at: float
    finished_at: float | None = None
    title: str = ""
    plan: str = ""
    iterations: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    tests: str = ""
    stop_reason: str = ""
    outcome_url: str | None = None
    github_calls: int = 0  # REST calls the job made for this build, so far
    # While GitHub refuses (rate limit), the final report waits: when it is due (epoch s).
    report_due: float | None = None

    @property
    def finished(self) -> bool:
        """True once :meth:`BuildHistory.finish` ran: no more log lines or changes follow."""
        return self.finished_at is not None

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish, or None while the build runs."""
        return None if self.finished_at is None else self.finished_at - self.started_at


_FIELDS = {field.name: field for field in dataclasses.fields(BuildRecord)}
_CONVERTERS: dict[str, Any] = {
    "number": int,
    "iterations": int,
    "tokens": int,
    "cost_usd": float,
    "started_at": float,
    "finished_at": float,
    "github_calls": int,
    "report_due": float,
    "state": BuildState,
}
UPDATABLE = frozenset(_FIELDS) - {"id", "repo", "number", "kind", "trigger", "job_id", "started_at"}


class LogLine(NamedTuple):
    """One line of a build's log; ``id`` is its Redis stream entry id, ``detail`` what the
    step printed (an output excerpt, failures first), shown when the line is expanded."""

    id: str
    message: str
    iteration: int | None = None
    detail: str = ""


def _log_line(entry_id: bytes | str, values: dict[Any, Any]) -> LogLine:
    fields = {_text(key): _text(value) for key, value in values.items()}
    iteration = fields.get("iteration")
    return LogLine(_text(entry_id), fields.get("message", ""),
                   None if iteration is None else int(iteration), fields.get("detail", ""))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _record_from_hash(build_id: str, raw: dict[Any, Any]) -> BuildRecord:
    values: dict[str, Any] = {"id": build_id}
    for key, value in raw.items():
        name = _text(key)
        if name in _FIELDS:
            values[name] = _CONVERTERS.get(name, str)(_text(value))
    return BuildRecord(**values)


def _encode(fields: dict[str, Any]) -> tuple[dict[Any, Any], list[str]]:
    """Split fields into values to store and names to delete (set to None)."""
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise TypeError(f"not updatable build fields: {', '.join(sorted(unknown))}")
    stored = {name: str(value) for name, value in fields.items() if value is not None}
    cleared = [name for name, value in fields.items() if value is None]
    return stored, cleared


def cut(text: str, limit: int) -> str:
    """`text`, or its head with a visible note of what was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… ({len(text) - limit:,} more characters not shown)"


def build_page_url(public_url: str | None, build_id: str) -> str | None:
    """The dashboard page of a build, for links from GitHub; None without a public URL."""
    return f"{public_url.rstrip('/')}{DASHBOARD_PATH}/{build_id}" if public_url else None


class BuildHistory:
    """Keeps build records for ``retention_seconds`` after their last change."""

    def __init__(self, redis_client: redis.Redis, retention_seconds: int) -> None:
        self._redis = redis_client
        self._retention = retention_seconds
        self._metrics = SharedMetrics(redis_client)

    @classmethod
    def from_settings(cls, redis_client: redis.Redis, settings: Settings) -> BuildHistory:
        return cls(redis_client, settings.history_retention_days * 24 * 3600)

    def start(self, *, repo: str, number: int, kind: str, trigger: str, job_id: str,
              title: str = "") -> str:
        """Record a new build in state ``queued``; returns its id."""
        build_id = secrets.token_hex(8)
        now = time.time()
        record: dict[Any, Any] = {
            "repo": repo, "number": number, "kind": str(kind), "trigger": trigger,
            "job_id": job_id, "title": title, "state": BuildState.QUEUED.value,
            "started_at": repr(now), "iterations": 0, "tokens": 0, "cost_usd": 0.0}
        key = RECORD_KEY.format(build_id)
        with self._redis.pipeline() as pipe:
            pipe.hset(key, mapping={name: str(value) for name, value in record.items()})
            pipe.expire(key, self._retention)
            pipe.zadd(INDEX_KEY, {build_id: now})
            pipe.zremrangebyscore(INDEX_KEY, "-inf", now - self._retention)
            pipe.execute()
        return build_id

    def update(self, build_id: str, **fields: Any) -> None:
        """Change some fields of a record (``None`` clears one) and renew its retention."""
        stored, cleared = _encode(fields)
        key = RECORD_KEY.format(build_id)
        with self._redis.pipeline() as pipe:
            if stored:
                pipe.hset(key, mapping=stored)
            if cleared:
                pipe.hdel(key, *cleared)
            pipe.expire(key, self._retention)
            pipe.execute()

    def set_diff(self, build_id: str, diff: str) -> None:
        """Keep the published change (a unified diff) for the build's page."""
        self._redis.set(DIFF_KEY.format(build_id), cut(diff, DIFF_MAX_CHARS), ex=self._retention)

    def diff(self, build_id: str) -> str:
        """The published change, or "" when nothing was published (or it expired)."""
        if not BUILD_ID.match(build_id):
            return ""
        value: Any = self._redis.get(DIFF_KEY.format(build_id))
        return _text(value) if value is not None else ""

    def finish(self, build_id: str, state: BuildState, outcome_url: str | None = None) -> None:
        """Mark a build final. The closing line goes first: a live viewer that sees the
        final state then knows no more lines will come."""
        if not state.is_final:
            raise ValueError(f"{state} is not a final state")
        self.log(build_id, f"build {state}")
        now = time.time()
        self.update(build_id, state=state, outcome_url=outcome_url, finished_at=repr(now))
        if (record := self.get(build_id)) is not None:
            self._metrics.observe_build(state, now - record.started_at, record.tokens,
                                        record.cost_usd)

    def log(self, build_id: str, message: str, iteration: int | None = None,
            detail: str = "") -> None:
        """Append one log line (of an iteration, if given, with the step's output as
        `detail`) to the build's capped stream."""
        entry: dict[Any, Any] = {"message": message}
        if iteration is not None:
            entry["iteration"] = str(iteration)
        if detail:
            entry["detail"] = cut(detail, DETAIL_MAX_CHARS)
        key = LOG_KEY.format(build_id)
        with self._redis.pipeline() as pipe:
            pipe.xadd(key, entry, maxlen=LOG_MAX_LINES, approximate=True)
            pipe.expire(key, self._retention)
            pipe.execute()

    def get(self, build_id: str) -> BuildRecord | None:
        """The record, or None when unknown, expired or not a build id at all."""
        if not BUILD_ID.match(build_id):
            return None
        raw: Any = self._redis.hgetall(RECORD_KEY.format(build_id))
        return _record_from_hash(build_id, raw) if raw else None

    def page(self, page: int = 1, per_page: int = 20) -> list[BuildRecord]:
        """Records newest first; ``page`` counts from 1."""
        self._trim()
        first = max(page - 1, 0) * per_page
        ids: list[Any] = self._redis.zrevrange(INDEX_KEY, first, first + per_page - 1)
        with self._redis.pipeline() as pipe:
            for build_id in ids:
                pipe.hgetall(RECORD_KEY.format(_text(build_id)))
            rows: list[Any] = pipe.execute()
        return [_record_from_hash(_text(build_id), raw)
                for build_id, raw in zip(ids, rows, strict=True) if raw]

    def count(self) -> int:
        self._trim()
        return int(self._redis.zcard(INDEX_KEY))

    def tail(self, build_id: str, last_id: str = "0", block_ms: int | None = None,
             ) -> list[tuple[str, str]]:
        """Log lines after ``last_id`` as (id, message); waits up to ``block_ms`` for new ones."""
        return [(line.id, line.message) for line in self.lines(build_id, last_id, block_ms)]

    def lines(self, build_id: str, last_id: str = "0", block_ms: int | None = None,
              ) -> list[LogLine]:
        """Like :meth:`tail`, with each line's iteration."""
        block = block_ms if block_ms and block_ms > 0 else None
        answer: Any = self._redis.xread({LOG_KEY.format(build_id): last_id}, block=block)
        if not answer:
            return []
        _, entries = answer[0]
        return [_log_line(entry_id, values) for entry_id, values in entries]

    def _trim(self) -> None:
        self._redis.zremrangebyscore(INDEX_KEY, "-inf", time.time() - self._retention)
