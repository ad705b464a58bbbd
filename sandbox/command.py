"""The shell wrapper every sandboxed command runs under: a timeout, then a sweep of survivors."""

from __future__ import annotations

from collections.abc import Sequence

# `timeout` kills its own process group; the sweep then kills whatever escaped it (setsid,
# daemons, fork bombs). `kill -9 -1` reaches every process of the sandbox user but the
# calling shell, and never the keep-alive process, which runs as another user.
WRAPPER = """\
t=$1; shift
timeout -s KILL "$t" "$@"
rc=$?
while kill -9 -1 2>/dev/null; do :; done
exit $rc
"""

# The memory cgroup's kill counter: cgroup v1 first, v2 second.
OOM_COUNTER_COMMAND = [
    "sh", "-c",
    "cat /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events 2>/dev/null",
]


def argv_for(command: str | Sequence[str]) -> list[str]:
    """A shell command line runs under ``sh -c``; a list runs as it is."""
    return ["sh", "-c", command] if isinstance(command, str) else list(command)


def wrapped(command: str | Sequence[str], timeout: float) -> list[str]:
    """The argv that runs ``command`` under the timeout and the sweep."""
    return ["sh", "-c", WRAPPER, "kiln-sandbox", f"{timeout:.3f}", *argv_for(command)]


def parse_oom_kills(text: str) -> int:
    """The ``oom_kill`` count from the cgroup files, 0 when the kernel does not report it."""
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "oom_kill" and value.strip().isdigit():
            return int(value)
    return 0
