"""One page of ``list_files``: a directory's paths in order, and what is left to ask for."""

from __future__ import annotations

from collections.abc import Mapping

from worker.builder.entry import Entry, described

PAGE_SIZE = 500


def file_page(entries: Mapping[str, Entry], directory: str, offset: int = 0,
              size: int = PAGE_SIZE) -> str:
    """``path (size)`` lines for the paths under ``directory`` from ``offset`` on, then a
    bracketed line saying how many remain and the offset that shows them."""
    prefix = directory.strip("/") + "/" if directory.strip("/") else ""
    where = prefix or "the workspace"
    paths = sorted(path for path in entries if path.startswith(prefix))
    if not paths:
        return f"no files under {where}"
    if offset >= len(paths):
        return f"[no paths past offset {offset}: {where} has {len(paths)}]"
    end = min(offset + size, len(paths))
    lines = [f"{path} ({described(entries[path])})" for path in paths[offset:end]]
    if end < len(paths):
        lines.append(f"[paths {offset + 1}-{end} of {len(paths)} under {where}; "
                     f"{len(paths) - end} more: list_files with offset={end}]")
    elif offset:
        lines.append(f"[paths {offset + 1}-{end} of {len(paths)} under {where}: the last page]")
    return "\n".join(lines)
