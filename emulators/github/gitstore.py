"""Git's object database in memory: blobs, trees and commits under their real SHA-1 ids."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

FILE_MODE = "100644"
TREE_MODE = "040000"


class GitError(ValueError):
    """A request names an object that does not exist or has the wrong type."""


@dataclass(frozen=True)
class TreeEntry:
    """One line of a git tree: mode, name and the id of a blob or tree."""

    mode: str
    name: str
    sha: str

    @property
    def type(self) -> str:
        return "tree" if self.mode == TREE_MODE else "blob"


@dataclass(frozen=True)
class Signature:
    """A commit's author or committer."""

    name: str
    email: str
    timestamp: int

    def encode(self) -> str:
        return f"{self.name} <{self.email}> {self.timestamp} +0000"


@dataclass(frozen=True)
class Commit:
    """A parsed commit object."""

    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Signature
    committer: Signature
    message: str


@dataclass
class GitStore:
    """The objects of one repository, keyed by id; ``raw`` holds git's own encoding."""

    raw: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    trees: dict[str, tuple[TreeEntry, ...]] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)

    def _put(self, kind: str, body: bytes) -> str:
        header = f"{kind} {len(body)}\0".encode()
        sha = hashlib.sha1(header + body).hexdigest()
        self.raw[sha] = (kind, body)
        return sha

    def put_blob(self, content: bytes) -> str:
        return self._put("blob", content)

    def blob(self, sha: str) -> bytes:
        kind, body = self.raw.get(sha, ("", b""))
        if kind != "blob":
            raise GitError(f"no blob {sha}")
        return body

    def put_tree(self, entries: list[TreeEntry]) -> str:
        # git sorts entries by name, with a tree's name compared as if it ended in "/"
        ordered = sorted(entries, key=lambda e: e.name + ("/" if e.type == "tree" else ""))
        body = b"".join(
            f"{e.mode.lstrip('0')} {e.name}\0".encode() + bytes.fromhex(e.sha) for e in ordered
        )
        sha = self._put("tree", body)
        self.trees[sha] = tuple(ordered)
        return sha

    def tree(self, sha: str) -> tuple[TreeEntry, ...]:
        if sha not in self.trees:
            raise GitError(f"no tree {sha}")
        return self.trees[sha]

    def put_commit(
        self, tree: str, parents: list[str], author: Signature, committer: Signature, message: str
    ) -> str:
        self.tree(tree)
        for parent in parents:
            self.commit(parent)
        lines = [
            f"tree {tree}",
            *(f"parent {p}" for p in parents),
            f"author {author.encode()}",
            f"committer {committer.encode()}",
        ]
        sha = self._put("commit", ("\n".join(lines) + "\n\n" + message).encode())
        self.commits[sha] = Commit(sha, tree, tuple(parents), author, committer, message)
        return sha

    def commit(self, sha: str) -> Commit:
        if sha not in self.commits:
            raise GitError(f"no commit {sha}")
        return self.commits[sha]

    def walk(self, tree_sha: str, prefix: str = "") -> list[tuple[str, TreeEntry]]:
        """Every entry under a tree, depth first, with its full path."""
        found: list[tuple[str, TreeEntry]] = []
        for entry in self.tree(tree_sha):
            path = prefix + entry.name
            found.append((path, entry))
            if entry.type == "tree":
                found.extend(self.walk(entry.sha, path + "/"))
        return found

    def files(self, tree_sha: str) -> dict[str, bytes]:
        return {path: self.blob(e.sha) for path, e in self.walk(tree_sha) if e.type == "blob"}

    def lookup(self, tree_sha: str, path: str) -> TreeEntry | None:
        """The entry at a slash-separated path inside a tree, or None."""
        entry: TreeEntry | None = TreeEntry(TREE_MODE, "", tree_sha)
        for name in filter(None, path.split("/")):
            if entry is None or entry.type != "tree":
                return None
            entry = next((e for e in self.tree(entry.sha) if e.name == name), None)
        return entry

    def build_tree(self, changes: dict[str, tuple[str, str | None]], base: str | None) -> str:
        """A tree from ``base`` with each path set to (mode, sha), or removed when sha is None."""
        return self._rebuild(base, _nest(changes))

    def _rebuild(self, base: str | None, changes: dict[str, object]) -> str:
        entries = {e.name: e for e in self.tree(base)} if base else {}
        for name, change in changes.items():
            if isinstance(change, dict):
                old = entries.get(name)
                sub = self._rebuild(old.sha if old and old.type == "tree" else None, change)
                entries[name] = TreeEntry(TREE_MODE, name, sub)
                if not self.tree(sub):
                    del entries[name]
            elif isinstance(change, tuple) and change[1] is None:
                entries.pop(name, None)
            elif isinstance(change, tuple):
                entries[name] = TreeEntry(change[0], name, change[1])
        return self.put_tree(list(entries.values()))

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        seen: set[str] = set()
        todo = [descendant]
        while todo:
            sha = todo.pop()
            if sha == ancestor:
                return True
            if sha not in seen and sha in self.commits:
                seen.add(sha)
                todo.extend(self.commits[sha].parents)
        return False

    def history(self, head: str) -> list[Commit]:
        """Commits reachable from ``head``, newest first (by committer time, then order)."""
        seen: dict[str, Commit] = {}
        todo = [head]
        while todo:
            sha = todo.pop(0)
            if sha not in seen:
                seen[sha] = self.commit(sha)
                todo.extend(seen[sha].parents)
        return sorted(seen.values(), key=lambda c: -c.committer.timestamp)


def _nest(changes: dict[str, tuple[str, str | None]]) -> dict[str, object]:
    root: dict[str, object] = {}
    for path, change in changes.items():
        *dirs, name = path.strip("/").split("/")
        node = root
        for part in dirs:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[name] = change
    return root
