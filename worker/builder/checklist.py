"""The plan's steps as a checklist, ticked by the model (`complete_step`) as it finishes them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from worker.builder.plan import Plan

DONE_MARK = "[x]"
OPEN_MARK = "[ ]"


@dataclass(frozen=True)
class Checklist:
    """Each plan step, whether it is done (by number, from 1), and the note it was ticked with."""

    steps: tuple[str, ...]
    done: frozenset[int] = frozenset()
    notes: tuple[str, ...] = ()  # one per step, "" when none

    @classmethod
    def of(cls, plan: Plan) -> Checklist:
        """The plan's steps, none done."""
        return cls(tuple(plan.steps), notes=("",) * len(plan.steps))

    def tick(self, number: int, note: str = "") -> Checklist:
        """The checklist with step `number` done; ValueError for a step the plan lacks."""
        if not 1 <= number <= len(self.steps):
            raise ValueError(f"there is no step {number}: the plan has steps 1 to "
                             f"{len(self.steps)}")
        notes = list(self.notes or ("",) * len(self.steps))
        notes[number - 1] = note.strip() or notes[number - 1]
        return dataclasses.replace(self, done=self.done | {number}, notes=tuple(notes))

    def completed(self) -> Checklist:
        """Every step done: what a build that passed its tests leaves."""
        return dataclasses.replace(self, done=frozenset(range(1, len(self.steps) + 1)))

    @property
    def remaining(self) -> tuple[int, ...]:
        """The numbers of the steps still to do, in order."""
        return tuple(n for n in range(1, len(self.steps) + 1) if n not in self.done)

    def lines(self) -> tuple[str, ...]:
        """One Markdown task-list line per step (``[x] step`` or ``[ ] step``)."""
        return tuple(f"{DONE_MARK if n in self.done else OPEN_MARK} {step}"
                     for n, step in enumerate(self.steps, start=1))

    def tally(self) -> str:
        """E.g. "1 of 3 steps done"."""
        return f"{len(self.done)} of {len(self.steps)} steps done"
