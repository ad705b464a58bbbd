"""What a repository holds, as the repository endpoints show it: files, branches, commits."""

from __future__ import annotations

import base64
from typing import Any

from emulators.github.gitstore import Commit, TreeEntry
from emulators.github.records import Repo
from emulators.github.shapes.git import commit as git_commit
from emulators.github.shapes.urls import repo_api, repo_html
from emulators.github.state import GitHubState


def content(state: GitHubState, repo: Repo, path: str, sha: str, ref: str) -> dict[str, Any]:
    """A file with its content, as ``GET /contents/{path}`` answers for a file."""
    data = repo.git.blob(sha)
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(data),
        **_entry(state, repo, path, sha, ref, "blob"),
        "content": base64.encodebytes(data).decode(),
    }


def directory_entry(
    state: GitHubState, repo: Repo, path: str, entry: TreeEntry, ref: str
) -> dict[str, Any]:
    """One entry of a directory listing: a file without its content, or a subdirectory."""
    links = _entry(state, repo, path, entry.sha, ref, entry.type)
    if entry.type == "blob":
        return {"type": "file", "size": len(repo.git.blob(entry.sha)), **links}
    return {"type": "dir", "size": 0, **links}


def _entry(
    state: GitHubState, repo: Repo, path: str, sha: str, ref: str, kind: str
) -> dict[str, Any]:
    api, html = repo_api(state, repo), repo_html(state, repo)
    links = {
        "self": f"{api}/contents/{path}?ref={ref}",
        "git": f"{api}/git/{kind}s/{sha}",
        "html": f"{html}/{'blob' if kind == 'blob' else 'tree'}/{ref}/{path}",
    }
    return {
        "name": path.split("/")[-1],
        "path": path,
        "sha": sha,
        "url": links["self"],
        "git_url": links["git"],
        "html_url": links["html"],
        "download_url": f"{html}/raw/{ref}/{path}" if kind == "blob" else None,
        "_links": links,
    }


def repo_commit(state: GitHubState, repo: Repo, commit: Commit) -> dict[str, Any]:
    """A commit as the repositories API shows it (``/repos/…/commits/{ref}``)."""
    git_shape = git_commit(state, repo, commit)
    api = repo_api(state, repo)
    inner = {key: git_shape[key] for key in ("author", "committer", "message", "tree")}
    return {
        "url": f"{api}/commits/{commit.sha}",
        "sha": commit.sha,
        "node_id": git_shape["node_id"],
        "html_url": git_shape["html_url"],
        "comments_url": f"{api}/commits/{commit.sha}/comments",
        "commit": inner | {"url": git_shape["url"], "comment_count": 0,
                           "verification": git_shape["verification"]},
        "author": None,
        "committer": None,
        "parents": git_shape["parents"],
    }  # fmt: skip


def branch(state: GitHubState, repo: Repo, name: str, commit: Commit) -> dict[str, Any]:
    api = repo_api(state, repo)
    return {
        "name": name,
        "commit": repo_commit(state, repo, commit),
        "_links": {"self": f"{api}/branches/{name}",
                   "html": f"{repo_html(state, repo)}/tree/{name}"},
        "protected": False,
        "protection": {"enabled": False, "required_status_checks": {
            "enforcement_level": "off", "contexts": [], "checks": []}},
        "protection_url": f"{api}/branches/{name}/protection",
    }  # fmt: skip


def branch_summary(state: GitHubState, repo: Repo, ref: str, sha: str) -> dict[str, Any]:
    """A branch as ``GET /branches`` lists it: name and head commit only."""
    return {
        "name": ref.removeprefix("refs/heads/"),
        "protected": False,
        "commit": {"sha": sha, "url": f"{repo_api(state, repo)}/commits/{sha}"},
    }
