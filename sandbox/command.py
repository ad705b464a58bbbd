"""The argv of a sandboxed command, and of the unpacking that writes files before it."""

from __future__ import annotations

from collections.abc import Sequence

# Files the caller put since the last command are unpacked just before it runs; when the
# workspace refuses them (full), that command fails with this exit code instead.
UNPACK_EXIT_CODE = 125
UNPACK_FAILED = "kiln-sandbox: could not write the files"


def argv_for(command: str | Sequence[str]) -> list[str]:
    """A shell command line runs under ``sh -c``; a list runs as it is."""
    return ["sh", "-c", command] if isinstance(command, str) else list(command)


def unpack_argv(root: str) -> list[str]:
    """The argv that unpacks a tar from standard input into ``root``."""
    return ["tar", "-x", "-i", "-p", "-f", "-", "-C", root]
