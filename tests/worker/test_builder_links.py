"""Symlinks and submodules for the file tools: read through links, never write through them."""

from __future__ import annotations

import re

import pytest

from worker.builder.entry import Entry, Kind
from worker.builder.linkrules import readable, writable_entry
from worker.builder.symlink import Resolved, resolve

ENTRIES = {
    "lib/real.py": Entry(10),
    "app.py": Entry(11, Kind.SYMLINK, "lib/real.py"),
    "alias.py": Entry(6, Kind.SYMLINK, "app.py"),
    "modules/real.py": Entry(14, Kind.SYMLINK, "../lib/real.py"),
    "pkg": Entry(3, Kind.SYMLINK, "lib"),
    "top": Entry(1, Kind.SYMLINK, "."),
    "etc": Entry(4, Kind.SYMLINK, "/etc"),
    "up": Entry(5, Kind.SYMLINK, "../x"),
    "loop/a": Entry(1, Kind.SYMLINK, "b"),
    "loop/b": Entry(1, Kind.SYMLINK, "a"),
    "vendor/ext": Entry(0, Kind.SUBMODULE, "c" * 40),
}


def test_links_are_followed_inside_the_workspace() -> None:
    assert resolve("lib/real.py", ENTRIES) == Resolved("lib/real.py")
    assert resolve("alias.py", ENTRIES) == Resolved("lib/real.py", "alias.py", "app.py")
    assert resolve("modules/real.py", ENTRIES).real == "lib/real.py"
    assert resolve("pkg/new.py", ENTRIES) == Resolved("lib/new.py", "pkg", "lib")
    assert resolve("top/lib/real.py", ENTRIES).real == "lib/real.py"


@pytest.mark.parametrize(("path", "message"), [
    ("etc/passwd", "etc is a symbolic link to /etc, outside the workspace"),
    ("up", "up is a symbolic link to ../x, outside the workspace"),
    ("loop/a", "loop/a is a symbolic link in a loop of links"),
])
def test_links_out_of_the_workspace_or_in_a_loop_are_refused(path: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve(path, ENTRIES)


def test_reading_goes_through_links_and_says_where_it_landed() -> None:
    assert readable("alias.py", ENTRIES) == Resolved("lib/real.py", "alias.py", "app.py")
    with pytest.raises(ValueError, match="lib is a directory: see its files with list_files"):
        readable("lib", ENTRIES)
    with pytest.raises(ValueError, match=f"vendor/ext is a git submodule at commit {'c' * 40}"):
        readable("vendor/ext/README", ENTRIES)


def test_a_link_is_never_written_through() -> None:
    with pytest.raises(ValueError) as refused:
        writable_entry("app.py", ENTRIES, itself=True)
    assert str(refused.value) == (
        "app.py is a symbolic link to lib/real.py, and Kiln keeps links as they are. Change "
        "lib/real.py instead, what it points to. Or delete_file app.py first to replace the "
        "link with a regular file.")
    with pytest.raises(ValueError, match="It does not lead to a path in the workspace"):
        writable_entry("up", ENTRIES, itself=True)
    with pytest.raises(ValueError, match=re.escape(
            "pkg is a symbolic link to lib, so pkg/new.py is really lib/new.py: use that path")):
        writable_entry("pkg/new.py", ENTRIES, itself=False)
    with pytest.raises(ValueError, match="git submodule"):
        writable_entry("vendor/ext", ENTRIES, itself=False)


def test_plain_files_and_deleting_a_link_itself_are_allowed() -> None:
    assert writable_entry("lib/real.py", ENTRIES, itself=True) == Entry(10)
    assert writable_entry("lib/new/deeper.py", ENTRIES, itself=True) is None
    assert writable_entry("app.py", ENTRIES, itself=False) == ENTRIES["app.py"]
