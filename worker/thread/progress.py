"""The progress comment: one per thread, found again by a hidden marker, edited in place."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from kiln.states import BuildState, JobKind
from worker.state.outbox import Entry
from worker.thread.courier import Courier

MARKER = "<!-- kiln:progress -->"
TEMPLATE = "progress.md.j2"
KIND_NOUNS = {JobKind.BUILD: "build", JobKind.REVISE: "revision"}
STATE_ICONS = {
    BuildState.QUEUED: "⏳",
    BuildState.PLANNING: "🧭",
    BuildState.BUILDING: "🔨",
    BuildState.PUBLISHING: "📦",
    BuildState.DONE: "✅",
    BuildState.FAILED: "❌",
    BuildState.CANCELLED: "⏹️",
}
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=False,  # Markdown, not HTML; GitHub sanitizes what it renders
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True)
class Report:
    """How a build ended, for the last edit of the progress comment."""

    tests: str
    iterations: int
    tokens: int
    cost_usd: float
    link: str | None = None
    link_text: str = ""
    reason: str = ""
    next_step: str = ""


@dataclass(frozen=True)
class Progress:
    """Everything the progress comment shows at one moment."""

    kind: JobKind
    state: BuildState
    trigger: str
    plan: tuple[str, ...] = ()
    iteration: int = 0
    tests: str = ""
    install: str = ""  # the latest install step, as the build log words it
    note: str = ""
    report: Report | None = None
    build_url: str | None = None


def compile_templates() -> None:
    """Compile the template now (jinja2 caches it), not on a job's first comment."""
    _TEMPLATES.get_template(TEMPLATE)


def render(progress: Progress) -> str:
    """The comment body for a moment of the build."""
    template = _TEMPLATES.get_template(TEMPLATE)
    text = template.render(marker=MARKER, icons=STATE_ICONS, nouns=KIND_NOUNS,
                           progress=progress)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


class ProgressComment:
    """Shows progress in one comment through the thread's outbox; edits that come faster than
    `min_interval` are held back (GitHub's secondary rate limits punish bursts of edits) until
    the next one, and while GitHub refuses, only the latest text waits to be shown."""

    def __init__(self, courier: Courier, job_id: str, min_interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._courier = courier
        self._job_id = job_id
        self._min_interval = min_interval
        self._clock = clock
        self._last_edit = float("-inf")
        self._shown: str | None = None

    def show(self, progress: Progress, *, urgent: bool = True,
             along: tuple[Entry, ...] = ()) -> None:
        """Show `progress`, after the entries `along` (a reaction, a label); a non-urgent
        change waits out the edit interval (and may be superseded by a later one)."""
        body = render(progress)
        if body == self._shown and not along:
            return
        if not urgent and self._clock() - self._last_edit < self._min_interval:
            return
        self._courier.send(*along, Entry.comment(MARKER, body, self._job_id))
        self._shown = body
        self._last_edit = self._clock()
