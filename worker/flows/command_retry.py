"""Commands GitHub could not take (down, or out of quota): asked again later, never dropped."""

from __future__ import annotations

import dataclasses

from githubkit.exception import RequestError

from kiln.jobs import CommandJob
from worker.thread.courier import retry_at

COMMAND_RETRIES = 10
"""How often one command is tried again: with the outbox's back-off (30 s, doubling to 15
minutes) about two hours of outage, or the next rate-limit window."""


def again(command: CommandJob, exc: BaseException | None,
          now: float) -> tuple[CommandJob, float] | None:
    """The command to run again and when (epoch seconds), when GitHub's answer says a later
    try can succeed; None when it was tried enough, GitHub refused it for good, or the
    failure was not GitHub's."""
    if not isinstance(exc, RequestError) or command.attempt >= COMMAND_RETRIES:
        return None
    due = retry_at(exc, command.attempt, now)
    if due is None:
        return None
    return dataclasses.replace(command, attempt=command.attempt + 1), due


def retry_id(job_id: str, attempt: int) -> str:
    """The RQ job id of a command's `attempt`: one per attempt, however often a failure is
    reported (RQ may report one twice)."""
    return f"{job_id.partition('-again-')[0]}-again-{attempt}"
