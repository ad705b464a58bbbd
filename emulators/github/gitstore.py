"""A repository's git objects and refs, kept in a real bare git repository on disk."""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from emulators.github.catfile import CatFile
from emulators.github.gitenv import GitError, git_env, run_git
from emulators.github.gitimport import ImportedCommit, import_commit
from emulators.github.refstore import RefStore
from emulators.github.seedfile import SUBMODULE, SeedFile

__all__ = ["FILE_MODE", "TREE_MODE", "Commit", "GitError", "GitStore", "Signature", "TreeEntry"]

FILE_MODE = "100644"
TREE_MODE = "040000"
# loose objects the way git writes them (core.looseCompression defaults to 1)
LOOSE_COMPRESSION = 1
# receive-pack: the emulator authorises pushes before git runs; allowAnySHA1InWant: GitHub
# lets a fetch name any commit; no gc: nothing repacks behind the emulator's back
REPO_CONFIG = """\
[http]
\treceivepack = true
[uploadpack]
\tallowAnySHA1InWant = true
[receive]
\tautogc = false
[gc]
\tauto = 0
"""


@dataclass(frozen=True)
class TreeEntry:
    """One line of a git tree: mode, name and the id of a blob, tree or (submodule) commit."""

    mode: str
    name: str
    sha: str
    size: int | None = field(default=None, compare=False)

    @property
    def type(self) -> str:
        return {TREE_MODE: "tree", SUBMODULE: "commit"}.get(self.mode, "blob")


@dataclass(frozen=True)
class Signature:
    """A commit's author or committer."""

    name: str
    email: str
    timestamp: int
    zone: str = "+0000"

    def encode(self) -> str:
        return f"{self.name} <{self.email}> {self.timestamp} {self.zone}"


@dataclass(frozen=True)
class Commit:
    """A parsed commit object."""

    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Signature
    committer: Signature
    message: str


class GitStore:
    """The objects and refs of one repository. Reads go through one ``git cat-file`` process
    and are cached (objects never change); writes are loose objects, or one ``fast-import``
    for a commit of many files, so that git's own server sees everything at once."""

    def __init__(self, path: Path, default_branch: str = "main") -> None:
        self.path = path
        self.refs = RefStore(path)
        if (path / "HEAD").exists():
            self.refs.reload()
        else:
            _init_bare(path, default_branch)
        self._reader = CatFile(path)
        self._info: dict[str, tuple[str, int]] = {}
        self._trees: dict[str, tuple[TreeEntry, ...]] = {}
        self._commits: dict[str, Commit] = {}

    def close(self) -> None:
        self._reader.close()

    def __deepcopy__(self, memo: dict[int, object]) -> GitStore:
        # the repository on disk is shared, not copied: its objects never change
        return self

    # --- any object ---------------------------------------------------------

    def kind(self, sha: str) -> str | None:
        """``blob``, ``tree``, ``commit`` or ``tag``; None when the repository lacks it."""
        info = self._object_info(sha)
        return None if info is None else info[0]

    def has(self, sha: str, kind: str | None = None) -> bool:
        found = self.kind(sha)
        return found is not None and kind in (None, found)

    def size(self, sha: str) -> int:
        info = self._object_info(sha)
        if info is None:
            raise GitError(f"no object {sha}")
        return info[1]

    def _object_info(self, sha: str) -> tuple[str, int] | None:
        if sha not in self._info:
            info = self._reader.info(sha)
            if info is None:
                return None  # not remembered: a push may bring it later
            self._info[sha] = info
        return self._info[sha]

    def read(self, sha: str) -> tuple[str, bytes]:
        """An object in git's own encoding: its type and body."""
        found = self._reader.read(sha)
        if found is None:
            raise GitError(f"no object {sha}")
        return found

    def _read(self, sha: str, kind: str) -> bytes:
        found = self._reader.read(sha)
        if found is None or found[0] != kind:
            raise GitError(f"no {kind} {sha}")
        return found[1]

    def _put(self, kind: str, body: bytes) -> str:
        data = f"{kind} {len(body)}\0".encode() + body
        sha = hashlib.sha1(data).hexdigest()
        if sha not in self._info:
            _write_loose(self.path / "objects", sha, data)
            self._info[sha] = (kind, len(body))
        return sha

    # --- blobs, trees, commits ----------------------------------------------

    def put_blob(self, content: bytes) -> str:
        return self._put("blob", content)

    def blob(self, sha: str) -> bytes:
        return self._read(sha, "blob")

    def put_tree(self, entries: list[TreeEntry]) -> str:
        # git sorts entries by name, with a tree's name compared as if it ended in "/"
        ordered = sorted(entries, key=lambda e: e.name + ("/" if e.type == "tree" else ""))
        body = b"".join(
            f"{e.mode.lstrip('0')} ".encode()
            + e.name.encode("utf-8", "surrogateescape")
            + b"\0"
            + bytes.fromhex(e.sha)
            for e in ordered
        )
        sha = self._put("tree", body)
        self._trees[sha] = tuple(ordered)
        return sha

    def tree(self, sha: str) -> tuple[TreeEntry, ...]:
        if sha not in self._trees:
            self._trees[sha] = _parse_tree(self._read(sha, "tree"))
        return self._trees[sha]

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
        return self._put("commit", ("\n".join(lines) + "\n\n" + message).encode())

    def commit(self, sha: str) -> Commit:
        if sha not in self._commits:
            self._commits[sha] = _parse_commit(sha, self._read(sha, "commit"))
        return self._commits[sha]

    def import_files(
        self,
        ref: str,
        parent: str | None,
        files: Mapping[str, SeedFile | None],
        author: Signature,
        message: str,
    ) -> str:
        """A commit setting (or, for None, removing) these paths over ``parent``'s tree, written
        by one ``git fast-import``; ``ref`` moves to it (only forward)."""
        made = ImportedCommit(ref, parent, files, author.encode(), message)
        sha = import_commit(self.path, made)
        self.refs.reload()
        return sha

    # --- reading trees --------------------------------------------------------

    def walk(self, tree_sha: str, prefix: str = "") -> list[tuple[str, TreeEntry]]:
        """Every entry under a tree, depth first, with its full path."""
        found: list[tuple[str, TreeEntry]] = []
        for entry in self.tree(tree_sha):
            path = prefix + entry.name
            found.append((path, entry))
            if entry.type == "tree":
                found.extend(self.walk(entry.sha, path + "/"))
        return found

    def listing(self, tree_sha: str, recursive: bool = False) -> list[tuple[str, TreeEntry]]:
        """A tree's entries with blob sizes (as ``git ls-tree -l``), all of them when recursive."""
        flags = ["-r", "-t"] if recursive else []
        out = run_git(self.path, "ls-tree", "-l", "-z", *flags, tree_sha)
        found = []
        for record in out.split(b"\0"):
            if record:
                meta, _, raw_path = record.partition(b"\t")
                mode, _kind, sha, size = meta.decode().split()
                path = raw_path.decode("utf-8", "surrogateescape")
                entry = TreeEntry(mode, path.rsplit("/", 1)[-1], sha, _size(size))
                found.append((path, entry))
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

    def changed(self, old_commit: str, new_commit: str) -> list[tuple[str, str | None, str | None]]:
        """The files (blobs) that differ between two commits: path, old id, new id."""
        out = run_git(
            self.path, "diff-tree", "-r", "-z", "--no-renames", old_commit, new_commit
        )
        fields = out.split(b"\0")
        found = []
        for meta, raw_path in zip(fields[0::2], fields[1::2], strict=False):
            old_mode, new_mode, old, new, _status = meta.decode().lstrip(":").split()
            path = raw_path.decode("utf-8", "surrogateescape")
            before = old if old_mode not in ("000000", SUBMODULE) else None
            after = new if new_mode not in ("000000", SUBMODULE) else None
            if before or after:
                found.append((path, before, after))
        return found

    # --- writing trees --------------------------------------------------------

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

    # --- history --------------------------------------------------------------

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        done = subprocess.run(
            ["git", f"--git-dir={self.path}", "merge-base", "--is-ancestor", ancestor, descendant],
            capture_output=True,
            env=git_env(),
            check=False,
        )
        return done.returncode == 0

    def between(self, base: str, head: str) -> list[str]:
        """The commits reachable from ``head`` but not from ``base``, newest first."""
        out = run_git(self.path, "rev-list", head, f"^{base}", "--")
        return out.decode().split()

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


