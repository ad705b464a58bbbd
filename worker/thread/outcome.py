"""How a job's outcome shows on its thread besides the progress comment: a reaction, a label."""

from __future__ import annotations

from kiln.states import BuildState, JobKind, Label
from worker.thread.conversation import Conversation, Reaction

OUTCOME_REACTIONS: dict[BuildState, Reaction] = {
    BuildState.DONE: "rocket", BuildState.FAILED: "confused"}
OUTCOME_LABELS = {BuildState.DONE: Label.BUILT, BuildState.FAILED: Label.FAILED}


def mark_outcome(conversation: Conversation, state: BuildState, kind: JobKind) -> None:
    """The outcome's reaction, and on an issue its label (replacing the other one)."""
    if state in OUTCOME_REACTIONS:
        conversation.react(OUTCOME_REACTIONS[state])
    if state in OUTCOME_LABELS and kind is JobKind.BUILD:
        other = tuple(label for label in OUTCOME_LABELS.values() if label != OUTCOME_LABELS[state])
        conversation.label(OUTCOME_LABELS[state], remove=other)
