"""Workspace-relative paths: the one check every file name from the model goes through."""

from __future__ import annotations

import posixpath

from worker.builder.protected import is_git_path


def clean_path(path: str) -> str:
    """A normalised relative path; ValueError for absolute, escaping or empty ones, and for
    any inside a `.git` directory (at any depth, in any case)."""
    text = path.strip().replace("\\", "/")
    if not text or text.startswith("/"):
        raise ValueError(f"{path!r} is not a relative path inside the workspace")
    normal = posixpath.normpath(text)
    if normal in (".", "..") or normal.startswith("../"):
        raise ValueError(f"{path!r} points outside the workspace")
    if is_git_path(normal):
        raise ValueError(f"{path!r} is inside a .git directory, which Kiln manages")
    return normal
