"""A repository: read a commit with git, write one commit through the Git data API (so GitHub
shows it as verified), move a branch."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from githubkit import GitHub
from githubkit.exception import RequestFailed
from githubkit_schemas.latest.models import ContentFile
from githubkit_schemas.latest.types import (
    ReposOwnerRepoGitTreesPostBodyPropTreeItemsType as TreeEntry,
)

from worker.builder.gittree import Entry, GitTree
from worker.github.ambiguity import exactly_once
from worker.github.checkout import Checkout, Remote

REGULAR = "100644"
FileMode = Literal["100644", "100755", "040000", "160000", "120000"]


@dataclass(frozen=True)
class Snapshot:
    """The files of one commit (read on demand from its checkout), its tree and file modes."""

    commit_sha: str
    tree_sha: str
    files: Mapping[str, bytes]
    modes: dict[str, str] = field(default_factory=dict)
    submodules: tuple[Entry, ...] = ()

    @classmethod
    def of(cls, tree: GitTree) -> Snapshot:
        return cls(tree.commit, tree.tree, tree, tree.modes(), tuple(tree.submodules()))


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

    def remote(self) -> Remote:
        """Where git fetches this repository, with the installation's token: one API call,
        whose own Authorization header carries the token the client holds."""
        response = self.gh.rest.repos.get(self.owner, self.name)
        _scheme, _, token = response.raw_request.headers["authorization"].partition(" ")
        return Remote(str(response.parsed_data.clone_url), token)

    def checkout(self, commit_sha: str, into: Path) -> GitTree:
        """Check out a commit into the empty directory `into` with one shallow git fetch;
        the same two API calls (the token's and the repository's) whatever its size."""
        return Checkout.fetch(self.remote(), commit_sha, into)

    def snapshot(self, commit_sha: str, into: Path) -> Snapshot:
        """A commit checked out into `into` (see `checkout`)."""
        return Snapshot.of(self.checkout(commit_sha, into))

    def bare_snapshot(self, commit_sha: str) -> Snapshot:
        """A commit's tree without its files: enough to commit on top of (one API call)."""
        commit = self.gh.rest.git.get_commit(self.owner, self.name, commit_sha).parsed_data
        return Snapshot(commit_sha, commit.tree.sha, {})

    def commit(self, base: Snapshot, parent_sha: str, changes: Mapping[str, bytes | None],
               message: str, modes: Mapping[str, str] | None = None) -> str | None:
        """Commit `base`'s tree with `changes` on top of `parent_sha`, each file with its
        mode in `modes` (else its mode in `base`, else a regular file's); None when the
        result has the same tree as the parent, so a repeated publish makes no new commit."""
        entries = [self._tree_entry(self._mode(base, modes or {}, path), path, content)
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
            # An ambiguous answer or "already exists" is success when the branch is at `sha`.
            exactly_once(lambda: self.gh.rest.git.create_ref(
                self.owner, self.name, ref=f"refs/heads/{branch}", sha=sha,
            ).parsed_data.object_.sha, lambda: sha if self.branch_head(branch) == sha else None)

    @staticmethod
    def _mode(base: Snapshot, modes: Mapping[str, str], path: str) -> FileMode:
        return cast(FileMode, modes.get(path) or base.modes.get(path, REGULAR))

    def _tree_entry(self, mode: FileMode, path: str, content: bytes | None) -> TreeEntry:
        if content is None:
            return {"path": path, "mode": mode, "type": "blob", "sha": None}
        blob = self.gh.rest.git.create_blob(
            self.owner, self.name, content=base64.b64encode(content).decode(),
            encoding="base64").parsed_data
        return {"path": path, "mode": mode, "type": "blob", "sha": blob.sha}
