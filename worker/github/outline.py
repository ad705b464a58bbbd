"""A default branch's paths with only the few files a decision reads: far cheaper than a
snapshot, which fetches every blob."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from githubkit import GitHub

from worker.github.repository import Repository

MAX_FILE_BYTES = 512 * 1024  # the files read are small settings files; a larger one is not

Choose = Callable[[list[str]], Iterable[str]]
"""Given every file path of the tree, the paths whose content is wanted."""


@dataclass(frozen=True)
class Outline:
    """The default branch's name and its files: every path, but only the chosen ones hold
    their bytes (the others are empty). No files at all for a repository without commits."""

    branch: str
    files: dict[str, bytes]


def read_outline(gh: GitHub[Any], owner: str, repo: str, choose: Choose) -> Outline:
    """The default branch's outline, reading only the blobs `choose` picks."""
    repository = Repository(gh, owner, repo)
    branch = repository.default_branch()
    head = repository.branch_head(branch)
    if head is None:
        return Outline(branch, {})
    commit = gh.rest.git.get_commit(owner, repo, head).parsed_data
    tree = gh.rest.git.get_tree(owner, repo, commit.tree.sha, recursive="1").parsed_data
    blobs = {entry.path: entry.sha for entry in tree.tree
             if entry.type == "blob" and (entry.size or 0) <= MAX_FILE_BYTES}
    chosen = set(choose(sorted(blobs)))
    files = {path: _blob(gh, owner, repo, sha) if path in chosen else b""
             for path, sha in blobs.items()}
    return Outline(branch, files)


def _blob(gh: GitHub[Any], owner: str, repo: str, sha: str) -> bytes:
    return base64.b64decode(gh.rest.git.get_blob(owner, repo, sha).parsed_data.content)
