"""A repository through the Git data API: read a tree's files, write one commit, move a branch."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from githubkit import GitHub
from githubkit.exception import RequestFailed
from githubkit_schemas.latest.models import ContentFile
from githubkit_schemas.latest.types import (
    ReposOwnerRepoGitTreesPostBodyPropTreeItemsType as TreeEntry,
)

MAX_FILE_BYTES = 512 * 1024  # larger blobs (data, binaries) are not sent to the model
REGULAR = "100644"
FileMode = Literal["100644", "100755", "040000", "160000", "120000"]


@dataclass(frozen=True)
class Snapshot:
    """The files of one commit, with its tree and the modes of its files."""

    commit_sha: str
    tree_sha: str
    files: dict[str, bytes]
    modes: dict[str, str] = field(default_factory=dict)


class Repository:
    """One repository seen through an installation client."""

    def __init__(self, gh: GitHub[Any], owner: str, name: str) -> None:
        self.gh = gh
        self.owner = owner
        self.name = name

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def default_branch(self) -> str:
        return str(self.gh.rest.repos.get(self.owner, self.name).parsed_data.default_branch)

    def html_url(self) -> str:
        return str(self.gh.rest.repos.get(self.owner, self.name).parsed_data.html_url)

    def branch_head(self, branch: str) -> str | None:
        """The commit a branch points at, or None when there is no such branch."""
        try:
            ref = self.gh.rest.git.get_ref(self.owner, self.name, f"heads/{branch}").parsed_data
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return None
            raise
        return str(ref.object_.sha)

    def file(self, ref: str, path: str) -> bytes | None:
        """One file's bytes at `ref`; None when there is no such file."""
        try:
            found = self.gh.rest.repos.get_content(self.owner, self.name, path, ref=ref)
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return None
            raise
        content = found.parsed_data
        if not isinstance(content, ContentFile) or content.type != "file":
            return None  # a directory, a symlink or a submodule is not a file to read
        return base64.b64decode(content.content)

    def snapshot(self, commit_sha: str) -> Snapshot:
        """The files of a commit (blobs over MAX_FILE_BYTES left out)."""
        commit = self.gh.rest.git.get_commit(self.owner, self.name, commit_sha).parsed_data
        tree = self.gh.rest.git.get_tree(
            self.owner, self.name, commit.tree.sha, recursive="1").parsed_data
        files: dict[str, bytes] = {}
        modes: dict[str, str] = {}
        for entry in tree.tree:
            if entry.type != "blob" or (entry.size or 0) > MAX_FILE_BYTES:
                continue
            blob = self.gh.rest.git.get_blob(self.owner, self.name, entry.sha).parsed_data
            files[entry.path] = base64.b64decode(blob.content)
            modes[entry.path] = entry.mode
        return Snapshot(commit_sha, commit.tree.sha, files, modes)

    def commit(self, base: Snapshot, parent_sha: str, changes: Mapping[str, bytes | None],
               message: str) -> str | None:
        """Commit `base`'s tree with `changes` on top of `parent_sha`; None when the result
        has the same tree as the parent, so a repeated publish makes no new commit."""
        entries = [self._tree_entry(base, path, content)
                   for path, content in sorted(changes.items())]
        tree = self.gh.rest.git.create_tree(
            self.owner, self.name, base_tree=base.tree_sha, tree=entries).parsed_data
        parent = self.gh.rest.git.get_commit(self.owner, self.name, parent_sha).parsed_data
        if tree.sha == parent.tree.sha:
            return None
        commit = self.gh.rest.git.create_commit(
            self.owner, self.name, message=message, tree=tree.sha, parents=[parent_sha])
        return str(commit.parsed_data.sha)

    def point_branch(self, branch: str, sha: str, *, exists: bool) -> None:
        """Create the branch at `sha`, or move it there (fast-forward only)."""
        if exists:
            self.gh.rest.git.update_ref(self.owner, self.name, f"heads/{branch}", sha=sha)
        else:
            self.gh.rest.git.create_ref(
                self.owner, self.name, ref=f"refs/heads/{branch}", sha=sha)

    def _tree_entry(self, base: Snapshot, path: str, content: bytes | None) -> TreeEntry:
        mode = cast(FileMode, base.modes.get(path, REGULAR))
        if content is None:
            return {"path": path, "mode": mode, "type": "blob", "sha": None}
        blob = self.gh.rest.git.create_blob(
            self.owner, self.name, content=base64.b64encode(content).decode(),
            encoding="base64").parsed_data
        return {"path": path, "mode": mode, "type": "blob", "sha": blob.sha}
