"""The file tools on a real git checkout in a FakeBox: bytes, links, modes and pages kept."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.worker.fake_box import FakeBox
from tests.worker.test_builder_tools import call, make_toolbox
from worker.builder.gittree import GitTree
from worker.builder.toolbox import Toolbox

LATIN1 = "# Café au lait\nprice = 3\n".encode("latin-1")
CRLF = b"a = 1\r\nb = 2\r\n"
SUBMODULE_COMMIT = "c" * 40


def checkout(root: Path) -> GitTree:
    """A real repository with a symlink, an executable, a Latin-1 file, CRLF line endings and
    a submodule entry, checked out at ``root``."""
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "real.py").write_text("VALUE = 1\n")
    (root / "menu.py").write_bytes(LATIN1)
    (root / "win.py").write_bytes(CRLF)
    (root / "run.sh").write_text("#!/bin/sh\necho one\n")
    (root / "run.sh").chmod(0o755)
    os.symlink("lib/real.py", root / "app.py")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"],
                 ["update-index", "--add", "--cacheinfo", f"160000,{SUBMODULE_COMMIT},ext"],
                 ["commit", "-q", "-m", "base"]):
        subprocess.run([*git, *args], check=True)
    return GitTree.open(root)


@pytest.fixture
def box(tmp_path: Path) -> Iterator[FakeBox]:
    with FakeBox(parent=tmp_path) as fake:
        yield fake


@pytest.fixture
def toolbox(box: FakeBox, tmp_path: Path) -> Toolbox:
    return make_toolbox(box, checkout(tmp_path / "repo"))


def in_sandbox(toolbox: Toolbox, box: FakeBox, path: str) -> Path:
    """The sandbox's own copy of ``path``, once the tools' writes have reached it."""
    call(toolbox, "run_command", command="true")
    return box.workspace / path


def test_an_edit_keeps_a_latin1_files_other_bytes_in_the_sandbox(
        toolbox: Toolbox, box: FakeBox) -> None:
    assert call(toolbox, "read_file", path="menu.py").endswith("\n# Caf\\xe9 au lait\nprice = 3\n")
    assert call(toolbox, "edit_file", path="menu.py", old="price = 3", new="price = 4") == \
        "edited menu.py at line 2"
    assert in_sandbox(toolbox, box, "menu.py").read_bytes() == b"# Caf\xe9 au lait\nprice = 4\n"
    assert "write_file would store it as UTF-8" in call(
        toolbox, "write_file", path="menu.py", content="price = 5\n")


def test_crlf_files_keep_their_line_endings(toolbox: Toolbox, box: FakeBox) -> None:
    assert call(toolbox, "edit_file", path="win.py", old="a = 1\nb = 2", new="a = 3\nb = 4") == \
        "edited win.py at line 1"
    assert in_sandbox(toolbox, box, "win.py").read_bytes() == b"a = 3\r\nb = 4\r\n"
    assert call(toolbox, "write_file", path="win.py", content="c = 5\n") == \
        "wrote win.py (6 characters; kept its CRLF line endings)"
    assert in_sandbox(toolbox, box, "win.py").read_bytes() == b"c = 5\r\n"


def test_a_symlink_is_read_through_and_never_turned_into_a_file(
        toolbox: Toolbox, box: FakeBox) -> None:
    assert call(toolbox, "read_file", path="app.py") == (
        "[app.py goes through the symbolic link app.py -> lib/real.py: this is lib/real.py]\n"
        "VALUE = 1\n")
    assert "Change lib/real.py instead" in call(
        toolbox, "edit_file", path="app.py", old="VALUE = 1", new="VALUE = 2")
    assert "keeps links as they are" in call(toolbox, "write_file", path="app.py", content="")
    call(toolbox, "edit_file", path="lib/real.py", old="VALUE = 1", new="VALUE = 2")
    link = in_sandbox(toolbox, box, "app.py")
    assert link.is_symlink() and os.readlink(link) == "lib/real.py"
    assert link.read_text() == "VALUE = 2\n"
    assert call(toolbox, "delete_file", path="app.py") == "deleted app.py"
    assert not in_sandbox(toolbox, box, "app.py").is_symlink()
    assert (box.workspace / "lib" / "real.py").exists()


def test_an_executable_stays_executable_and_a_submodule_is_named(
        toolbox: Toolbox, box: FakeBox) -> None:
    call(toolbox, "edit_file", path="run.sh", old="one", new="two")
    assert os.access(in_sandbox(toolbox, box, "run.sh"), os.X_OK)
    listing = call(toolbox, "list_files")
    assert "run.sh (19 B, executable)" in listing
    assert "app.py (symlink to lib/real.py)" in listing
    assert f"ext (submodule at {SUBMODULE_COMMIT[:12]}, not in the workspace)" in listing
    assert f"ext is a git submodule at commit {SUBMODULE_COMMIT}" in call(
        toolbox, "read_file", path="ext/README.md")


def test_list_files_pages_through_a_large_tree(box: FakeBox) -> None:
    files = {f"src/m{n:04}.py": b"x" for n in range(1_203)} | {"README.md": b"hi"}
    toolbox = make_toolbox(box, files)
    first = call(toolbox, "list_files", directory="src/").splitlines()
    assert first[0] == "src/m0000.py (1 B)" and len(first) == 501
    assert first[-1] == ("[paths 1-500 of 1203 under src/; 703 more: list_files with "
                         "offset=500]")
    last = call(toolbox, "list_files", directory="src", offset=1000).splitlines()
    assert last[0] == "src/m1000.py (1 B)" and last[-2] == "src/m1202.py (1 B)"
    assert last[-1] == "[paths 1001-1203 of 1203 under src/: the last page]"
    assert call(toolbox, "list_files", offset=5000) == (
        "[no paths past offset 5000: the workspace has 1204]")
    assert call(toolbox, "list_files", directory="docs") == "no files under docs/"
    assert "greater than or equal to 0" in call(toolbox, "list_files", offset=-1)
