"""A pull request's changed files, as GitHub's diff entries with a unified patch each."""

from __future__ import annotations

import difflib
from typing import Any

from emulators.github.gitstore import GitStore
from emulators.github.records import Repo
from emulators.github.shapes.urls import repo_api, repo_html
from emulators.github.state import GitHubState


def diff(state: GitHubState, repo: Repo, base_sha: str, head_sha: str) -> list[dict[str, Any]]:
    """The files that differ between two commits, in path order."""
    old, new = _blobs(repo.git, base_sha), _blobs(repo.git, head_sha)
    return [
        _entry(state, repo, path, old.get(path), new.get(path), head_sha)
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    ]


def _blobs(git: GitStore, commit_sha: str) -> dict[str, str]:
    """Each file of a commit with its blob id."""
    return {p: e.sha for p, e in git.walk(git.commit(commit_sha).tree) if e.type == "blob"}


def _entry(
    state: GitHubState, repo: Repo, path: str, old: str | None, new: str | None, head_sha: str
) -> dict[str, Any]:
    before, after = _lines(repo.git, old), _lines(repo.git, new)
    # the first two lines are the ---/+++ file header, which GitHub leaves out of ``patch``
    patch = list(difflib.unified_diff(before, after, lineterm="", n=3))[2:]
    additions = sum(1 for line in patch if line.startswith("+"))
    deletions = sum(1 for line in patch if line.startswith("-"))
    html = repo_html(state, repo)
    return {
        "sha": new or old,
        "filename": path,
        "status": "added" if old is None else "removed" if new is None else "modified",
        "additions": additions,
        "deletions": deletions,
        "changes": additions + deletions,
        "blob_url": f"{html}/blob/{head_sha}/{path}",
        "raw_url": f"{html}/raw/{head_sha}/{path}",
        "contents_url": f"{repo_api(state, repo)}/contents/{path}?ref={head_sha}",
        "patch": "\n".join(patch),
    }


def _lines(git: GitStore, sha: str | None) -> list[str]:
    if sha is None:
        return []
    return git.blob(sha).decode("utf-8", "replace").splitlines()
