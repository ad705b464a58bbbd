"""The CI follow-up's decisions, pure: which checks count, what they say together, what Kiln
does next, and which part of a failed job's log a developer would read."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from worker.github.checks import Check, Status

PASSING = frozenset({"success", "neutral", "skipped"})
FAILING_STATUSES = frozenset({"error", "failure"})
LOG_TAIL_LINES = 40
LOG_ERROR_LINES = 20
LOG_MAX_CHARS = 6_000
_TIMESTAMP = re.compile(r"^\ufeff?\d{4}-\d\d-\d\dT[\d:.]+Z ?")
_ERROR = re.compile(r"##\[error\]|\berror\b|\bfailed\b|\bFAILED\b|Traceback", re.IGNORECASE)
_STEP = "##[group]Run "


@dataclass(frozen=True)
class Follow:
    """Kiln following the CI of its pull request's head: which commit, on which threads, how
    many CI revisions it already made and how many it may, how often it looked."""

    pull_number: int
    thread: int  # where the publishing job's progress comment is (the issue, or the pull)
    head_sha: str
    sender: str  # who asked for the work: CI revisions run on their behalf
    rounds: int
    limit: int
    polls: int = 0
    revising: bool = False  # a CI revision is under way: its push will be followed next


class Verdict(StrEnum):
    """What the counted checks say together."""

    NONE = "none"  # nothing reported (yet)
    PENDING = "pending"
    GREEN = "green"
    RED = "red"


class Move(StrEnum):
    """What the follow-up does after a look at the checks."""

    IGNORE = "ignore"  # not the head Kiln follows, or a revision is under way
    WAIT = "wait"
    GREEN = "green"
    REVISE = "revise"
    GIVE_UP = "give up"  # red, and the rounds are spent
    PUSHED = "pushed"  # someone else pushed to the branch: the loop stops
    CLOSED = "closed"
    TIMED_OUT = "timed out"  # nothing ended in the time Kiln waits


def counted(checks: Iterable[Check], own_app: str) -> list[Check]:
    """The checks that judge Kiln's commit: every app's but Kiln's own (its sandbox result),
    the newest run of each name."""
    newest: dict[tuple[str, str], Check] = {}
    for check in sorted(checks, key=lambda c: c.id):
        if check.app != own_app:
            newest[(check.app, check.name)] = check
    return list(newest.values())


def failed(check: Check) -> bool:
    return check.status == "completed" and check.conclusion not in PASSING


def verdict(checks: list[Check], statuses: list[Status]) -> Verdict:
    """Red as soon as one failed, pending while any runs, green when all passed."""
    if not checks and not statuses:
        return Verdict.NONE
    if any(failed(c) for c in checks) or any(s.state in FAILING_STATUSES for s in statuses):
        return Verdict.RED
    if any(c.status != "completed" for c in checks) or any(s.state == "pending"
                                                           for s in statuses):
        return Verdict.PENDING
    return Verdict.GREEN


def red_names(checks: list[Check], statuses: list[Status]) -> list[str]:
    """The names of what failed, checks first."""
    return ([c.name for c in checks if failed(c)]
            + [s.context for s in statuses if s.state in FAILING_STATUSES])


def someone_else_pushed(kiln_head: str, branch_head: str) -> bool:
    """Whether the branch moved past Kiln's last commit: a push that is not Kiln's."""
    return branch_head != kiln_head


def rounds_left(follow: Follow) -> bool:
    return follow.rounds < follow.limit


def polls_for(wait_seconds: int, poll_seconds: int) -> int:
    """How many polls fit in the time Kiln waits for CI after a push."""
    return max(wait_seconds // poll_seconds, 1)


def interruption(follow: Follow, event_sha: str, pull_open: bool, pull_head: str) -> Move | None:
    """Why a look at `event_sha`'s checks is moot (None: look)."""
    if follow.revising:
        return Move.IGNORE
    if not pull_open:
        return Move.CLOSED
    if someone_else_pushed(follow.head_sha, pull_head):
        return Move.PUSHED
    if event_sha != follow.head_sha:
        return Move.IGNORE  # an older commit's checks
    return None


def after_look(follow: Follow, seen: Verdict, polls_allowed: int) -> Move:
    """What the followed head's checks call for."""
    if seen is Verdict.GREEN:
        return Move.GREEN
    if seen is Verdict.RED:
        return Move.REVISE if rounds_left(follow) else Move.GIVE_UP
    return Move.TIMED_OUT if follow.polls >= polls_allowed else Move.WAIT


def log_excerpt(log: str, tail: int = LOG_TAIL_LINES, max_chars: int = LOG_MAX_CHARS) -> str:
    """The part of an Actions job log a developer reads: the failing step (the one with the
    first ``##[error]``, else the last), its command, its error lines and its last lines,
    without timestamps, cut to `max_chars` from the end."""
    lines = [_TIMESTAMP.sub("", line) for line in log.splitlines()]
    step = _failing_step(lines)
    header = [step[0]] if step and step[0].startswith(_STEP) else []
    body = step[len(header):]
    end = next((i + 1 for i, line in enumerate(body) if "##[error]" in line), len(body))
    last = body[max(end - tail, 0):end]
    earlier = [line for line in body[:max(end - tail, 0)] if _ERROR.search(line)]
    kept = header + earlier[-LOG_ERROR_LINES:] + (["..."] if earlier else []) + last
    text = "\n".join(line.replace(_STEP, "Run ", 1) for line in kept).strip()
    return text if len(text) <= max_chars else "…" + text[-max_chars:]


def _failing_step(lines: list[str]) -> list[str]:
    starts = [i for i, line in enumerate(lines) if line.startswith(_STEP)] or [0]
    error = next((i for i, line in enumerate(lines) if "##[error]" in line), len(lines) - 1)
    start = max((s for s in starts if s <= error), default=0)
    following = [s for s in starts if s > start]
    return lines[start:following[0] if following else len(lines)]
