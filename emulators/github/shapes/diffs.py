"""A pull request's changed files, as GitHub's diff entries with a unified patch each."""

from __future__ import annotations

import difflib
from typing import Any

from emulators.github.gitstore import GitStore
from emulators.github.records import Repo
from emulators.github.shapes.urls import repo_api, repo_html
from emulators.github.state import GitHubState

# git's test for a binary file: a NUL byte among the first 8,000
BINARY, SNIFF = b"\0", 8000


def diff(state: GitHubState, repo: Repo, base_sha: str, head_sha: str) -> list[dict[str, Any]]:
    """The files that differ between two commits, in path order."""
    return [
        _entry(state, repo, path, old, new, head_sha)
        for path, old, new in sorted(repo.git.changed(base_sha, head_sha))
    ]


def _entry(
    state: GitHubState, repo: Repo, path: str, old: str | None, new: str | None, head_sha: str
) -> dict[str, Any]:
    before, after = _content(repo.git, old), _content(repo.git, new)
    binary = BINARY in before[:SNIFF] or BINARY in after[:SNIFF]
    patch = [] if binary else _patch(before, after)
    additions = sum(1 for line in patch if line.startswith("+"))
    deletions = sum(1 for line in patch if line.startswith("-"))
    html = repo_html(state, repo)
    entry = {
        "sha": new or old,
        "filename": path,
        "status": "added" if old is None else "removed" if new is None else "modified",
        "additions": additions,
        "deletions": deletions,
        "changes": additions + deletions,
        "blob_url": f"{html}/blob/{head_sha}/{path}",
        "raw_url": f"{html}/raw/{head_sha}/{path}",
        "contents_url": f"{repo_api(state, repo)}/contents/{path}?ref={head_sha}",
    }
    # GitHub gives a binary file no patch at all
    return entry if binary else entry | {"patch": "\n".join(patch)}


def _patch(before: bytes, after: bytes) -> list[str]:
    old = before.decode("utf-8", "replace").splitlines()
    new = after.decode("utf-8", "replace").splitlines()
    # the first two lines are the ---/+++ file header, which GitHub leaves out of ``patch``
    return list(difflib.unified_diff(old, new, lineterm="", n=3))[2:]


def _content(git: GitStore, sha: str | None) -> bytes:
    return b"" if sha is None else git.blob(sha)
