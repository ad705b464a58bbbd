"""What the file tools know of one path without reading it: its size and kind, and how to say so."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """The kinds of path a git tree holds (its modes 100644, 100755, 120000 and 160000)."""

    FILE = "file"
    EXECUTABLE = "executable"
    SYMLINK = "symlink"
    SUBMODULE = "submodule"


@dataclass(frozen=True)
class Entry:
    """One path of the workspace. ``target`` is a symlink's target as git stores it, or a
    submodule's commit id; empty for files."""

    size: int
    kind: Kind = Kind.FILE
    target: str = ""


def entries_of(files: Mapping[str, bytes]) -> dict[str, Entry]:
    """Entries for a tree held as bytes alone, where every path is a regular file."""
    return {path: Entry(len(data)) for path, data in files.items()}


def described(entry: Entry) -> str:
    """``2.0 KB``, ``2.0 KB, executable``, ``symlink to ../lib/x.py``, ``submodule at 1a2b3c4``."""
    if entry.kind is Kind.SYMLINK:
        return f"symlink to {entry.target}"
    if entry.kind is Kind.SUBMODULE:
        return f"submodule at {entry.target[:12]}, not in the workspace"
    size = human_size(entry.size)
    return f"{size}, executable" if entry.kind is Kind.EXECUTABLE else size


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
