"""Listing the workspace in one command, and comparing two listings."""

from __future__ import annotations

from dataclasses import dataclass

EXCLUDED_DIRS = (
    "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "node_modules", ".git",
)
EXCLUDED_SUFFIX = "*.pyc"


def list_command(root: str) -> list[str]:
    """A GNU find that prints ``path NUL size NUL mtime NUL mode NUL target NUL`` for every
    file and symlink (a link's own: links are never followed), caches pruned."""
    prune: list[str] = []
    for name in EXCLUDED_DIRS:
        prune += ["-o", "-name", name] if prune else ["-name", name]
    return [
        "find", root, "-mindepth", "1", "(", *prune, ")", "-prune", "-o",
        "(", "-type", "f", "-o", "-type", "l", ")", "!", "-name", EXCLUDED_SUFFIX,
        "-printf", r"%P\0%s\0%T@\0%m\0%l\0",
    ]


@dataclass(frozen=True)
class Stamp:
    """What tells a file changed without reading it: size, mtime in microseconds and
    permission bits; and a symlink's target (None for a file)."""

    size: int
    mtime_us: int
    mode: int = 0o644
    target: str | None = None


def to_microseconds(seconds: float | str) -> int:
    """Seconds since the epoch, as a float or find's ``%T@`` text, in whole microseconds."""
    whole, _, fraction = str(seconds).partition(".")
    return int(whole) * 1_000_000 + int((fraction + "000000")[:6])


def parse_listing(raw: bytes) -> dict[str, Stamp]:
    fields = [field.decode("utf-8", "surrogateescape") for field in raw.split(b"\0")]
    return {fields[i]: _stamp(*fields[i + 1:i + 5]) for i in range(0, len(fields) - 4, 5)}


def _stamp(size: str, mtime: str, mode: str, target: str) -> Stamp:
    # Only a symlink has a target: find prints an empty one for a file.
    return Stamp(int(size), to_microseconds(mtime), int(mode, 8), target or None)


def compare(before: dict[str, Stamp], after: dict[str, Stamp]) -> dict[str, Stamp | None]:
    """What changed between two listings: each changed or added path's new stamp, None for a
    deleted one; sorted by path."""
    changed: dict[str, Stamp | None] = {
        path: stamp for path, stamp in after.items() if before.get(path) != stamp}
    changed.update(dict.fromkeys(path for path in before if path not in after))
    return dict(sorted(changed.items()))
