"""Git data: blobs, trees, commits and refs, as the git data endpoints show them."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from emulators.github.gitstore import Commit, Signature, TreeEntry
from emulators.github.records import Repo
from emulators.github.shapes.ids import node_id
from emulators.github.shapes.urls import repo_api, repo_html
from emulators.github.state import GitHubState, timestamp

UNSIGNED = {
    "verified": False,
    "reason": "unsigned",
    "signature": None,
    "payload": None,
    "verified_at": None,
}


def blob(state: GitHubState, repo: Repo, sha: str) -> dict[str, Any]:
    data = repo.git.blob(sha)  # callers check the size against GitHub's limit first
    return {
        "sha": sha,
        "node_id": node_id("B", int(sha[:8], 16)),
        "size": len(data),
        "url": f"{repo_api(state, repo)}/git/blobs/{sha}",
        "encoding": "base64",
        "content": base64.encodebytes(data).decode(),
    }


def tree(state: GitHubState, repo: Repo, sha: str, recursive: bool) -> dict[str, Any]:
    """A tree; a recursive one stops at GitHub's limits (entries, then bytes) and says
    ``truncated``, and the rest must be read one sub-tree at a time."""
    limits = state.tree_limits
    shown: list[dict[str, Any]] = []
    spent = 0
    truncated = False
    for path, entry in repo.git.listing(sha, recursive):
        item = _tree_entry(state, repo, path, entry)
        spent += len(json.dumps(item))
        if recursive and (len(shown) >= limits.entries or spent > limits.json_bytes):
            truncated = True
            break
        shown.append(item)
    return {
        "sha": sha,
        "url": f"{repo_api(state, repo)}/git/trees/{sha}",
        "tree": shown,
        "truncated": truncated,
    }


def _tree_entry(state: GitHubState, repo: Repo, path: str, entry: TreeEntry) -> dict[str, Any]:
    item: dict[str, Any] = {"path": path, "mode": entry.mode, "type": entry.type, "sha": entry.sha}
    if entry.type == "blob":
        item["size"] = entry.size if entry.size is not None else repo.git.size(entry.sha)
    # a submodule's commit lives in another repository: GitHub links nothing for it
    if entry.type != "commit":
        item["url"] = f"{repo_api(state, repo)}/git/{entry.type}s/{entry.sha}"
    return item


def commit(state: GitHubState, repo: Repo, commit: Commit) -> dict[str, Any]:
    api = repo_api(state, repo)
    return {
        "sha": commit.sha,
        "node_id": node_id("C", int(commit.sha[:8], 16)),
        "url": f"{api}/git/commits/{commit.sha}",
        "html_url": f"{repo_html(state, repo)}/commit/{commit.sha}",
        "author": _person(commit.author),
        "committer": _person(commit.committer),
        "message": commit.message,
        "tree": {"sha": commit.tree, "url": f"{api}/git/trees/{commit.tree}"},
        "parents": [_parent(state, repo, sha) for sha in commit.parents],
        "verification": dict(UNSIGNED),
    }


def _person(signature: Signature) -> dict[str, Any]:
    return {
        "name": signature.name,
        "email": signature.email,
        "date": timestamp(signature.timestamp),
    }


def _parent(state: GitHubState, repo: Repo, sha: str) -> dict[str, str]:
    return {
        "sha": sha,
        "url": f"{repo_api(state, repo)}/git/commits/{sha}",
        "html_url": f"{repo_html(state, repo)}/commit/{sha}",
    }


def ref(state: GitHubState, repo: Repo, ref: str) -> dict[str, Any]:
    sha = repo.refs[ref]
    api = repo_api(state, repo)
    return {
        "ref": ref,
        "node_id": node_id("REF", zlib.crc32(f"{repo.id}{ref}".encode())),
        "url": f"{api}/git/{ref}",
        "object": {"type": "commit", "sha": sha, "url": f"{api}/git/commits/{sha}"},
    }
