"""Seeding a real sandbox with the checkout: streamed from disk, so the worker's memory does
not grow with the repository."""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from worker.builder.gittree import GitTree
from worker.builder.workspace import Workspace

MIB = 1 << 20
FILES = 20  # of a MiB each, random so that git cannot compress them: a 40 MiB tar with .git
PEAK_LIMIT = 5 * MIB
SMALL_FILES = 2_000  # TarFile.add alone would keep some 2 MiB of what it wrote about them


def large_tree(root: Path) -> GitTree:
    """A repository of ``FILES`` random MiB, written a file at a time."""
    rng = random.Random(20)
    (root / "data").mkdir(parents=True)
    for n in range(FILES):
        (root / "data" / f"blob_{n}.bin").write_bytes(rng.randbytes(MIB))
    return GitTree.from_files({}, root)


@pytest.mark.docker
def test_seeding_a_large_tree_holds_no_more_than_a_chunk_of_it_in_memory(
        open_sandbox: Callable[[str], Any], tmp_path: Path) -> None:
    tree = large_tree(tmp_path / "repo")
    assert sum(entry.size for entry in tree.entries.values()) == FILES * MIB
    with open_sandbox("python") as box:
        tracemalloc.start()
        try:
            workspace = Workspace(box, tree)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < PEAK_LIMIT, f"seeding {FILES} MiB peaked at {peak / MIB:.1f} MiB"
        # Every byte arrived: git in the sandbox hashes each file as the worker's git did.
        fingerprints = workspace.fingerprints(list(tree))
        assert {path: sha.decode() for path, sha in fingerprints.items()} == {
            path: entry.sha for path, entry in tree.entries.items()}
        assert workspace.sync() == []


def test_archiving_many_files_keeps_nothing_of_each(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for n in range(SMALL_FILES):
        module = root / f"pkg_{n % 20}" / f"mod_{n}.py"
        module.parent.mkdir(parents=True, exist_ok=True)
        module.write_text(f"N = {n}\n")
    tree = GitTree.from_files({}, root)
    tracemalloc.start()
    try:
        with tree.archived() as archive:
            size = archive.seek(0, 2)
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 2 * SMALL_FILES * 512  # a header and a block for each file, at least
    assert peak < MIB // 2, f"archiving {SMALL_FILES} files peaked at {peak / MIB:.2f} MiB"
