"""Publishing costs API calls in proportion to the change, and keeps git's modes."""

from __future__ import annotations

from typing import Any

from emulators.github import SeedFile
from tests.worker.conftest import OWNER, GitHubWorld
from worker.github.publisher import Publisher
from worker.github.repository import Repository


def publish_calls(github_world: GitHubWorld, gh: Any, name: str, size: int) -> int:
    """The REST calls one push of three changed files makes onto a repository of `size`."""
    github_world.emulator.create_repo(
        OWNER, name, files={f"pkg/mod_{n}.py": f"N = {n}\n" for n in range(size)})
    repository = Repository(gh, OWNER, name)
    base = repository.bare_snapshot(repository.branch_head("main") or "")
    before = len(github_world.emulator.requests)
    Publisher(repository).push(base, "kiln/issue-1", {
        "bin/new.sh": b"#!/bin/sh\necho new\n", "pkg/link.py": b"mod_0.py", "pkg/mod_1.py": None,
    }, "Change three", {"bin/new.sh": "100755", "pkg/link.py": "120000"})
    return len(github_world.emulator.requests) - before


def test_a_push_costs_the_same_whatever_the_repository_s_size(
        github_world: GitHubWorld, gh: Any) -> None:
    assert publish_calls(github_world, gh, "small", 3) == publish_calls(
        github_world, gh, "large", 1_500) <= 8
    entries = github_world.emulator.entries(OWNER, "large", "kiln/issue-1")
    assert entries["bin/new.sh"] == SeedFile.executable("#!/bin/sh\necho new\n")
    assert entries["pkg/link.py"] == SeedFile.symlink("mod_0.py")
    assert "pkg/mod_1.py" not in entries and len(entries) == 1_501
