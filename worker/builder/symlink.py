"""Following the workspace's symlinks on paths, never out of the workspace."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

from worker.builder.entry import Entry, Kind

MAX_HOPS = 40  # as Linux's own limit, so a loop is reported rather than followed forever


@dataclass(frozen=True)
class Resolved:
    """Where ``path`` really is: ``real`` with every link on the way followed, and the first
    link met (``link`` and its ``target``), if any."""

    real: str
    link: str = ""
    target: str = ""


def resolve(path: str, entries: Mapping[str, Entry]) -> Resolved:
    """``path`` with its symlinks followed; ValueError when one leads outside the workspace
    or into a loop. Directories are not entries, so only symlink entries are followed."""
    parts, hops, first = path.split("/"), 0, Resolved(path)
    done: list[str] = []
    while parts:
        here = posixpath.join(*done, parts[0]) if done else parts[0]
        entry = entries.get(here)
        if entry is None or entry.kind is not Kind.SYMLINK:
            done.append(parts.pop(0))
            continue
        hops += 1
        if not first.link:
            first = Resolved(path, here, entry.target)
        if hops > MAX_HOPS:
            raise ValueError(f"{first.link} is a symbolic link in a loop of links")
        followed = _followed(here, entry.target)  # "." when it names the top directory
        parts = [*(followed.split("/") if followed != "." else []), *parts[1:]]
        done = []
    return Resolved("/".join(done), first.link, first.target)


def _followed(link: str, target: str) -> str:
    """The workspace path a link's target names, relative to the link's directory."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(link), target))
    if target.startswith("/") or joined == ".." or joined.startswith("../"):
        raise ValueError(f"{link} is a symbolic link to {target}, outside the workspace")
    return joined
