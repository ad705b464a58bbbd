"""``python -m unittest`` with a report: Kiln runs this file's text with ``python3 -c``.

Usage: ``python3 -c "$(cat unittest_report.py)" REPORT [unittest arguments...]``. It runs
unittest's own ``main`` as ``python -m unittest`` does (same arguments, same discovery, the
working directory first on ``sys.path``), then writes the result's counts to REPORT as JSON.
Standard library only: it runs in the sandbox, on whatever python3 the image has (3.9 or later).
"""

from __future__ import annotations

import json
import sys
import unittest


def counts(result: unittest.TestResult) -> dict[str, int]:
    """The result's figures, named as the report reader expects them."""
    return {"tests": result.testsRun, "failures": len(result.failures),
            "errors": len(result.errors), "skipped": len(result.skipped),
            "expected_failures": len(result.expectedFailures),
            "unexpected_successes": len(result.unexpectedSuccesses)}


def main(argv: list[str]) -> int:
    report, arguments = argv[0], argv[1:]
    program = unittest.main(module=None, argv=["python -m unittest", *arguments], exit=False)
    with open(report, "w", encoding="utf-8") as file:
        json.dump(counts(program.result), file)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
