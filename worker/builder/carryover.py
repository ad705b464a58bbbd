"""What one run of a build hands the next: the plan, the steps done and left, each run's figures.

A build that stops before it is done (on a budget, above all) can be continued from its branch
by a new run with a fresh budget and a fresh context. That run is not given the transcript: it
gets the plan as a checklist and a short summary of the runs before it, all from a `Carryover`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from worker.builder.checklist import Checklist
from worker.builder.events import StopReason
from worker.builder.plan import Plan
from worker.builder.prompts import Prompt, render
from worker.builder.result import BuildResult

BUDGET_STOPS = frozenset({StopReason.TOKENS, StopReason.MODEL_CALLS, StopReason.TEST_RUNS,
                          StopReason.WALL_CLOCK})


class RunNote(BaseModel):
    """One run of a build, as the next run and the reports see it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run: int
    stop_reason: StopReason
    tests: str  # the last test run's summary, "" when none ran
    changed: tuple[str, ...]  # the paths this run changed
    tokens: int
    cost_usd: float


class Carryover(BaseModel):
    """A build's progress across its runs: kept with its branch, read by the next run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plan: Plan
    done: tuple[int, ...]  # the plan's steps done, by number from 1
    notes: tuple[str, ...]  # one per step: what the model said when it ticked it
    runs: tuple[RunNote, ...]

    def checklist(self) -> Checklist:
        return Checklist(tuple(self.plan.steps), frozenset(self.done), self.notes)

    @property
    def last(self) -> RunNote:
        return self.runs[-1]

    @property
    def finished(self) -> bool:
        """Whether the last run passed: then there is nothing left to continue."""
        return self.last.stop_reason is StopReason.PASSED

    @property
    def stopped_on_budget(self) -> bool:
        return self.last.stop_reason in BUDGET_STOPS

    @property
    def tokens(self) -> int:
        return sum(run.tokens for run in self.runs)

    @property
    def cost_usd(self) -> float:
        return sum(run.cost_usd for run in self.runs)


def carry_over(previous: Carryover | None, result: BuildResult) -> Carryover | None:
    """The progress after `result`'s run, on top of the runs before it; None when the run made
    no plan (there is nothing to go on from)."""
    if result.plan is None:
        return None
    checklist = result.checklist or Checklist.of(result.plan)
    note = RunNote(run=len(previous.runs) + 1 if previous else 1, stop_reason=result.stop_reason,
                   tests=result.tests.summary if result.tests else "",
                   changed=tuple(sorted(result.changes)), tokens=result.usage.total,
                   cost_usd=result.cost_usd)
    return Carryover(plan=result.plan, done=tuple(sorted(checklist.done)),
                     notes=checklist.notes or ("",) * len(checklist.steps),
                     runs=(*(previous.runs if previous else ()), note))


def continuation_prompt(carryover: Carryover) -> str:
    """What a continuing run is told instead of the earlier transcript."""
    checklist = carryover.checklist()
    steps = [(number, step, number in checklist.done, note) for number, (step, note)
             in enumerate(zip(checklist.steps, checklist.notes, strict=True), start=1)]
    return render(Prompt.CONTINUATION, plan=carryover.plan, runs=carryover.runs, steps=steps,
                  remaining=checklist.remaining)
