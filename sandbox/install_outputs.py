"""What an install adds to the workspace: kept in its image, put back in each sandbox.

Run inside a container as the sandbox user, ``python3 -I -S -c <this file> ACTION`` (so the
standard library only). In the installer, ``stage`` copies the sandbox's workspace (mounted
read-only at ``SOURCE``) into the installer's own ``/workspace`` and records what it holds;
after the install, ``keep`` copies every path the install added (``node_modules``, an
editable install's ``*.egg-info``, ``build/``) into the deps directory, which the image
keeps, and names them in ``ROOTS``. In a sandbox started on that image, ``restore`` puts
them back into the workspace, excluded from git so nothing of them is ever published, and
prints their names (NUL-separated).

The install runs at ``/workspace`` itself: an editable install's links in site-packages
name that path, and every sandbox's workspace is there too.
"""

from __future__ import annotations

import os
import shutil
import sys

WORKSPACE = "/workspace"
SOURCE = "/tmp/kiln-source"
BEFORE = "/tmp/kiln-before"
KEPT = "/opt/kiln-deps/workspace"
ROOTS = "/opt/kiln-deps/workspace-roots"
EXCLUDE = ".git/info/exclude"
SEPARATOR = "\0"


def walk(root: str) -> set[str]:
    """Every path under ``root`` (files, directories, links never followed), relative,
    git's own directory left out."""
    found: set[str] = set()
    for directory, dirs, files in os.walk(root):
        relative = os.path.relpath(directory, root)
        dirs[:] = [name for name in dirs if name != ".git"]
        for name in dirs + files:
            found.add(name if relative == "." else f"{relative}/{name}")
    return found


def added_roots(before: set[str], after: set[str]) -> list[str]:
    """The topmost of the paths in ``after`` but not ``before``: a new directory stands for
    everything in it."""
    added = after - before
    return sorted(path for path in added if os.path.dirname(path) not in added)


def read_text(path: str) -> str:
    """A file's text; "" when it is absent."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as opened:
            return opened.read()
    except FileNotFoundError:
        return ""


def read_names(path: str) -> list[str]:
    return [name for name in read_text(path).split(SEPARATOR) if name]


def write_names(path: str, names: list[str]) -> None:
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as opened:
        opened.write(SEPARATOR.join(names))


def copy(source: str, target: str) -> None:
    """A file, link or whole directory, with modes and times; links copied as links."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.isdir(source) and not os.path.islink(source):
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target, follow_symlinks=False)


def within(path: str, roots: list[str]) -> bool:
    """Whether ``path`` is one of ``roots`` or inside one."""
    return any(path == root or path.startswith(f"{root}/") for root in roots)


def stage(source: str, workspace: str, before: str) -> None:
    shutil.copytree(source, workspace, symlinks=True, dirs_exist_ok=True)
    write_names(before, sorted(walk(workspace)))


def keep(workspace: str, before: str, kept: str, roots_file: str) -> None:
    """Keep what this install added, and what an earlier install kept that is still there
    (a later install on this image may have changed it)."""
    present = walk(workspace)
    earlier = [root for root in read_names(roots_file) if root in present]
    roots = sorted({*added_roots(set(read_names(before)), present), *earlier})
    shutil.rmtree(kept, ignore_errors=True)
    for root in roots:
        copy(os.path.join(workspace, root), os.path.join(kept, root))
    write_names(roots_file, roots)


def pattern(root: str) -> str:
    """An exclude line matching ``root`` alone: anchored, git's wildcards escaped."""
    return "/" + "".join("\\" + char if char in "\\*?[" else char for char in root)


def restore(workspace: str, kept: str, roots_file: str) -> list[str]:
    """Put the kept paths into ``workspace`` (never over what is there), excluded from git;
    their names."""
    roots = read_names(roots_file)
    for root in roots:
        target = os.path.join(workspace, root)
        if not os.path.lexists(target):
            copy(os.path.join(kept, root), target)
    exclude = os.path.join(workspace, EXCLUDE)
    if roots and os.path.isdir(os.path.dirname(exclude)):
        text = read_text(exclude)
        lines = [line for line in map(pattern, roots) if line not in text.splitlines()]
        with open(exclude, "a", encoding="utf-8", errors="surrogateescape") as opened:
            opened.write("\n" * (bool(text) and not text.endswith("\n")) +
                         "".join(f"{line}\n" for line in lines))
    return roots


ACTIONS = {
    "stage": lambda: stage(SOURCE, WORKSPACE, BEFORE),
    "keep": lambda: keep(WORKSPACE, BEFORE, KEPT, ROOTS),
    "restore": lambda: sys.stdout.write(SEPARATOR.join(restore(WORKSPACE, KEPT, ROOTS))),
}

if __name__ == "__main__":
    ACTIONS[sys.argv[1]]()
