"""The contents endpoint: files, directories, symlinks and submodules, within GitHub's limits."""

from __future__ import annotations

import configparser
import posixpath

from emulators.github import shapes
from emulators.github.errors import ApiError, not_found, too_large
from emulators.github.gitstore import TreeEntry
from emulators.github.operations import resolve
from emulators.github.records import Repo
from emulators.github.routing import Call, Reply, Route
from emulators.github.seedfile import SYMLINK

RAW_TOO_LARGE = (
    "This API returns blobs up to {} MB in size. The requested blob is too large to fetch "
    "via the API, but you can always clone the repository via Git to obtain it."
)


def get_contents(call: Call) -> Reply:
    repo = call.repo()
    ref = call.query.get("ref") or repo.default_branch
    commit = resolve(repo, ref)
    if commit is None:
        raise ApiError(404, f"No commit found for the ref {ref}")
    tree = repo.git.commit(commit).tree
    path = call.params.get("path", "").strip("/")
    entry = repo.git.lookup(tree, path)
    if entry is None:
        raise not_found()
    if entry.type == "tree":
        return _directory(call, repo, path, entry, ref)
    if entry.type == "commit":
        url = _submodule_url(repo, tree, path)
        return Reply(200, shapes.submodule(call.state, repo, path, entry.sha, ref, url))
    if entry.mode == SYMLINK:
        target = _followed(repo, tree, path, entry)
        if target is None:
            return Reply(200, shapes.symlink(call.state, repo, path, entry.sha, ref))
        path, entry = target
    return _file(call, repo, path, entry, ref)


def _file(call: Call, repo: Repo, path: str, entry: TreeEntry, ref: str) -> Reply:
    limits = call.state.content_limits
    if repo.git.size(entry.sha) > limits.blob_bytes:
        raise too_large(RAW_TOO_LARGE.format(limits.blob_bytes // (1024 * 1024)))
    if "raw" in call.accept:
        return Reply(200, repo.git.blob(entry.sha))
    shown = shapes.content(call.state, repo, path, entry.sha, ref, limits.contents_bytes)
    return Reply(200, shown)


def _directory(call: Call, repo: Repo, path: str, entry: TreeEntry, ref: str) -> Reply:
    limit = call.state.content_limits.directory_entries
    listing = [
        shapes.directory_entry(call.state, repo, f"{path}/{e.name}".lstrip("/"), e, ref)
        for _, e in repo.git.listing(entry.sha)[:limit]
    ]
    return Reply(200, listing)


def _followed(
    repo: Repo, tree: str, path: str, link: TreeEntry
) -> tuple[str, TreeEntry] | None:
    """The regular file a symlink points at inside the repository, if it does."""
    target = repo.git.blob(link.sha).decode("utf-8", "surrogateescape")
    if target.startswith("/"):
        return None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    if resolved.startswith("../") or resolved in ("..", "."):
        return None
    found = repo.git.lookup(tree, resolved)
    if found is None or found.type != "blob" or found.mode == SYMLINK:
        return None
    return resolved, found


def _submodule_url(repo: Repo, tree: str, path: str) -> str:
    """The URL ``.gitmodules`` gives for the submodule at ``path`` ("" when it gives none)."""
    listed = repo.git.lookup(tree, ".gitmodules")
    if listed is None or listed.type != "blob":
        return ""
    text = repo.git.blob(listed.sha).decode("utf-8", "replace")
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        # git indents keys with tabs, which configparser would read as continued values
        parser.read_string("\n".join(line.strip() for line in text.splitlines()))
    except configparser.Error:
        return ""
    for section in parser.sections():
        if parser.get(section, "path", fallback=None) == path:
            return parser.get(section, "url", fallback="")
    return ""


ROUTES = [
    Route("GET", "/repos/{owner}/{repo}/contents", get_contents),
    Route("GET", "/repos/{owner}/{repo}/contents/", get_contents),
    Route("GET", "/repos/{owner}/{repo}/contents/{path:path}", get_contents),
]
