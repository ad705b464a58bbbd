"""A test run's outcome, read from the test runner's output (pytest, node, a generic fallback)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from worker.builder.excerpt import cut_middle

EXCERPT_CHARS = 6_000
PYTEST_NO_TESTS_EXIT = 5
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PYTEST_SUMMARY = re.compile(
    r"^=*\s*((?:\d+ \w+(?:, )?)+|no tests ran)(?: in [\d.]+s.*)?\s*=*$", re.MULTILINE)
PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)\b")
NODE_COUNT = re.compile(
    r"^(?:#|ℹ) (tests|pass|fail|cancelled|skipped|todo) (\d+)\s*$", re.MULTILINE)
JEST_COUNT = re.compile(r"^Tests:\s+.*?(\d+) total", re.MULTILINE)
GENERIC_PASSED = re.compile(r"(\d+) (?:passed|passing)\b")
GENERIC_FAILED = re.compile(r"(\d+) (?:failed|failing)\b")
UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in", re.MULTILINE)


@dataclass(frozen=True)
class Counts:
    """How many tests the runner collected, and how many passed and failed."""

    collected: int
    passing: int
    failing: int


@dataclass(frozen=True)
class TestOutcome:
    """One run of the test command, as Kiln judged it.

    ``passed`` means exit code 0 and at least one test that ran and passed: a suite that
    collects nothing is not a success, whatever its exit code.
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

    @property
    def rank(self) -> tuple[bool, int, int]:
        """Orders outcomes from worst to best."""
        return (self.passed, self.passing, -self.failing)


def judge(command: str, exit_code: int, output: str, timed_out: bool = False) -> TestOutcome:
    """Read a test command's exit code and output into an outcome."""
    text = ANSI.sub("", output)
    counts = count_tests(text, exit_code)
    passed = exit_code == 0 and counts is not None and counts.passing > 0
    return TestOutcome(
        command=command, passed=passed, exit_code=exit_code,
        collected=counts.collected if counts else 0,
        summary=describe(counts, exit_code, timed_out),
        excerpt=cut_middle(text, EXCERPT_CHARS, head_share=0.3),
        passing=counts.passing if counts else 0, failing=counts.failing if counts else 0)


def count_tests(text: str, exit_code: int) -> Counts | None:
    """The test counts the output shows, or None when no known runner's summary is in it."""
    if exit_code == PYTEST_NO_TESTS_EXIT and "no tests ran" in text:
        return Counts(0, 0, 0)
    return _pytest(text) or _node(text) or _generic(text)


def _pytest(text: str) -> Counts | None:
    summaries = PYTEST_SUMMARY.findall(text)
    if not summaries:
        return None
    found = {kind.rstrip("s") if kind.startswith("error") else kind: int(n)
             for n, kind in PYTEST_COUNT.findall(summaries[-1])}
    failing = found.get("failed", 0) + found.get("error", 0)
    passing = found.get("passed", 0) + found.get("xpassed", 0)
    return Counts(sum(found.values()), passing, failing)


def _node(text: str) -> Counts | None:
    found = {kind: int(n) for kind, n in NODE_COUNT.findall(text)}
    if "tests" not in found:
        return None
    failing = found.get("fail", 0) + found.get("cancelled", 0)
    return Counts(found["tests"], found.get("pass", 0), failing)


def _generic(text: str) -> Counts | None:
    passing = sum(int(n) for n in GENERIC_PASSED.findall(text))
    failing = sum(int(n) for n in GENERIC_FAILED.findall(text))
    totals = [int(n) for n in JEST_COUNT.findall(text) + UNITTEST_RAN.findall(text)]
    if not (passing or failing or totals):
        return None
    if not passing and totals and not failing and "FAILED" not in text:
        passing = sum(totals)
    return Counts(max(sum(totals), passing + failing), passing, failing)


def describe(counts: Counts | None, exit_code: int, timed_out: bool) -> str:
    """A short human summary such as ``4 passed, 1 failed`` or ``no tests ran``."""
    if timed_out:
        return "timed out"
    if counts is None:
        return f"exit code {exit_code}, no test count found in the output"
    if counts.collected == 0:
        return "no tests ran"
    parts = [f"{counts.passing} passed"] if counts.passing or not counts.failing else []
    if counts.failing:
        parts.append(f"{counts.failing} failed")
    text = ", ".join(parts)
    return text if exit_code == 0 or counts.failing else f"{text}, exit code {exit_code}"
