"""The carry-over between a build's runs (#15): checklist, progress, summary prompt, trailer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulators.model import ToolCall, Turn
from emulators.model.conversation import messages_text
from kiln.settings import Settings
from tests.worker.fake_box import FakeSandboxes
from worker.builder import (
    Budget,
    BuildRequest,
    BuildResult,
    Plan,
    Prices,
    StepKind,
    StopReason,
    Usage,
    run_build,
)
from worker.builder.carryover import Carryover, carry_over, continuation_prompt
from worker.builder.checklist import Checklist
from worker.flows.continuation import advice, continues_automatically, resumable, totals
from worker.github.trailer import progress_in, with_progress

PLAN = Plan(goal="a calculator", language="python", files=["calc.py"], install_command=None,
            test_command="python3 -m pytest -q", steps=["add", "subtract", "document"])


def result(stop: StopReason, checklist: Checklist | None, changes: dict[str, Any],
           tokens: int = 1_000, cost: float = 0.01) -> BuildResult:
    return BuildResult(
        passed=stop is StopReason.PASSED, stop_reason=stop, plan=PLAN, files={},
        changes=changes, tests=None, existing_tests_changed=[], iterations=2,
        usage=Usage(prompt_tokens=tokens), cost_usd=cost, steps=[], summary="", replies={},
        checklist=checklist)


def first_run() -> Carryover:
    ticked = Checklist.of(PLAN).tick(1, "add() in calc.py")
    carried = carry_over(None, result(StopReason.TOKENS, ticked, {"calc.py": b"x"}))
    assert carried is not None
    return carried


def test_a_checklist_ticks_steps_by_number_and_says_what_remains() -> None:
    checklist = Checklist.of(PLAN).tick(2, "done")

    assert checklist.remaining == (1, 3) and checklist.tally() == "1 of 3 steps done"
    assert checklist.lines() == ("[ ] add", "[x] subtract", "[ ] document")
    assert checklist.notes == ("", "done", "")
    assert checklist.completed().remaining == ()
    with pytest.raises(ValueError, match="no step 4"):
        checklist.tick(4)


def test_the_first_run_carries_its_plan_done_steps_and_figures() -> None:
    carried = first_run()

    assert carried.done == (1,) and carried.checklist().remaining == (2, 3)
    (run,) = carried.runs
    assert (run.run, run.stop_reason, run.changed, run.tokens) == (
        1, StopReason.TOKENS, ("calc.py",), 1_000)
    assert resumable(carried) and carried.stopped_on_budget


def test_a_second_run_adds_to_the_first_and_a_pass_finishes_the_build() -> None:
    done = first_run().checklist().completed()
    second = carry_over(first_run(), result(StopReason.PASSED, done, {"doc.md": b"y"},
                                            tokens=500, cost=0.02))

    assert second is not None and [run.run for run in second.runs] == [1, 2]
    assert (second.tokens, round(second.cost_usd, 4)) == (1_500, 0.03)
    assert second.finished and not resumable(second)
    assert totals(second) == "**Across 2 runs:** 1,500 tokens · $0.0300"
    assert totals(first_run()) == ""


def test_a_run_without_a_plan_carries_nothing() -> None:
    planless = result(StopReason.NO_PLAN, None, {})
    planless.plan = None

    assert carry_over(None, planless) is None and not resumable(None)


def test_the_summary_prompt_has_the_runs_and_the_checklist_not_a_transcript() -> None:
    prompt = continuation_prompt(first_run())

    assert "Run 1 stopped: token budget spent. Last test run: none. Files it changed: calc.py." \
        in prompt
    assert "1. [x] add (done: add() in calc.py)" in prompt and "3. [ ] document" in prompt
    assert "build the open steps (2, 3)" in prompt
    assert "`python3 -m pytest -q`" in prompt and "Do not plan again" in prompt


def test_the_trailer_round_trips_and_belongs_to_one_issue() -> None:
    message = with_progress("Add sub\n\nBuilt by Kiln for o/r#7.", 7, first_run())

    assert message.splitlines()[-1].startswith("Kiln-Progress: {")
    assert progress_in(message, 7) == first_run()
    assert progress_in(message, 8) is None  # another issue's branch history
    assert progress_in("Kiln-Progress: {not json", 7) is None
    assert with_progress("Plain", 7, None) == "Plain"


def test_automatic_continuations_go_on_budget_stops_up_to_the_number_allowed() -> None:
    one_run = first_run()
    two_runs = carry_over(one_run, result(StopReason.MODEL_CALLS, one_run.checklist(), {}))
    gave_up = carry_over(None, result(StopReason.GAVE_UP, Checklist.of(PLAN), {}))

    assert continues_automatically(one_run, 1) and not continues_automatically(one_run, 0)
    assert two_runs is not None and not continues_automatically(two_runs, 1)
    assert continues_automatically(two_runs, 2)
    assert not continues_automatically(gave_up, 3)  # only a budget stop goes on by itself
    branch = "kiln/issue-7"
    assert "continuing automatically (run 2 of at most 3)" in advice(one_run, True, 2, branch)
    assert "`/kiln continue`" in advice(one_run, False, 0, branch)
    assert advice(gave_up, False, 3, branch) == "" and resumable(gave_up)


def test_a_continued_run_does_not_plan_and_ticks_the_steps_left(
        serve_model: Callable[..., Any], make_settings: Callable[..., Settings],
        tmp_path: Path) -> None:
    tick = [ToolCall("complete_step", {"step": 2, "note": "sub()"}),
            ToolCall("complete_step", {"step": 9})]
    turns = [Turn.tool_calls(tick, expect="Do not plan again"),
             Turn.tool_calls([ToolCall("list_files", {})], expect="there is no step 9")]
    model, llm = serve_model(turns, make_settings())
    request = BuildRequest(title="Calculator", body="add, subtract, document", files={},
                           model="gpt-4.1-mini", budget=Budget(100_000, 2, 5, 300.0),
                           prices=Prices(0.4, 0.1, 1.6), carryover=first_run())

    result = run_build(request, llm=llm, open_sandbox=FakeSandboxes(tmp_path))

    model.assert_done()
    assert result.stop_reason is StopReason.MODEL_CALLS and result.plan == PLAN
    assert result.checklist is not None and result.checklist.remaining == (3,)
    assert result.checklist.notes == ("add() in calc.py", "sub()", "")
    kinds = [step.kind for step in result.steps]
    assert kinds[0] is StepKind.PLAN and result.steps[0].message.startswith("plan carried over")
    (ticked,) = [step for step in result.steps if step.kind is StepKind.PROGRESS]
    assert ticked.checklist is not None and ticked.checklist.done == {1, 2}
    assert "Reply now with your plan" not in messages_text(model.requests[0]["messages"])
