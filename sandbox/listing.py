"""Listing the workspace in one command, and comparing two listings."""

from __future__ import annotations

from dataclasses import dataclass

EXCLUDED_DIRS = (
    "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "node_modules", ".git",
)
EXCLUDED_SUFFIX = "*.pyc"


def list_command(root: str) -> list[str]:
    """A GNU find that prints ``path NUL size NUL mtime NUL`` for every file, caches pruned."""
    prune: list[str] = []
    for name in EXCLUDED_DIRS:
        prune += ["-o", "-name", name] if prune else ["-name", name]
    return [
        "find", root, "-mindepth", "1", "(", *prune, ")", "-prune", "-o",
        "-type", "f", "!", "-name", EXCLUDED_SUFFIX, "-printf", r"%P\0%s\0%T@\0",
    ]


@dataclass(frozen=True)
class Stamp:
    """What tells a file changed without reading it: size and mtime in microseconds."""

    size: int
    mtime_us: int


def to_microseconds(seconds: float | str) -> int:
    """Seconds since the epoch, as a float or find's ``%T@`` text, in whole microseconds."""
    whole, _, fraction = str(seconds).partition(".")
    return int(whole) * 1_000_000 + int((fraction + "000000")[:6])


def parse_listing(raw: bytes) -> dict[str, Stamp]:
    fields = raw.split(b"\0")
    return {
        fields[i].decode("utf-8", "surrogateescape"): Stamp(int(fields[i + 1]), to_microseconds(
            fields[i + 2].decode()))
        for i in range(0, len(fields) - 2, 3)
    }


def compare(before: dict[str, Stamp], after: dict[str, Stamp]) -> tuple[list[str], list[str]]:
    """``(changed or added, deleted)`` paths between two listings, sorted."""
    changed = sorted(path for path, stamp in after.items() if before.get(path) != stamp)
    deleted = sorted(path for path in before if path not in after)
    return changed, deleted
