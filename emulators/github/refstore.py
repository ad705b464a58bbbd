"""A repository's refs: read from memory, written through to its bare git repository."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from pathlib import Path

from emulators.github.gitenv import GitError, run_git

ZERO_ID = "0" * 40


class RefStore(MutableMapping[str, str]):
    """Ref name to commit id. Writes go through ``git update-ref`` with the old value, so a
    push that moved the ref meanwhile makes the write fail instead of being overwritten;
    ``reload`` picks up what git changed by itself (a push over HTTP, ``fast-import``)."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self._refs: dict[str, str] = {}

    def __getitem__(self, ref: str) -> str:
        return self._refs[ref]

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._refs))

    def __len__(self) -> int:
        return len(self._refs)

    def __setitem__(self, ref: str, sha: str) -> None:
        try:
            run_git(self.git_dir, "update-ref", ref, sha, self._refs.get(ref, ZERO_ID))
        except GitError:
            self.reload()
            raise
        self._refs[ref] = sha

    def __delitem__(self, ref: str) -> None:
        old = self._refs[ref]
        try:
            run_git(self.git_dir, "update-ref", "-d", ref, old)
        except GitError:
            self.reload()
            raise
        del self._refs[ref]

    def reload(self) -> dict[str, tuple[str | None, str | None]]:
        """Read the refs from disk again; returns each changed ref as (before, after)."""
        listed = run_git(self.git_dir, "for-each-ref", "--format=%(objectname) %(refname)")
        pairs = (line.split(" ", 1) for line in listed.decode().splitlines())
        fresh = {ref: sha for sha, ref in pairs}
        changed = {
            ref: (self._refs.get(ref), fresh.get(ref))
            for ref in self._refs.keys() | fresh.keys()
            if self._refs.get(ref) != fresh.get(ref)
        }
        self._refs = fresh
        return changed

    def __deepcopy__(self, memo: dict[int, object]) -> dict[str, str]:
        # a copy is a snapshot: copies must not write to the repository
        return dict(self._refs)
