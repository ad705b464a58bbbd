"""Reading a repository with git: one shallow fetch, every kind of file kept, no token left."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

from emulators.github import SeedFile
from tests.worker.conftest import OWNER, GitHubWorld
from worker.builder.gittree import GitTree, submodule_note
from worker.github.checkout import Remote
from worker.github.repository import Repository

SUBMODULE_COMMIT = "1" * 40


def awkward_files(count: int = 0) -> dict[str, Any]:
    """A repository holding every kind of file git knows, and `count` small modules."""
    rng = random.Random(12)
    return {
        "pkg/real.py": "VALUE = 7\n",
        "pkg/alias.py": SeedFile.symlink("real.py"),
        "bin/run.sh": SeedFile.executable("#!/bin/sh\necho ran\n"),
        "data/big.bin": rng.randbytes(2 * 1024 * 1024),
        "latin1.txt": "Caf\xe9\n".encode("latin-1"),
        "vendor/lib": SeedFile.submodule(SUBMODULE_COMMIT),
        **{f"many/mod_{n}.py": f"N = {n}\n" for n in range(count)},
    }


def checked_out(github_world: GitHubWorld, gh: Any, tmp_path: Path, name: str,
                files: dict[str, Any]) -> tuple[GitTree, int]:
    """`files` as a new repository, checked out; and the REST calls the checkout made."""
    github_world.emulator.create_repo(OWNER, name, files=files)
    repository = Repository(gh, OWNER, name)
    head = repository.branch_head("main")
    assert head is not None
    before = len(github_world.emulator.requests)
    tree = repository.checkout(head, tmp_path / name)
    return tree, len(github_world.emulator.requests) - before


def test_every_kind_of_file_arrives_as_it_is(github_world: GitHubWorld, gh: Any,
                                            tmp_path: Path) -> None:
    seeded = awkward_files()
    tree, _ = checked_out(github_world, gh, tmp_path, "awkward", seeded)
    root = tree.root
    assert (root / "pkg/alias.py").is_symlink() and os.readlink(root / "pkg/alias.py") == "real.py"
    assert os.access(root / "bin/run.sh", os.X_OK) and not os.access(root / "pkg/real.py", os.X_OK)
    assert (root / "data/big.bin").read_bytes() == seeded["data/big.bin"]
    assert tree["latin1.txt"] == b"Caf\xe9\n" and tree["pkg/alias.py"] == b"real.py"
    assert tree.modes() == {"pkg/real.py": "100644", "pkg/alias.py": "120000",
                            "bin/run.sh": "100755", "data/big.bin": "100644",
                            "latin1.txt": "100644"}
    assert "vendor/lib" not in tree
    assert submodule_note(tree.submodules()).endswith(f"vendor/lib (commit {SUBMODULE_COMMIT}).")
    assert tree.commit == github_world.emulator.branches(OWNER, "awkward")["main"]


def test_reading_costs_the_same_few_api_calls_whatever_the_size(
        github_world: GitHubWorld, gh: Any, tmp_path: Path) -> None:
    _, small = checked_out(github_world, gh, tmp_path, "small", awkward_files())
    large, calls = checked_out(github_world, gh, tmp_path, "large", awkward_files(2_000))
    assert calls == small == 1 and len(large) == 2_005


def test_the_token_is_written_nowhere(github_world: GitHubWorld, gh: Any,
                                      tmp_path: Path) -> None:
    tree, _ = checked_out(github_world, gh, tmp_path, "secret", awkward_files())
    token = Repository(gh, OWNER, "secret").remote().token
    assert token and token not in repr(Remote("u", token))
    for path in tree.root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert token.encode() not in path.read_bytes(), path
    with tree.archived() as spool:
        archived = spool.read()
    assert token.encode() not in archived and b"extraheader" not in archived.lower()
