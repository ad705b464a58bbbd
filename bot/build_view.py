"""How build records read on the dashboard: durations, money, links and log grouping."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from kiln.history import BuildRecord, LogLine

KIND_NAMES = {"build": "issue", "revise": "pull request"}
LOST = "lost"


@dataclass
class IterationGroup:
    """Log lines of one iteration of the build loop (``None``: before or after the loop)."""

    iteration: int | None
    heading: str
    lines: list[LogLine] = field(default_factory=list)


def group_heading(iteration: int | None, after_loop: bool) -> str:
    if iteration is not None:
        return f"Iteration {iteration}"
    return "Wrap-up" if after_loop else "Setup"


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    whole = max(int(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def elapsed_text(record: BuildRecord, now: float | None = None) -> str:
    """The build's duration, or the time it has been running so far."""
    if record.duration is not None:
        return duration_text(record.duration)
    running = (time.time() if now is None else now) - record.started_at
    return f"{duration_text(running)} so far"


def started_text(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def cost_text(cost_usd: float) -> str:
    return f"${cost_usd:.4f}"


def tokens_text(tokens: int) -> str:
    return f"{tokens:,}"


def calls_text(calls: int) -> str:
    return f"{calls:,}"


def report_due_text(due: float) -> str:
    """Why, and until when, the final report on GitHub waits."""
    return (f"waiting for GitHub's rate limit to reset; posted at {clock_text(due)} "
            "(the state above is already final)")


def clock_text(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%H:%M:%S UTC")


def state_text(record: BuildRecord, abandoned: Callable[[str], bool]) -> str:
    """The state a build is shown in: "lost" when its record says it runs but its worker is
    gone (`abandoned(job_id)`: its heartbeat lapsed); the next maintenance pass of any worker
    reports it."""
    if not record.state.is_final and abandoned(record.job_id):
        return LOST
    return record.state.value


def subject_text(record: BuildRecord) -> str:
    """``issue #7`` or ``pull request #12``."""
    return f"{KIND_NAMES.get(record.kind, record.kind)} #{record.number}"


def safe_link(url: str | None) -> str | None:
    """The URL when it is plain http(s); escaping alone would let ``javascript:`` through."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return None
    return url


def link_text(url: str) -> str:
    """A link's path without scheme and host: short enough for a table cell."""
    return urlsplit(url).path.strip("/") or url


def diff_class(line: str) -> str:
    """The CSS class of a line of a unified diff."""
    if line.startswith(("+++", "---")):
        return "file"
    return {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "context")


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """A unified diff as (class, line) pairs for the page."""
    return [(diff_class(line), line) for line in diff.splitlines()]


def group_by_iteration(lines: list[LogLine]) -> list[IterationGroup]:
    """Consecutive lines of the same iteration, in log order."""
    groups: list[IterationGroup] = []
    for line in lines:
        if not groups or groups[-1].iteration != line.iteration:
            after_loop = any(group.iteration is not None for group in groups)
            heading = group_heading(line.iteration, after_loop)
            groups.append(IterationGroup(line.iteration, heading))
        groups[-1].lines.append(line)
    return groups
