"""Reading a test runner's report file into counts, inside the sandbox.

Kiln runs this file's text with ``python3 -I -S -c TEXT FORMAT REPORT DIRECTORY`` as a command
of its own, after the test command and everything it started have ended: the report is read
whole there (a command's output is capped, a report can be large), and only a line of counts
comes back. It prints ``{"counts": {"collected": n, "passing": n, "failing": n}}`` (tox adds
``"commands"``, the words each test command ran) or ``{"problem": "why there are no counts"}``,
then removes DIRECTORY. Standard library only, for any python3 from 3.9 on.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

MAX_REPORT_BYTES = 64 * 1024 * 1024
MAX_COMMANDS = 100
DIRECTORY_PREFIX = "kiln-report-"
# Node's TAP summary; lines a test prints are escaped (`# \# pass 9`), so they cannot match.
TAP_COUNT = re.compile(r"^# (tests|pass|fail|cancelled) (\d+)$", re.MULTILINE)


class Unreadable(Exception):
    """The report is there but says nothing Kiln can count."""


def figures(collected: int, passing: int, failing: int) -> dict[str, Any]:
    if min(collected, passing, failing) < 0:
        raise Unreadable("the report's counts do not add up")
    return {"collected": collected, "passing": passing, "failing": failing}


def junit(data: bytes) -> dict[str, Any]:
    """pytest's ``--junitxml``: the suites' tests, failures, errors and skipped."""
    root = ElementTree.fromstring(data)
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if root.tag not in ("testsuite", "testsuites") or not suites:
        raise Unreadable("the junit report has no test suite")
    total = {name: sum(int(suite.get(name, "0")) for suite in suites)
             for name in ("tests", "failures", "errors", "skipped")}
    failing = total["failures"] + total["errors"]
    return figures(total["tests"], total["tests"] - failing - total["skipped"], failing)


def tap(data: bytes) -> dict[str, Any]:
    """node's TAP reporter: the last summary (``# tests``, ``# pass``, ``# fail``)."""
    found = dict(TAP_COUNT.findall(data.decode("utf-8", "replace")))
    if "tests" not in found:
        raise Unreadable("the TAP report has no summary")
    failing = int(found.get("fail", "0")) + int(found.get("cancelled", "0"))
    return figures(int(found["tests"]), int(found.get("pass", "0")), failing)


def jest(data: bytes) -> dict[str, Any]:
    """jest's ``--json`` (and vitest's json reporter, which writes the same fields)."""
    report = an_object(data)
    failing = count(report, "numFailedTests") + count(report, "numRuntimeErrorTestSuites")
    if report.get("success") is not True and failing == 0:
        failing = max(1, count(report, "numFailedTestSuites"))  # a suite that did not load
    return figures(count(report, "numTotalTests"), count(report, "numPassedTests"), failing)


def mocha(data: bytes) -> dict[str, Any]:
    """mocha's json reporter: its ``stats``."""
    stats = an_object(data).get("stats")
    if not isinstance(stats, dict):
        raise Unreadable("the mocha report has no stats")
    return figures(count(stats, "tests"), count(stats, "passes"), count(stats, "failures"))


def unittest(data: bytes) -> dict[str, Any]:
    """Kiln's unittest shim: the TestResult's figures."""
    report = an_object(data)
    failing = sum(count(report, name)
                  for name in ("failures", "errors", "unexpected_successes"))
    passing = (count(report, "tests") - failing - count(report, "skipped")
               - count(report, "expected_failures"))
    return figures(count(report, "tests"), passing, failing)


def tox(data: bytes) -> dict[str, Any]:
    """tox's ``--result-json``: each environment's test commands, with their words and exit
    codes (tox counts no tests; Kiln checks that each command is a recognised runner)."""
    environments = an_object(data).get("testenvs")
    if not isinstance(environments, dict):
        raise Unreadable("the tox report has no environments")
    runs = [run for name, environment in environments.items()
            if isinstance(environment, dict) and not str(name).startswith(".")
            for run in environment.get("test") or [] if isinstance(run, dict)]
    failing = sum(1 for run in runs if str(run.get("retcode")) != "0")
    result = figures(len(runs), len(runs) - failing, failing)
    result["commands"] = [[str(word) for word in run.get("command") or []]
                          for run in runs[:MAX_COMMANDS]]
    return result


def an_object(data: bytes) -> dict[str, Any]:
    value = json.loads(data)
    if not isinstance(value, dict):
        raise Unreadable("the report is not a JSON object")
    return value


def count(report: dict[str, Any], name: str) -> int:
    value = report.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unreadable(f"the report's {name} is not a number")
    return value


READERS: dict[str, Callable[[bytes], dict[str, Any]]] = {
    "junit": junit, "tap": tap, "jest": jest, "mocha": mocha, "unittest": unittest, "tox": tox}


def read(report_format: str, path: str) -> dict[str, Any]:
    """The report's counts, or the problem with it."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_REPORT_BYTES + 1)
    except FileNotFoundError:
        return {"problem": "the runner wrote no report"}
    except OSError as exc:
        return {"problem": f"the report could not be opened ({exc.strerror})"}
    if len(data) > MAX_REPORT_BYTES:
        return {"problem": "the report is too large to read"}
    try:
        return {"counts": READERS[report_format](data)}
    except Unreadable as exc:
        return {"problem": str(exc)}
    except Exception:  # any other fault in the report's text means it cannot judge the run
        return {"problem": f"the {report_format} report could not be read"}


def main(argv: list[str]) -> int:
    report_format, path, directory = argv
    print(json.dumps(read(report_format, path)))
    if os.path.basename(directory).startswith(DIRECTORY_PREFIX):
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
