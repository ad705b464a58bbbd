"""The build's step log: every event kept in order and passed to the caller's callback."""

from __future__ import annotations

from collections.abc import Callable

from worker.builder.budget import Meter, Prices
from worker.builder.checklist import Checklist
from worker.builder.events import Step, StepKind
from worker.builder.outcome import TestOutcome
from worker.builder.plan import Plan


class StepLog:
    """Stamps each event with the current iteration and the elapsed time, then reports it."""

    def __init__(self, on_step: Callable[[Step], None], meter: Meter,
                 prices: Prices | None = None) -> None:
        self.on_step = on_step
        self.meter = meter
        self.prices = prices  # without them, steps carry tokens only
        self.iteration = 0
        self.steps: list[Step] = []

    def emit(self, kind: StepKind, message: str, detail: str = "", *, plan: Plan | None = None,
             tests: TestOutcome | None = None, checklist: Checklist | None = None) -> None:
        step = Step(kind, message, self.iteration, round(self.meter.elapsed(), 3), detail,
                    plan=plan, tests=tests, checklist=checklist, tokens=self.meter.usage.total,
                    cost_usd=self.prices.cost(self.meter.usage) if self.prices else 0.0)
        self.steps.append(step)
        self.on_step(step)
