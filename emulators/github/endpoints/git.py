"""Git data endpoints: blobs, trees, commits and refs, with git's own object ids."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Any

from emulators.github import shapes
from emulators.github.errors import invalid, not_found, too_large
from emulators.github.gitstore import GitError, Signature
from emulators.github.operations import follow_branch, resolve, signature
from emulators.github.pagination import paginate
from emulators.github.records import Repo
from emulators.github.routing import Call, Reply, Route

MODES = {"100644": "blob", "100755": "blob", "120000": "blob", "040000": "tree", "160000": "commit"}
BLOB_TOO_LARGE = (
    "This API returns blobs up to {} MB in size. The requested blob is too large to fetch "
    "via the API, but you can always clone the repository via Git to obtain it."
)


def create_blob(call: Call) -> Reply:
    repo = call.repo()
    call.require("contents", "write")
    content = call.field("content", required=True)
    encoding = call.field("encoding", "utf-8")
    if encoding == "base64":
        try:
            data = base64.b64decode(content, validate=False)
        except (binascii.Error, ValueError):
            raise invalid("Problems decoding base64 content") from None
    elif encoding in ("utf-8", "utf8"):
        data = str(content).encode()
    else:
        raise invalid(f"encoding must be 'utf-8' or 'base64', got {encoding!r}")
    sha = repo.git.put_blob(data)
    return Reply(201, {"url": f"{shapes.repo_api(call.state, repo)}/git/blobs/{sha}", "sha": sha})


def get_blob(call: Call) -> Reply:
    repo = call.repo()
    sha = call.params["sha"]
    if not repo.git.has(sha, "blob"):
        raise not_found()
    limit = call.state.content_limits.blob_bytes
    if repo.git.size(sha) > limit:
        raise too_large(BLOB_TOO_LARGE.format(limit // (1024 * 1024)))
    return Reply(200, shapes.blob(call.state, repo, sha))


def create_tree(call: Call) -> Reply:
    repo = call.repo()
    call.require("contents", "write")
    base = call.field("base_tree")
    if base is not None and not repo.git.has(base, "tree"):
        raise invalid("Invalid tree info", "Tree", "base_tree")
    changes = {}
    for item in call.field("tree", required=True):
        changes[str(item.get("path", "")).strip("/")] = _tree_change(repo, item)
    try:
        sha = repo.git.build_tree(changes, base)
    except GitError:
        raise invalid("Invalid tree info", "Tree", "tree") from None
    return Reply(201, shapes.tree(call.state, repo, sha, recursive=False))


def _tree_change(repo: Repo, item: dict[str, Any]) -> tuple[str, str | None]:
    mode = str(item.get("mode", ""))
    if mode not in MODES or not item.get("path"):
        raise invalid("Invalid tree info", "Tree", "tree")
    if "content" in item and item["content"] is not None:
        return mode, repo.git.put_blob(str(item["content"]).encode())
    sha = item.get("sha")
    if sha is not None and not _exists(repo, mode, str(sha)):
        raise invalid("Invalid tree info", "Tree", "tree")
    return mode, sha


def _exists(repo: Repo, mode: str, sha: str) -> bool:
    # a submodule's commit lives in another repository: only its form can be checked
    if mode == "160000":
        return re.fullmatch(r"[0-9a-f]{40}", sha) is not None
    return repo.git.has(sha, MODES[mode])


def get_tree(call: Call) -> Reply:
    repo = call.repo()
    sha = call.params["sha"]
    if not repo.git.has(sha, "tree"):
        commit = resolve(repo, sha)
        if commit is None:
            raise not_found()
        sha = repo.git.commit(commit).tree
    # GitHub's docs: any value, even 0 or false, asks for the whole tree
    recursive = "recursive" in call.query
    return Reply(200, shapes.tree(call.state, repo, sha, recursive))


def create_commit(call: Call) -> Reply:
    repo = call.repo()
    call.require("contents", "write")
    default = signature(call.state, call.caller.login)
    author = _person(call.field("author"), default)
    committer = _person(call.field("committer"), author)
    try:
        sha = repo.git.put_commit(
            call.field("tree", required=True),
            list(call.field("parents", [])),
            author,
            committer,
            call.field("message", required=True),
        )
    except GitError as error:
        raise invalid(f"{error}", "Commit", "tree") from None
    return Reply(201, shapes.commit(call.state, repo, repo.git.commit(sha)))


def _person(given: dict[str, Any] | None, default: Signature) -> Signature:
    if not given:
        return default
    when = default.timestamp
    if given.get("date"):
        when = int(datetime.fromisoformat(str(given["date"]).replace("Z", "+00:00")).timestamp())
    return Signature(given.get("name", default.name), given.get("email", default.email), when)


def get_commit(call: Call) -> Reply:
    repo = call.repo()
    try:
        return Reply(200, shapes.commit(call.state, repo, repo.git.commit(call.params["sha"])))
    except GitError:
        raise not_found() from None


def get_ref(call: Call) -> Reply:
    repo = call.repo()
    ref = "refs/" + call.params["ref"]
    if ref not in repo.refs:
        raise not_found()
    return Reply(200, shapes.ref(call.state, repo, ref))


def matching_refs(call: Call) -> Reply:
    repo = call.repo()
    prefix = "refs/" + call.params["ref"]
    refs = [shapes.ref(call.state, repo, r) for r in sorted(repo.refs) if r.startswith(prefix)]
    return paginate(refs, call.query, call.url)


def create_ref(call: Call) -> Reply:
    repo = call.repo()
    call.require("contents", "write")
    ref, sha = call.field("ref", required=True), call.field("sha", required=True)
    if not str(ref).startswith("refs/") or str(ref).count("/") < 2:
        raise invalid("Reference name must be fully qualified (start with refs/)")
    if ref in repo.refs:
        raise invalid("Reference already exists")
    return _point(call, repo, ref, sha, 201)


def update_ref(call: Call) -> Reply:
    repo = call.repo()
    call.require("contents", "write")
    ref = "refs/" + call.params["ref"]
    sha = call.field("sha", required=True)
    if ref not in repo.refs:
        raise invalid("Reference does not exist")
    return _point(call, repo, ref, sha, 200, force=bool(call.field("force", False)))


def _point(call: Call, repo: Repo, ref: str, sha: str, status: int, force: bool = True) -> Reply:
    """Point ``ref`` at an existing commit, moving an existing ref only forward unless forced."""
    if not repo.git.has(sha, "commit"):
        raise invalid("Object does not exist")
    if not force and not repo.git.is_ancestor(repo.refs[ref], sha):
        raise invalid("Update is not a fast forward")
    try:
        move_ref(call, repo, ref, sha)
    except GitError:
        # a push moved the ref between the check and the write
        raise invalid("Reference cannot be updated") from None
    return Reply(status, shapes.ref(call.state, repo, ref))


def delete_ref(call: Call) -> Reply:
    repo = call.repo()
    call.require("contents", "write")
    ref = "refs/" + call.params["ref"]
    if ref not in repo.refs:
        raise invalid("Reference does not exist")
    try:
        del repo.refs[ref]
    except GitError:
        raise invalid("Reference cannot be updated") from None
    return Reply(204, None)


def move_ref(call: Call, repo: Repo, ref: str, sha: str) -> None:
    """Point a ref at a commit; open pull requests from that branch follow (``synchronize``)."""
    repo.refs[ref] = sha  # GitError when the ref moved since it was read
    repo.pushed_at = call.state.now()
    for issue, before in follow_branch(repo, ref, sha):
        fields = shapes.synchronize_fields(call.state, repo, issue, before)
        call.emit(repo, "pull_request", "synchronize", fields)


GIT = "/repos/{owner}/{repo}/git"
ROUTES = [
    Route("POST", GIT + "/blobs", create_blob),
    Route("GET", GIT + "/blobs/{sha}", get_blob),
    Route("POST", GIT + "/trees", create_tree),
    Route("GET", GIT + "/trees/{sha:path}", get_tree),
    Route("POST", GIT + "/commits", create_commit),
    Route("GET", GIT + "/commits/{sha}", get_commit),
    Route("GET", GIT + "/ref/{ref:path}", get_ref),
    Route("GET", GIT + "/matching-refs/{ref:path}", matching_refs),
    Route("POST", GIT + "/refs", create_ref),
    Route("PATCH", GIT + "/refs/{ref:path}", update_ref),
    Route("DELETE", GIT + "/refs/{ref:path}", delete_ref),
]
