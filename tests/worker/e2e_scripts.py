"""Scripted model turns for the end-to-end tests, shaped like what the builder sends and reads."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from emulators.model import ToolCall, Turn

TEST_COMMAND = "python3 -m pytest -q"
CALC = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
CALC_TEST = ("from calc import add, sub\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
             "def test_sub():\n    assert sub(5, 3) == 2\n")
BROKEN_CALC = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a + b\n"


def plan(expect: str | None = None, **changes: Any) -> Turn:
    """The plan answer (structured output); `expect`: text the request must contain."""
    value = {"goal": "add sub() to calc", "language": "python",
             "files": ["calc.py", "test_calc.py"], "install_command": None,
             "test_command": TEST_COMMAND, "steps": ["write sub", "test it"]}
    return Turn.json({**value, **changes}, expect=expect)


def write(path: str, content: str) -> ToolCall:
    return ToolCall("write_file", {"path": path, "content": content})


def finish(summary: str = "Added calc.sub.", replies: list[dict[str, Any]] | None = None,
           ) -> ToolCall:
    return ToolCall("finish", {"summary": summary, "replies": replies or []})


def passing_build() -> list[Turn]:
    """Plan, write the code and its test, finish: the tests pass at the first run."""
    return [plan(), Turn.tool_calls([write("calc.py", CALC), write("test_calc.py", CALC_TEST)]),
            Turn.tool_calls([finish()])]


def paced(turns: list[Turn], seconds: float) -> list[Turn]:
    """The same turns, each answered after `seconds` of "thinking", as a real model would."""
    return [replace(turn, delay=seconds) for turn in turns]


def never_finishing_build(command: str = "sleep 2") -> list[Turn]:
    """Plan, write a broken attempt, then keep running a command until something stops it."""
    return [plan(), Turn.tool_calls([write("calc.py", BROKEN_CALC),
                                     write("test_calc.py", CALC_TEST)]),
            Turn.endless(ToolCall("run_command", {"command": command}))]


REVISED_CALC = CALC.replace("def sub(a, b):\n", 'def sub(a, b):\n    """a minus b."""\n')
REVIEW_COMMENT = "Please give sub a docstring."


def revision() -> list[Turn]:
    """A revision run: the review comment must reach the model; it edits and finishes."""
    return [plan(expect=REVIEW_COMMENT, goal="document sub", files=["calc.py"]),
            Turn.tool_calls([write("calc.py", REVISED_CALC)]),
            Turn.tool_calls([finish("Documented sub.")])]


STEPS = ["write sub", "test sub", "document sub"]
README = "# calc\n\n`sub(a, b)` is a minus b.\n"
TIGHT_BUDGET = "budgets:\n  model_calls: 3\n"  # the plan and two turns: too few for STEPS


def complete(step: int, note: str = "") -> ToolCall:
    return ToolCall("complete_step", {"step": step, "note": note})


def budget_stopped_build() -> list[Turn]:
    """Plans three steps, does the first, and (within TIGHT_BUDGET) runs out of model calls
    in the second."""
    return [plan(steps=STEPS),
            Turn.tool_calls([write("calc.py", CALC), complete(1, "sub in calc.py")]),
            Turn.tool_calls([write("test_calc.py", CALC_TEST)])]


def continued_build() -> list[Turn]:
    """The run after `budget_stopped_build`: no plan (the summary of run 1 must reach it); it
    ticks the other steps off and finishes."""
    return [Turn.tool_calls([write("README.md", README), complete(2), complete(3)],
                            expect="Run 1 stopped: model call budget spent"),
            Turn.tool_calls([finish("Added, tested and documented sub.")])]
