"""Runners' reports read into counts: each format, its faults, and real runs read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from worker.builder import report_reader
from worker.builder.outcome import Counts
from worker.builder.report import ReportPlace, read_line, reading, run_line
from worker.builder.runners import resolve

JUNIT = (b'<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" '
         b'errors="1" failures="2" skipped="1" tests="7"><testcase name="t"/></testsuite>'
         b"</testsuites>")
TAP = (b"TAP version 13\n# \\# pass 99\n# Subtest: a\nok 1 - a\n1..3\n"
       b"# tests 3\n# suites 0\n# pass 2\n# fail 0\n# cancelled 1\n# skipped 0\n")
JEST = {"numTotalTests": 4, "numPassedTests": 3, "numFailedTests": 1,
        "numRuntimeErrorTestSuites": 0, "success": False, "testResults": []}
VITEST = {"numTotalTests": 2, "numPassedTests": 2, "numFailedTests": 0, "success": True}
MOCHA = {"stats": {"tests": 3, "passes": 1, "pending": 1, "failures": 1}}
UNITTEST = {"tests": 6, "failures": 1, "errors": 1, "skipped": 1, "expected_failures": 1,
            "unexpected_successes": 0}
TOX = {"testenvs": {".pkg": {"test": []}, "py": {"test": [
    {"command": ["/w/.tox/py/bin/pytest", "-q"], "retcode": 0},
    {"command": ["python", "-m", "pytest", "slow"], "retcode": "1"}]}}}


def counts(report_format: str, data: bytes | dict[str, Any]) -> dict[str, Any]:
    raw = json.dumps(data).encode() if isinstance(data, dict) else data
    return report_reader.READERS[report_format](raw)


@pytest.mark.parametrize(("report_format", "data", "expected"), [
    ("junit", JUNIT, (7, 3, 3)),
    ("junit", b'<testsuite tests="2" failures="0" errors="0" skipped="0"/>', (2, 2, 0)),
    ("tap", TAP, (3, 2, 1)),
    ("jest", JEST, (4, 3, 1)),
    ("jest", VITEST, (2, 2, 0)),
    ("jest", {**VITEST, "numFailedTests": 0, "success": False, "numFailedTestSuites": 2},
     (2, 2, 2)),  # a suite that did not even load fails the run
    ("mocha", MOCHA, (3, 1, 1)),
    ("unittest", UNITTEST, (6, 2, 2)),
    ("tox", TOX, (2, 1, 1)),
])
def test_each_report_format_gives_counts(report_format: str, data: bytes | dict[str, Any],
                                         expected: tuple[int, int, int]) -> None:
    found = counts(report_format, data)
    assert (found["collected"], found["passing"], found["failing"]) == expected


@pytest.mark.parametrize(("report_format", "data", "problem"), [
    ("junit", b"<html/>", "the junit report has no test suite"),
    ("junit", b"not xml", "the junit report could not be read"),
    ("junit", b'<testsuite tests="lots"/>', "the junit report could not be read"),
    ("tap", b"ok 1 - a\n# pass 5\n", "the TAP report has no summary"),
    ("jest", b"[]", "the report is not a JSON object"),
    ("jest", b'{"numTotalTests": "4"}', "the report's numTotalTests is not a number"),
    ("mocha", b"{}", "the mocha report has no stats"),
    ("unittest", b'{"tests": 1, "skipped": 3}', "the report's counts do not add up"),
])
def test_a_faulty_report_gives_a_problem(tmp_path: Path, report_format: str, data: bytes,
                                         problem: str) -> None:
    (tmp_path / "report").write_bytes(data)
    assert report_reader.read(report_format, str(tmp_path / "report")) == {"problem": problem}


def test_no_report_is_a_problem_and_the_directory_goes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "kiln-report-abc"
    directory.mkdir()
    report_reader.main(["junit", str(directory / "report.xml"), str(directory)])
    assert json.loads(capsys.readouterr().out) == {"problem": "the runner wrote no report"}
    assert not directory.exists()
    other = tmp_path / "keep"
    other.mkdir()
    report_reader.main(["junit", str(other / "r"), str(other)])
    assert other.exists()  # only a directory Kiln named is ever removed


@pytest.mark.parametrize(("exit_code", "stdout", "expected"), [
    (0, '{"counts": {"collected": 3, "passing": 2, "failing": 1}}', Counts(3, 2, 1)),
    (0, '{"problem": "the runner wrote no report"}', "the runner wrote no report"),
    (1, "Traceback ...", "Kiln could not read the runner's report (reader exit code 1)"),
    (0, "5 passed", "Kiln could not read the runner's report (reader exit code 0)"),
    (0, '{"counts": {"collected": 3, "passing": -1, "failing": 0}}',
     "the report reader gave no counts"),
    (0, json.dumps({"counts": counts("tox", TOX)}), Counts(2, 1, 1)),
])
def test_the_host_reads_what_the_reader_printed(exit_code: int, stdout: str,
                                                expected: Counts | str) -> None:
    assert reading(exit_code, stdout) == expected


def test_tox_judges_only_when_every_command_is_a_runner() -> None:
    tox = {"testenvs": {"py": {"test": [{"command": ["echo", "1 passed"], "retcode": 0}]}}}
    assert reading(0, json.dumps({"counts": counts("tox", tox)})) == \
        "tox ran `echo 1 passed`, which is not a recognised test runner"


PASSING_PY = "def test_a():\n    assert True\n\n\ndef test_b():\n    assert True\n"
FAILING_UNITTEST = ("import unittest\n\n\nclass T(unittest.TestCase):\n"
                    "    def test_a(self):\n        self.assertTrue(True)\n\n"
                    "    def test_b(self):\n        self.assertEqual(1, 2)\n")
PASSING_NODE = "const test = require('node:test');\ntest('a', () => {});\n"


def run_and_read(tmp_path: Path, command: str) -> tuple[int, Counts | str, bool]:
    """Run a command with its report as the suite does, on the host, and read the report."""
    runner = resolve(command, {})
    place = ReportPlace.fresh(runner.report_format)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    ran = subprocess.run(["sh", "-c", run_line(runner, place)], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    read = subprocess.run(["sh", "-c", read_line(runner, place)], cwd=tmp_path,
                          capture_output=True, text=True)
    return ran.returncode, reading(read.returncode, read.stdout), Path(place.directory).exists()


@pytest.mark.parametrize(("command", "name", "text", "expected"), [
    ("python3 -m pytest -q", "test_a.py", PASSING_PY, (0, Counts(2, 2, 0))),
    ("python3 -m unittest", "test_u.py", FAILING_UNITTEST, (1, Counts(2, 1, 1))),
    ("node --test", "a.test.js", PASSING_NODE, (0, Counts(1, 1, 0))),
])
def test_real_runs_are_read_back_from_their_reports(tmp_path: Path, command: str, name: str,
                                                    text: str,
                                                    expected: tuple[int, Counts]) -> None:
    (tmp_path / name).write_text(text)
    exit_code, read, left = run_and_read(tmp_path, command)
    assert (exit_code, read) == expected and not left
