"""The plan's checklist as the progress comment shows it, ticked as the model finishes steps."""

from __future__ import annotations

from typing import Any, cast

from kiln.states import BuildState, JobKind
from worker.builder import Plan
from worker.builder.checklist import Checklist
from worker.builder.events import Step, StepKind
from worker.thread.progress import Progress, render
from worker.thread.reporter import StepReporter
from worker.thread.reporting import plan_lines
from worker.thread.session import JobSession

PLAN = Plan(goal="a calculator", language="python", files=["calc.py"], install_command=None,
            test_command="python3 -m pytest -q", steps=["add", "subtract"])


class ShownPlans:
    """The plans a StepReporter shows on its session, in order (the rest is not looked at)."""

    def __init__(self) -> None:
        self.progress = Progress(JobKind.BUILD, BuildState.BUILDING, "alice")
        self.plans: list[tuple[str, ...]] = []

    def log(self, *_args: Any) -> None:
        """The build log: not what this test is about."""

    def spent(self, *_args: Any) -> None:
        """The running spend: not what this test is about."""

    def show(self, *, urgent: bool = True, **changes: Any) -> None:
        if "plan" in changes:
            self.plans.append(changes["plan"])


def test_the_plan_shows_as_a_task_list_that_ticks_as_steps_are_done() -> None:
    session = ShownPlans()
    reporter = StepReporter(cast(JobSession, session))

    reporter(Step(StepKind.PLAN, "plan: a calculator", 0, 1.0, plan=PLAN))
    reporter(Step(StepKind.PROGRESS, "step 2 done: subtract", 2, 5.0,
                  checklist=Checklist.of(PLAN).tick(2)))

    assert session.plans == [("**Goal:** a calculator", "[ ] add", "[ ] subtract"),
                             ("**Goal:** a calculator", "[ ] add", "[x] subtract")]
    body = render(Progress(JobKind.BUILD, BuildState.BUILDING, "alice",
                           plan=plan_lines(PLAN, Checklist.of(PLAN).tick(1))))
    assert "- [x] add\n- [ ] subtract\n- Tests: `python3 -m pytest -q`" in body
