"""A compact map of a repository's tree for the first prompt: paths and sizes, capped."""

from __future__ import annotations

from collections.abc import Mapping

MAX_ENTRIES = 400


def tree_map(files: Mapping[str, bytes], limit: int = MAX_ENTRIES) -> str:
    """One ``path (size)`` line per file, sorted; past ``limit`` files the rest are counted."""
    paths = sorted(files)
    lines = [f"{path} ({human_size(len(files[path]))})" for path in paths[:limit]]
    if len(paths) > limit:
        lines.append(f"... and {len(paths) - limit} more files (use list_files)")
    return "\n".join(lines)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
