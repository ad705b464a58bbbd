"""The builder's steps as they reach the build log and, throttled, the progress comment."""

from __future__ import annotations

import re

from kiln.states import BuildState
from worker.builder import Plan, Step
from worker.builder.checklist import Checklist
from worker.builder.events import StepKind
from worker.thread.reporting import goal_lines
from worker.thread.session import JobSession

# The lines by which runners name a failing test: pytest's short summary, TAP and node's
# runner, jest and mocha.
FAILURE_LINE = re.compile(r"^(?:FAILED |ERROR |not ok |\s*✕ |\s*\d+\) |●)", re.MULTILINE)


def failures_first(output: str) -> str:
    """A test run's output with the lines naming failing tests lifted to the top."""
    failures = [line for line in output.splitlines() if FAILURE_LINE.match(line)]
    if not failures:
        return output
    return "\n".join(["Failing:", *failures, "", output])


class StepReporter:
    """An `on_step` callback for the builder that shows each step on the job's session."""

    def __init__(self, session: JobSession) -> None:
        self._session = session
        self._plan: Plan | None = None  # the accepted plan, whose steps get ticked

    def __call__(self, step: Step) -> None:
        # Iteration 0 is the set-up before the first model turn (plan, install).
        detail = failures_first(step.detail) if step.tests is not None else step.detail
        self._session.log(step.message, step.iteration or None, detail)
        self._session.spent(step.tokens, step.cost_usd)
        if step.plan is not None:
            self._plan = step.plan
            self._session.show(state=BuildState.BUILDING, plan=goal_lines(
                step.plan, step.checklist or Checklist.of(step.plan)))
        elif step.checklist is not None and self._plan is not None:  # a step ticked off
            self._session.show(state=BuildState.BUILDING, plan=goal_lines(
                self._plan, step.checklist))
        elif step.kind is StepKind.INSTALL:
            self._session.show(state=BuildState.BUILDING, iteration=step.iteration,
                               install=step.message, urgent=False)
        elif step.tests is not None:
            self._session.show(state=BuildState.BUILDING, iteration=step.iteration,
                               tests=step.tests.summary, urgent=False)
        elif step.iteration != self._session.progress.iteration:
            self._session.show(state=BuildState.BUILDING, iteration=step.iteration,
                               urgent=False)
