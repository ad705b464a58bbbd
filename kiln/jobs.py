"""The job contract between the web side and the worker: job names and their plain arguments."""

from __future__ import annotations

from kiln.states import JobKind

JOB_FUNCTIONS: dict[JobKind, str] = {
    JobKind.BUILD: "worker.jobs.build",
    JobKind.REVISE: "worker.jobs.revise",
    JobKind.COMMAND: "worker.jobs.command",
}
