"""Where a test run's report goes, and reading it back with a command of Kiln's own.

Each run writes its report under a fresh directory with a random name outside the workspace,
so no file the model wrote can stand in for it. Once the test command has ended (and with it
everything it started), ``report_reader`` reads the report in the sandbox and prints its counts.
"""

from __future__ import annotations

import json
import secrets
import shlex
from dataclasses import dataclass
from pathlib import Path

from worker.builder.outcome import Counts
from worker.builder.report_reader import DIRECTORY_PREFIX
from worker.builder.runners import ReportFormat, Runner, is_runner_argv

REPORT_ROOT = "/tmp"
READER = (Path(__file__).parent / "report_reader.py").read_text()
# The image's own interpreter: an install step may put another python3 first on PATH.
READER_PYTHON = "/usr/bin/python3"
READ_SECONDS = 60.0
FILE_NAMES = {ReportFormat.JUNIT: "report.xml", ReportFormat.TAP: "report.tap"}


@dataclass(frozen=True)
class ReportPlace:
    """A run's report file and the fresh directory that holds it."""

    directory: str
    path: str

    @classmethod
    def fresh(cls, report_format: ReportFormat) -> ReportPlace:
        directory = f"{REPORT_ROOT}/{DIRECTORY_PREFIX}{secrets.token_hex(16)}"
        return cls(directory, f"{directory}/{FILE_NAMES.get(report_format, 'report.json')}")


def run_line(runner: Runner, place: ReportPlace) -> str:
    """The test command line: make the report's directory (it must not exist yet), then run."""
    return f"mkdir {shlex.quote(place.directory)} && {runner.shell_line(place.path)}"


def read_line(runner: Runner, place: ReportPlace) -> str:
    """The command that reads the report, prints its counts and removes its directory."""
    return shlex.join([READER_PYTHON, "-I", "-S", "-c", READER, runner.report_format,
                       place.path, place.directory])


def reading(exit_code: int, stdout: str) -> Counts | str:
    """The counts the reader printed, or why there are none."""
    try:
        answer = json.loads(stdout) if exit_code == 0 else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return f"Kiln could not read the runner's report (reader exit code {exit_code})"
    if isinstance(answer.get("problem"), str):
        return str(answer["problem"])
    counts = answer.get("counts")
    return counts_of(counts) if isinstance(counts, dict) else "the report reader gave no counts"


def counts_of(counts: dict[str, object]) -> Counts | str:
    """The reader's counts; for tox, only when every command it ran is a recognised runner."""
    values = [counts.get(name) for name in ("collected", "passing", "failing")]
    if not all(isinstance(value, int) and value >= 0 for value in values):
        return "the report reader gave no counts"
    commands = counts.get("commands")
    if commands is not None:
        problem = tox_problem(commands, counts["collected"])
        if problem:
            return problem
    collected, passing, failing = (int(str(value)) for value in values)
    return Counts(collected, passing, failing)


def tox_problem(commands: object, collected: object) -> str:
    """Why tox's commands cannot judge the run ("" when each is a recognised runner)."""
    if not isinstance(commands, list) or len(commands) != collected:
        return "tox ran more commands than Kiln can check"
    odd = next((c for c in commands if not isinstance(c, list) or not is_runner_argv(c)), None)
    if odd is not None:
        words = " ".join(map(str, odd)) if isinstance(odd, list) else str(odd)
        return f"tox ran `{words[:80]}`, which is not a recognised test runner"
    return ""
