"""A build's live log as Server-Sent Events, tailing its Redis stream until the build ends."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread

from bot.build_view import cost_text, state_text, tokens_text
from kiln.history import BuildHistory, BuildRecord, LogLine

STREAM_ID = re.compile(r"^(0|\d{1,20}-\d{1,20})$")
BLOCK_MS = 1000
KEEPALIVE_SECONDS = 15.0
# Each viewer holds a worker thread in a blocking Redis read; cap them so page
# rendering never waits for a thread.
MAX_VIEWERS = 20


@dataclass(frozen=True)
class Poll:
    lines: list[LogLine]
    record: BuildRecord | None


def event(data: dict[str, Any], name: str | None = None, event_id: str | None = None) -> str:
    """One SSE event; JSON keeps the data on a single line whatever the message holds."""
    fields = [f"id: {event_id}"] if event_id else []
    if name:
        fields.append(f"event: {name}")
    fields.append("data: " + json.dumps(data))
    return "\n".join(fields) + "\n\n"


def status(record: BuildRecord, abandoned: Callable[[str], bool]) -> dict[str, Any]:
    """The record's fields that change while it runs, as the page shows them."""
    return {"state": state_text(record, abandoned), "iterations": record.iterations,
            "tokens": tokens_text(record.tokens), "cost": cost_text(record.cost_usd),
            "plan": record.plan, "tests": record.tests}


def poll(history: BuildHistory, build_id: str, last_id: str, block_ms: int) -> Poll:
    """Wait for lines, then read the record. Once it is finished no line will follow, so
    whatever arrived between the two reads is taken too."""
    lines = history.lines(build_id, last_id, block_ms)
    record = history.get(build_id)
    if record is not None and record.finished:
        lines += history.lines(build_id, lines[-1].id if lines else last_id)
    return Poll(lines, record)


async def log_events(history: BuildHistory, build_id: str, last_id: str,
                     limiter: anyio.CapacityLimiter, abandoned: Callable[[str], bool],
                     block_ms: int = BLOCK_MS) -> AsyncIterator[str]:
    """Lines after ``last_id`` and status changes, ending with an ``end`` event."""
    shown: dict[str, Any] | None = None
    quiet_since = time.monotonic()
    while True:
        polled = await anyio.to_thread.run_sync(poll, history, build_id, last_id, block_ms,
                                                limiter=limiter)
        for line in polled.lines:
            yield event({"message": line.message, "iteration": line.iteration,
                         "detail": line.detail}, None, line.id)
            last_id = line.id
        current = (await anyio.to_thread.run_sync(status, polled.record, abandoned,
                                                  limiter=limiter)  # it may ask Redis
                   if polled.record else {"state": "gone"})
        if current != shown:
            yield event(current, "status")
        if polled.record is None or polled.record.finished:
            yield event({"state": current["state"]}, "end")
            return
        if polled.lines or current != shown:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
            yield ": keepalive\n\n"  # keeps proxies from closing an idle stream
            quiet_since = time.monotonic()
        shown = current
