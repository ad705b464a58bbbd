"""A test run's outcome, judged from the runner's own report and exit code, never its output."""

from __future__ import annotations

import re
from dataclasses import dataclass

from worker.builder.excerpt import cut_middle
from worker.builder.origin import TestOrigin

EXCERPT_CHARS = 6_000
NOT_RUN_EXIT = -1
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Counts:
    """How many tests the runner's report says it collected, and how many passed and failed."""

    collected: int
    passing: int
    failing: int


@dataclass(frozen=True)
class TestOutcome:
    """One run of the test command, as Kiln judged it.

    ``passed`` means a recognised runner's report shows at least one test that passed and none
    that failed, and the runner exited 0: a suite that collects nothing is not a success, and
    what a command prints counts for nothing (it is only the excerpt). ``origin`` says who
    chose the command.
    """

    __test__ = False  # not a pytest test class, despite the name

    command: str
    passed: bool
    exit_code: int
    collected: int
    summary: str
    excerpt: str
    passing: int = 0
    failing: int = 0
    origin: TestOrigin | None = None

    @property
    def rank(self) -> tuple[bool, int, int]:
        """Orders outcomes from worst to best."""
        return (self.passed, self.passing, -self.failing)

    @property
    def judged_by(self) -> str:
        """The command and who chose it, e.g. ``\\`pytest -q\\`, from .github/kiln.yml``."""
        chosen = f", {self.origin.describe()}" if self.origin else ""
        return f"`{self.command}`{chosen}"


def judge(command: str, exit_code: int, output: str, reading: Counts | str, *,
          timed_out: bool = False, origin: TestOrigin | None = None) -> TestOutcome:
    """Judge a run from the runner's report (its counts, or why there are none) and exit code;
    ``output`` is kept only as the excerpt."""
    counts = reading if isinstance(reading, Counts) else None
    passed = (not timed_out and exit_code == 0 and counts is not None
              and counts.failing == 0 and counts.passing > 0)
    return TestOutcome(
        command=command, passed=passed, exit_code=exit_code,
        collected=counts.collected if counts else 0,
        summary=describe(reading, exit_code, timed_out),
        excerpt=cut_middle(ANSI.sub("", output), EXCERPT_CHARS, head_share=0.3),
        passing=counts.passing if counts else 0, failing=counts.failing if counts else 0,
        origin=origin)


def not_run(command: str, reason: str, origin: TestOrigin | None = None) -> TestOutcome:
    """The outcome of a command Kiln would not run as the tests: never a pass."""
    return TestOutcome(command, False, NOT_RUN_EXIT, 0,
                       "not run: not a recognised test runner", reason, origin=origin)


def describe(reading: Counts | str, exit_code: int, timed_out: bool) -> str:
    """A short human summary such as ``4 passed, 1 failed`` or ``no tests ran``."""
    if timed_out:
        return "timed out"
    if isinstance(reading, str):
        return f"{reading} (exit code {exit_code})"
    if reading.collected == 0:
        return "no tests ran"
    parts = [f"{reading.passing} passed"] if reading.passing or not reading.failing else []
    if reading.failing:
        parts.append(f"{reading.failing} failed")
    text = ", ".join(parts)
    return text if exit_code == 0 or reading.failing else f"{text}, exit code {exit_code}"