def _init_bare(path: Path, default_branch: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["git", "init", "--quiet", "--bare", f"--initial-branch={default_branch}", str(path)],
        check=True,
        env=git_env(),
    )
    with (path / "config").open("a") as config:
        config.write(REPO_CONFIG)


def _write_loose(objects: Path, sha: str, data: bytes) -> None:
    """A loose object as git writes it: deflated, read-only, put in place by a rename."""
    folder = objects / sha[:2]
    target = folder / sha[2:]
    if target.exists():
        return
    folder.mkdir(exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix="tmp_obj_")
    with os.fdopen(handle, "wb") as out:
        out.write(zlib.compress(data, LOOSE_COMPRESSION))
    os.chmod(temporary, 0o444)
    os.replace(temporary, target)


def _parse_tree(body: bytes) -> tuple[TreeEntry, ...]:
    entries = []
    at = 0
    while at < len(body):
        space = body.index(b" ", at)
        nul = body.index(b"\0", space)
        mode = body[at:space].decode().rjust(6, "0")
        name = body[space + 1 : nul].decode("utf-8", "surrogateescape")
        entries.append(TreeEntry(mode, name, body[nul + 1 : nul + 21].hex()))
        at = nul + 21
    return tuple(entries)


def _parse_commit(sha: str, body: bytes) -> Commit:
    head, _, message = body.decode("utf-8", "replace").partition("\n\n")
    fields: dict[str, list[str]] = {}
    for line in head.split("\n"):
        key, _, value = line.partition(" ")
        if not line.startswith(" "):  # continuation lines belong to a signature header
            fields.setdefault(key, []).append(value)
    return Commit(
        sha,
        fields["tree"][0],
        tuple(fields.get("parent", [])),
        _parse_signature(fields["author"][0]),
        _parse_signature(fields["committer"][0]),
        # `git commit` ends a message with a newline; GitHub shows the message without it
        message.removesuffix("\n"),
    )


def _parse_signature(value: str) -> Signature:
    person, _, when = value.rpartition("> ")
    name, _, email = person.partition(" <")
    seconds, _, zone = when.partition(" ")
    return Signature(name, email, int(seconds), zone or "+0000")


def _size(field: str) -> int | None:
    return None if field == "-" else int(field)


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
