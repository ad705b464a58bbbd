"""Files in and out of the sandbox's workspace, against a real Docker engine."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

import pytest

from sandbox import Sandbox
from sandbox.channel import STDIN_CHUNK_BYTES
from worker.builder.gittree import GitTree

pytestmark = pytest.mark.docker

ROUND_TRIP = {
    "binary.bin": bytes(range(256)) * 64,
    "données/ñandú 文件.txt": "héllo wörld\n".encode(),
    "empty.txt": b"",
    "deep/a/b/c/d.py": b"print('deep')\n",
}


def test_files_round_trip_byte_for_byte(box: Sandbox) -> None:
    box.put_files({**ROUND_TRIP, "run.sh": (b"#!/bin/sh\necho ran\n", 0o755)})
    for path, data in ROUND_TRIP.items():
        assert box.read_file(path) == data
    assert box.exec("./run.sh").stdout == "ran\n"
    assert box.exec("stat -c %a run.sh empty.txt").stdout.split() == ["755", "644"]
    assert box.list_files() == sorted([*ROUND_TRIP, "run.sh"])


def test_missing_file_raises(box: Sandbox) -> None:
    with pytest.raises(FileNotFoundError):
        box.read_file("nope.txt")


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/passwd", "a/../../b"])
def test_paths_outside_the_workspace_are_refused(box: Sandbox, path: str) -> None:
    with pytest.raises(ValueError, match="inside the workspace"):
        box.put_files({path: b"x"})


def test_delete_files(box: Sandbox) -> None:
    box.put_files({"a.txt": b"a", "b.txt": b"b"})
    box.delete_files(["a.txt", "never-existed.txt"])
    assert box.list_files() == ["b.txt"]
    assert box.changed_paths() == {}


def test_caches_are_excluded_from_listings(box: Sandbox) -> None:
    box.put_files({"pkg/mod.py": b"x = 1\n"})
    box.exec(
        "mkdir -p pkg/__pycache__ .pytest_cache node_modules/left .git && "
        "touch pkg/__pycache__/mod.pyc stray.pyc .pytest_cache/v node_modules/left/i.js .git/HEAD"
    )
    assert box.list_files() == ["pkg/mod.py"]
    assert box.changed_paths() == {}


def test_changed_paths_reports_what_commands_did(box: Sandbox) -> None:
    box.put_files({"same_size.py": b"x = 1\n", "gone.py": b"bye\n", "kept.py": b"keep\n"})
    box.exec("printf 'x = 2\\n' > same_size.py; rm gone.py; mkdir -p new/é; echo hi > new/é/f; "
             "ln -s ../../kept.py new/é/link")
    changed = box.changed_paths()
    assert sorted(changed) == ["gone.py", "new/é/f", "new/é/link", "same_size.py"]
    link = changed["new/é/link"]
    assert changed["gone.py"] is None and link is not None and link.target == "../../kept.py"
    box.put_files({"same_size.py": b"x = 3\n"})
    box.delete_files(["new/é/f"])
    assert box.changed_paths() == {}


def test_an_archive_arrives_as_it_is_and_git_reads_it(box: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "run.sh").write_text("#!/bin/sh\necho ran\n")
    (tmp_path / "run.sh").chmod(0o755)
    (tmp_path / "alias.sh").symlink_to("run.sh")
    big = random.Random(3).randbytes(3 * STDIN_CHUNK_BYTES + 17)  # streamed in several chunks
    tree = GitTree.from_files({"latin1.txt": b"Caf\xe9\n", "data/big.bin": big}, tmp_path)
    with tree.archived() as archive:
        box.put_archive(archive)
    assert box.exec("./alias.sh && cat latin1.txt").stdout == "ran\nCaf\xe9\n".encode(
        "latin-1").decode(errors="replace")
    assert box.exec("sha256sum data/big.bin").stdout.split()[0] == hashlib.sha256(big).hexdigest()
    assert box.exec("stat -c '%a %F' run.sh alias.sh").stdout.splitlines() == [
        "755 regular file", "777 symbolic link"]
    assert box.git(["ls-tree", "HEAD", "alias.sh"]).startswith(b"120000 blob ")
    assert box.exec("git status --porcelain && git log --oneline | wc -l").stdout == "1\n"
    assert box.changed_paths() == {}


def test_files_put_before_an_archive_are_written_first(box: Sandbox, tmp_path: Path) -> None:
    box.put_files({"kept.txt": b"mine\n", "shared.txt": b"put first\n"})
    tree = GitTree.from_files({"shared.txt": b"from the archive\n"}, tmp_path)
    with tree.archived() as archive:
        box.put_archive(archive)
    assert box.read_file("kept.txt") == b"mine\n"
    assert box.read_file("shared.txt") == b"from the archive\n"
    assert box.changed_paths() == {}


def test_a_refused_archive_raises_and_the_sandbox_goes_on(box: Sandbox) -> None:
    with pytest.raises(RuntimeError, match="could not write the files"):
        box.put_archive(io.BytesIO(b"not a tar" * 300_000))
    assert box.exec("echo still here").stdout == "still here\n"
