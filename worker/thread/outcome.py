"""How a job's outcome shows on its thread besides the progress comment: a reaction, a label."""

from __future__ import annotations

from kiln.states import BuildState, JobKind, Label
from worker.state.outbox import Entry
from worker.thread.conversation import Reaction

OUTCOME_REACTIONS: dict[BuildState, Reaction] = {
    BuildState.DONE: "rocket", BuildState.FAILED: "confused"}
OUTCOME_LABELS = {BuildState.DONE: Label.BUILT, BuildState.FAILED: Label.FAILED}


def outcome_marks(state: BuildState, kind: JobKind, job_id: str) -> tuple[Entry, ...]:
    """The outcome's reaction, and on an issue its label (replacing the other one), as
    entries for the thread's outbox."""
    marks: list[Entry] = []
    if state in OUTCOME_REACTIONS:
        marks.append(Entry.reaction(OUTCOME_REACTIONS[state], job_id))
    if state in OUTCOME_LABELS and kind is JobKind.BUILD:
        other = tuple(label for label in OUTCOME_LABELS.values() if label != OUTCOME_LABELS[state])
        marks.append(Entry.label(OUTCOME_LABELS[state], other, job_id))
    return tuple(marks)
