"""What running a command in the sandbox produced."""

from __future__ import annotations

from dataclasses import dataclass

TIMEOUT_EXIT_CODE = 124
KILLED_EXIT_CODE = 137


@dataclass(frozen=True)
class ExecResult:
    """Exit code (124 when the timeout fired), capped output, duration in seconds and why it died.

    ``cached`` is True for an install step answered from the dependency cache.
    """

    exit_code: int
    stdout: str
    stderr: str
    duration: float
    timed_out: bool = False
    oom_killed: bool = False
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def classify(raw_exit: int, timed_out: bool, oom_kills: int) -> tuple[int, bool, bool]:
    """Turn the supervisor's report into ``(exit_code, timed_out, oom_killed)``.

    Both the timeout and the kernel's OOM killer end a command with SIGKILL (137); the
    supervisor says which timed out, and the memory cgroup's kill counter tells OOM apart.
    """
    if timed_out:
        return TIMEOUT_EXIT_CODE, True, False
    if raw_exit == KILLED_EXIT_CODE and oom_kills > 0:
        return KILLED_EXIT_CODE, False, True
    return raw_exit, False, False
