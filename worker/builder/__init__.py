"""The builder: plan with an LLM, then write, test and fix in a sandbox until the tests pass."""

from worker.builder.budget import Budget, Prices, Usage
from worker.builder.events import Step, StepKind, StopReason
from worker.builder.outcome import TestOutcome
from worker.builder.plan import Plan
from worker.builder.request import BuildRequest, Feedback
from worker.builder.result import BuildResult, IterationStats
from worker.builder.runner import run_build

__all__ = [
    "Budget", "BuildRequest", "BuildResult", "Feedback", "IterationStats", "Plan", "Prices",
    "Step", "StepKind", "StopReason", "TestOutcome", "Usage", "run_build",
]
