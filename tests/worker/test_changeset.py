"""The change a build publishes, as git reports it: parsing, selection, and a real workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.worker.fake_box import FakeBox
from worker.builder.changeset import (
    RawChange,
    TreeAfter,
    ignore_sources,
    left_out_note,
    parse_batch,
    parse_batch_check,
    parse_raw_diff,
    select,
    status_paths,
    worth_listing,
)
from worker.builder.entry import Entry, Kind
from worker.builder.gittree import GitTree
from worker.builder.workspace import Workspace

A, B = "a" * 40, "b" * 40


def test_raw_diff_lines_become_changes_with_modes() -> None:
    raw = (f":100644 100755 {A} {B} M\0bin/run\0"
           f":000000 120000 {'0' * 40} {A} A\0link\0"
           f":100644 000000 {A} {'0' * 40} D\0gone.py\0").encode()
    assert parse_raw_diff(raw) == [RawChange("bin/run", "100644", "100755", B),
                                   RawChange("link", "000000", "120000", A),
                                   RawChange("gone.py", "100644", "000000", "0" * 40)]
    assert parse_raw_diff(b"") == []


def test_status_entries_are_split_by_kind_and_kiln_caches_are_not_listed() -> None:
    raw = b"?? .GIT/config\0!! build/\0!! pkg/__pycache__/\0!! a.pyc\0!! .venv/\0"
    assert status_paths(raw, b"?? ") == [".GIT/config"]
    ignored = [path for path in status_paths(raw, b"!! ") if worth_listing(path)]
    assert ignored == ["build/", ".venv/"]


def test_cat_file_output_is_read_byte_for_byte() -> None:
    raw = f"{A} blob 3\n\xe9\0\n\n{B} blob 0\n\n".encode("latin-1")
    assert parse_batch(raw) == {A: b"\xe9\0\n", B: b""}
    assert parse_batch_check(f"{A} blob 3\n{B} blob 12\n".encode()) == {A: 3, B: 12}


def test_submodules_and_files_over_the_cap_are_left_out_and_named() -> None:
    changes = [RawChange("small", "100644", "100644", A), RawChange("huge", "000000", "100644", B),
               RawChange("vendor/lib", "160000", "000000", "0" * 40)]
    kept, left_out = select(changes, {A: 10, B: 11}, cap=10)
    assert kept == changes[:1]
    assert left_out == ["huge (11 bytes, over Kiln's 10-byte limit for a published file)",
                        "vendor/lib (a submodule entry; Kiln does not change submodules)"]
    assert left_out_note(left_out).count("\n- ") == 2 and left_out_note([]) == ""


def test_the_tree_after_applies_the_change_to_the_base() -> None:
    after = TreeAfter({"a": b"1", "b": b"2"}, {"b": None, "c": b"3"})
    assert dict(after) == {"a": b"1", "c": b"3"} and "b" not in after


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    base = tmp_path / "base"
    base.mkdir()
    (base / "pkg").mkdir()
    (base / "pkg/real.py").write_text("VALUE = 7\n")
    (base / "pkg/alias.py").symlink_to("real.py")
    (base / "run.sh").write_text("#!/bin/sh\necho ok\n")
    (base / "run.sh").chmod(0o755)
    (base / "latin1.txt").write_bytes(b"Caf\xe9\n")
    (base / ".gitignore").write_text("build/\n")
    tree = GitTree.from_files({}, base)  # commits what is on disk, modes and links as they are
    with FakeBox(parent=tmp_path) as box:
        yield Workspace(box, tree)


def test_the_workspace_starts_as_the_checkout_and_publishes_only_what_changed(
        workspace: Workspace) -> None:
    entries = workspace.entries()
    assert entries["pkg/alias.py"] == Entry(7, Kind.SYMLINK, "real.py")
    assert entries["run.sh"].kind is Kind.EXECUTABLE
    assert workspace.read("latin1.txt") == b"Caf\xe9\n"
    workspace.write("run.sh", b"#!/bin/sh\necho changed\n")
    result = workspace.exec("mkdir build && echo x > build/out.log && printf '#!/bin/sh\\n' > "
                            "new.sh && chmod +x new.sh && ln -s run.sh again.sh")
    assert result.exit_code == 0
    assert workspace.sync() == ["again.sh", "build/out.log", "new.sh"]
    changes = workspace.changes()
    assert changes.files == {"run.sh": b"#!/bin/sh\necho changed\n", "new.sh": b"#!/bin/sh\n",
                             "again.sh": b"run.sh"}
    assert changes.modes == {"run.sh": "100755", "new.sh": "100755", "again.sh": "120000"}
    assert changes.left_out == ("build/ (ignored by .gitignore)",)


def test_what_kiln_itself_excludes_is_neither_published_nor_named(workspace: Workspace) -> None:
    # The install step restores what it installed and marks it in .git/info/exclude.
    workspace.exec("mkdir -p node_modules/dep build && echo x > node_modules/dep/index.js && "
                   "echo x > build/out.log && echo /node_modules >> .git/info/exclude")
    workspace.sync()
    changes = workspace.changes()
    assert changes.files == {}
    assert changes.left_out == ("build/ (ignored by .gitignore)",)


def test_check_ignore_output_names_each_path_s_source() -> None:
    raw = (b".gitignore\x001\x00build/\x00build/\x00"
           b".git/info/exclude\x007\x00/node_modules\x00node_modules/\x00")
    assert ignore_sources(raw) == {"build/": ".gitignore", "node_modules/": ".git/info/exclude"}
