"""What a repository holds, as the repository endpoints show it: files, branches, commits."""

from __future__ import annotations

import base64
from typing import Any

from emulators.github.gitstore import Commit, TreeEntry
from emulators.github.records import Repo
from emulators.github.seedfile import SYMLINK
from emulators.github.shapes.git import commit as git_commit
from emulators.github.shapes.urls import repo_api, repo_html
from emulators.github.state import GitHubState


def content(
    state: GitHubState, repo: Repo, path: str, sha: str, ref: str, limit: int
) -> dict[str, Any]:
    """A file as ``GET /contents/{path}`` answers for it: with its content up to ``limit``
    bytes; past that GitHub leaves ``content`` empty and says ``encoding: none``."""
    size = repo.git.size(sha)
    shown = base64.encodebytes(repo.git.blob(sha)).decode() if size <= limit else ""
    return {
        "type": "file",
        "encoding": "base64" if size <= limit else "none",
        "size": size,
        **_entry(state, repo, path, sha, ref, "blob"),
        "content": shown,
    }


def symlink(state: GitHubState, repo: Repo, path: str, sha: str, ref: str) -> dict[str, Any]:
    """A symlink whose target is not a regular file: described, not followed."""
    return {
        "type": "symlink",
        "target": repo.git.blob(sha).decode("utf-8", "surrogateescape"),
        "size": repo.git.size(sha),
        **_entry(state, repo, path, sha, ref, "blob"),
    }


def submodule(
    state: GitHubState, repo: Repo, path: str, sha: str, ref: str, url: str
) -> dict[str, Any]:
    """A submodule: the commit it pins and the URL ``.gitmodules`` gives for it."""
    return {
        "type": "submodule",
        "submodule_git_url": url,
        "size": 0,
        **_entry(state, repo, path, sha, ref, "commit"),
    }


def directory_entry(
    state: GitHubState, repo: Repo, path: str, entry: TreeEntry, ref: str
) -> dict[str, Any]:
    """One entry of a directory listing, without content. GitHub lists a submodule as a
    ``file`` (for backwards compatibility, its docs say) and a symlink as a ``symlink``."""
    links = _entry(state, repo, path, entry.sha, ref, entry.type)
    if entry.type == "tree":
        return {"type": "dir", "size": 0, **links}
    if entry.type == "commit":
        return {"type": "file", "size": 0, **links}
    kind = "symlink" if entry.mode == SYMLINK else "file"
    size = entry.size if entry.size is not None else repo.git.size(entry.sha)
    return {"type": kind, "size": size, **links}


def _entry(
    state: GitHubState, repo: Repo, path: str, sha: str, ref: str, kind: str
) -> dict[str, Any]:
    api, html = repo_api(state, repo), repo_html(state, repo)
    page = "blob" if kind == "blob" else "tree"
    # a submodule's commit lives elsewhere: GitHub gives no git, html or download link
    git = f"{api}/git/{kind}s/{sha}" if kind != "commit" else None
    shown = f"{html}/{page}/{ref}/{path}" if kind != "commit" else None
    links = {"self": f"{api}/contents/{path}?ref={ref}", "git": git, "html": shown}
    return {
        "name": path.split("/")[-1],
        "path": path,
        "sha": sha,
        "url": links["self"],
        "git_url": git,
        "html_url": shown,
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
