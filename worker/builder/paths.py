"""Workspace-relative paths: the one check every file name from the model goes through."""

from __future__ import annotations

import posixpath

FORBIDDEN_ROOTS = (".git",)


def clean_path(path: str) -> str:
    """A normalised relative path; ValueError for absolute, escaping or empty ones."""
    text = path.strip().replace("\\", "/")
    if not text or text.startswith("/"):
        raise ValueError(f"{path!r} is not a relative path inside the workspace")
    normal = posixpath.normpath(text)
    if normal in (".", "..") or normal.startswith("../"):
        raise ValueError(f"{path!r} points outside the workspace")
    if normal.split("/", 1)[0] in FORBIDDEN_ROOTS:
        raise ValueError(f"{path!r} is inside {normal.split('/', 1)[0]}, which Kiln manages")
    return normal
