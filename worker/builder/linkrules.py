"""What the file tools do with symlinks and submodules: read through links, never write through.

Reading a symlink shows the file it points to (inside the workspace only). Writing or editing
one is refused with the path to change instead, so a link is never turned into a file (or
into a link pointing at the edited text); deleting it removes the link itself. A submodule's
files are not in the workspace, so nothing in one can be read or changed.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from worker.builder.entry import Entry, Kind
from worker.builder.symlink import Resolved, resolve

IN_SUBMODULE = ("{module} is a git submodule at commit {commit}: its files are not in the "
                "workspace, and Kiln can neither read nor change them.")
LINK_KEPT = ("{path} is a symbolic link to {target}, and Kiln keeps links as they are. "
             "{instead}Or delete_file {path} first to replace the link with a regular file.")
THROUGH_LINK = ("{link} is a symbolic link to {target}, so {path} is really {real}: use that "
                "path.")
DIRECTORY = "{path} is a directory: see its files with list_files"


def readable(path: str, entries: Mapping[str, Entry]) -> Resolved:
    """Where read_file finds ``path``: its real path, with the link that led there."""
    _check_submodule(path, entries)
    found = resolve(path, entries)
    if found.real not in entries and any(key.startswith(found.real + "/") for key in entries):
        raise ValueError(DIRECTORY.format(path=path))
    _check_submodule(found.real, entries)
    return found


def writable_entry(path: str, entries: Mapping[str, Entry], *, itself: bool) -> Entry | None:
    """The entry a tool may change at ``path`` (None for a new file). Refused when a submodule
    holds it or a link is on its way; with ``itself``, also when ``path`` is a link (a
    deletion removes the link, so it may)."""
    _check_submodule(path, entries)
    parent = posixpath.dirname(path)
    above = resolve(parent, entries) if parent else Resolved("")
    if above.link:
        real = posixpath.join(above.real, posixpath.basename(path))
        raise ValueError(THROUGH_LINK.format(link=above.link, target=above.target, path=path,
                                             real=real))
    entry = entries.get(path)
    if itself and entry is not None and entry.kind is Kind.SYMLINK:
        raise ValueError(LINK_KEPT.format(path=path, target=entry.target,
                                          instead=_instead(path, entries)))
    return entry


def _instead(link: str, entries: Mapping[str, Entry]) -> str:
    try:
        real = resolve(link, entries).real
    except ValueError:
        return "It does not lead to a path in the workspace. "
    return f"Change {real} instead, what it points to. "


def _check_submodule(path: str, entries: Mapping[str, Entry]) -> None:
    parts = path.split("/")
    for here in ("/".join(parts[:depth]) for depth in range(1, len(parts) + 1)):
        entry = entries.get(here)
        if entry is not None and entry.kind is Kind.SUBMODULE:
            raise ValueError(IN_SUBMODULE.format(module=here, commit=entry.target))
