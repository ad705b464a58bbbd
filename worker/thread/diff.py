"""A published change as a unified diff, for the build page."""

from __future__ import annotations

import difflib
from collections.abc import Mapping


def unified_diff(base: Mapping[str, bytes], changes: Mapping[str, bytes | None]) -> str:
    """The diff of `changes` (None: deleted) against `base`, a file at a time, sorted."""
    return "".join(_file_diff(path, base.get(path), changes[path]) for path in sorted(changes))


def _file_diff(path: str, before: bytes | None, after: bytes | None) -> str:
    old, new = _text(before), _text(after)
    if old is None or new is None:
        return f"Binary file {path} changed\n"
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=f"a/{path}" if before is not None else "/dev/null",
        tofile=f"b/{path}" if after is not None else "/dev/null")
    return "".join(line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n"
                   for line in lines)


def _text(content: bytes | None) -> str | None:
    """The file's text ("" when absent); None when it is not UTF-8 text."""
    if content is None:
        return ""
    try:
        text = content.decode()
    except UnicodeDecodeError:
        return None
    return None if "\0" in text else text
