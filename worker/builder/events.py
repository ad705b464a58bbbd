"""What a build reports as it goes (steps) and why it stopped."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from worker.builder.checklist import Checklist
from worker.builder.outcome import TestOutcome
from worker.builder.plan import Plan


class StepKind(StrEnum):
    """The kind of event a step records."""

    INSTRUCTIONS = "instructions"
    PLAN = "plan"
    MODEL = "model"
    TOOL = "tool"
    TEST = "test"
    INSTALL = "install"
    PROGRESS = "progress"  # a plan step ticked off (#15)
    STOP = "stop"


@dataclass(frozen=True)
class Step:
    """One line of the build's log: a short human message, optional detail, and what the step
    produced for those who act on it (the accepted plan, a test outcome)."""

    kind: StepKind
    message: str
    iteration: int
    elapsed: float
    detail: str = ""
    plan: Plan | None = None
    tests: TestOutcome | None = None
    tokens: int = 0  # the build's tokens so far, and their estimated cost: what a crash
    cost_usd: float = 0.0  # report shows, so the record keeps them as the build goes
    checklist: Checklist | None = None  # the plan's steps as they stand, on PLAN and PROGRESS


class StopReason(StrEnum):
    """Why a build ended; the values read well in a progress comment."""

    PASSED = "tests passed"
    TOKENS = "token budget spent"
    MODEL_CALLS = "model call budget spent"
    TEST_RUNS = "test run budget spent"
    WALL_CLOCK = "time budget spent"
    GAVE_UP = "the model gave up"
    NO_PLAN = "no valid plan"
    MODEL_ERROR = "the model could not be reached"
