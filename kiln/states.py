"""The states a build passes through and the labels Kiln puts on issues."""

from enum import StrEnum


class BuildState(StrEnum):
    """Where a build or revision stands; shown in the progress comment and the dashboard."""

    QUEUED = "queued"
    PLANNING = "planning"
    BUILDING = "building"
    PUBLISHING = "publishing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (BuildState.DONE, BuildState.FAILED, BuildState.CANCELLED)


class Label(StrEnum):
    """Labels Kiln adds to an issue when a build ends."""

    BUILT = "kiln: built"
    FAILED = "kiln: failed"


class JobKind(StrEnum):
    """The kinds of job the web side enqueues."""

    BUILD = "build"
    REVISE = "revise"
    COMMAND = "command"
    REPORT = "report"  # queued by the worker, for later: a report GitHub refused (rate limit)
    CI = "ci"  # look at the checks other apps reported on a Kiln pull request's head


class Command(StrEnum):
    """The `/kiln <name>` comment commands."""

    RETRY = "retry"
    CANCEL = "cancel"
    STATUS = "status"
    HELP = "help"
    CONTINUE = "continue"  # go on with a build that stopped before it was done, from its branch
