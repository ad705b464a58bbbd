"""The shell wrapper every sandboxed command runs under: a timeout, then a sweep of survivors."""

from __future__ import annotations

from collections.abc import Sequence

# `timeout` kills its own process group; the sweep then kills whatever escaped it (setsid,
# daemons, fork bombs). `kill -9 -1` reaches every process of the sandbox user but the
# calling shell, and never the keep-alive process, which runs as another user; it repeats
# while /proc still shows a process of ours (a fork bomb forks between two sweeps).
WRAPPER = """\
t=$1; shift
timeout -s KILL "$t" "$@"
rc=$?
ours() {
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" != "$$" ] && [ -O "$p" ] && return 0
    done
    return 1
}
while ours; do kill -9 -1 2>/dev/null; done
exit $rc
"""

# Files the caller put since the last command arrive as tar archives on standard input and
# are unpacked before the command runs, which saves the engine a round trip per iteration.
UNPACK_EXIT_CODE = 125
UNPACK = f"""\
if ! tar -x -i -p -f - -C "$1"; then
    echo "kiln-sandbox: could not write the files" >&2
    exit {UNPACK_EXIT_CODE}
fi
shift
exec "$@"
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


def unpacking_first(argv: Sequence[str], root: str) -> list[str]:
    """The argv that unpacks a tar from standard input into ``root``, then runs ``argv``."""
    return ["sh", "-c", UNPACK, "kiln-sandbox", root, *argv]


def parse_oom_kills(text: str) -> int:
    """The ``oom_kill`` count from the cgroup files, 0 when the kernel does not report it."""
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "oom_kill" and value.strip().isdigit():
            return int(value)
    return 0
