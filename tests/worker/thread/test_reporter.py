"""The builder's steps as the build log shows them: test output with failures first."""

from __future__ import annotations

from worker.thread.reporter import failures_first

PYTEST = """....F
=================================== FAILURES ===================================
___________________________________ test_sub ___________________________________
E   assert 8 == 2
=========================== short test summary info ============================
FAILED test_calc.py::test_sub - assert 8 == 2
1 failed, 4 passed in 0.05s"""


def test_failing_tests_are_named_before_the_output() -> None:
    shown = failures_first(PYTEST)

    assert shown.startswith("Failing:\nFAILED test_calc.py::test_sub - assert 8 == 2\n\n")
    assert shown.endswith(PYTEST)


def test_output_without_failures_is_left_as_it_is() -> None:
    assert failures_first("5 passed in 0.02s") == "5 passed in 0.02s"
    assert failures_first("not ok 1 - adds\nok 2 - subtracts").startswith("Failing:\nnot ok 1")
