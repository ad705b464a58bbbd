"""The build's file tree: a git working tree in the sandbox, which holds the only full copy.

The worker keeps what the tools need without reading files (each path's size, kind and a
link's target), the writes not yet sent, and the base commit git compares with at the end.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol

from sandbox.archive import FILE_MODE, FileContent
from sandbox.listing import Stamp
from sandbox.result import ExecResult
from worker.builder.changeset import ChangeSet, collect
from worker.builder.entry import Entry, Kind
from worker.builder.gittree import SUBMODULE, SYMLINK, GitTree
from worker.builder.paths import clean_path

EXECUTABLE_MODE = 0o755
KIND_OF_MODE = {"100644": Kind.FILE, "100755": Kind.EXECUTABLE, SYMLINK: Kind.SYMLINK,
                SUBMODULE: Kind.SUBMODULE}


class Box(Protocol):
    """The part of ``sandbox.Sandbox`` the builder uses."""

    def put_archive(self, data: BinaryIO) -> None: ...
    def put_files(self, files: Mapping[str, FileContent]) -> None: ...
    def delete_files(self, paths: list[str]) -> None: ...
    def read_file(self, path: str) -> bytes: ...
    def changed_paths(self) -> dict[str, Stamp | None]: ...
    def git(self, args: Sequence[str], stdin: bytes = b"") -> bytes: ...
    def exec(self, cmd: str, timeout: float | None = None) -> ExecResult: ...
    def install(self, cmd: str, manifests: Mapping[str, bytes],
                timeout: float | None = None) -> ExecResult: ...


def tree_entries(tree: GitTree) -> dict[str, Entry]:
    """What the tools know of each path of a checked-out commit, from its tree."""
    return {path: Entry(entry.size, KIND_OF_MODE[entry.mode],
                        tree[path].decode(errors="surrogateescape") if entry.mode == SYMLINK
                        else entry.sha if entry.mode == SUBMODULE else "")
            for path, entry in tree.entries.items()}


def stamp_entry(stamp: Stamp) -> Entry:
    if stamp.target is not None:
        return Entry(stamp.size, Kind.SYMLINK, stamp.target)
    return Entry(stamp.size, Kind.EXECUTABLE if stamp.mode & 0o100 else Kind.FILE)


class Workspace:
    """The tree as Kiln knows it; ``version`` goes up on every change, whoever made it.

    The starting tree reaches the sandbox as one tar with its ``.git``, streamed from a
    temporary file (so the worker's memory does not grow with it): a ``GitTree`` as it is,
    plain bytes after Kiln commits them into a new repository. Writes and deletes reach
    the sandbox in one batch before the next command runs: each sandbox call costs a Docker
    round-trip (tens of milliseconds). ``exec_seconds`` and ``file_seconds`` say where sandbox
    time went.
    """

    def __init__(self, box: Box, files: Mapping[str, bytes]) -> None:
        self.box = box
        self.version = 0
        self.exec_seconds = 0.0
        self.file_seconds = 0.0
        self._unsent: dict[str, tuple[bytes, int]] = {}
        self._unsent_deletes: set[str] = set()
        began = time.perf_counter()
        if isinstance(files, GitTree):
            self._seed(files)
        else:
            with tempfile.TemporaryDirectory(prefix="kiln-tree-") as directory:
                self._seed(GitTree.from_files(files, Path(directory)))
        self.file_seconds += time.perf_counter() - began

    def _seed(self, tree: GitTree) -> None:
        with tree.archived() as archive:
            self.box.put_archive(archive)
        self.base_commit = tree.commit
        self._entries = tree_entries(tree)

    @property
    def files(self) -> Mapping[str, bytes]:
        """Every file and symlink (its target) by path, read from the sandbox when asked."""
        return WorkspaceFiles(self)

    def entries(self) -> dict[str, Entry]:
        """Every path as it is now: size, kind and a link's target; no file is read."""
        return dict(self._entries)

    def read(self, path: str) -> bytes:
        """A file's bytes; a symlink's are its target (a link is never followed)."""
        return self.content(clean_path(path))

    def content(self, key: str) -> bytes:
        """``read`` for a path as ``entries`` lists it (even one the tools may not name)."""
        entry = self._entries.get(key)
        if entry is None:
            raise FileNotFoundError(f"{key} does not exist")
        if entry.kind is Kind.SUBMODULE:
            raise ValueError(f"{key} is a submodule, not checked out in the workspace")
        if entry.kind is Kind.SYMLINK:
            return entry.target.encode(errors="surrogateescape")
        if key in self._unsent:
            return self._unsent[key][0]
        return self.box.read_file(key)

    def write(self, path: str, data: bytes) -> str:
        """Write a file; one that was executable stays executable."""
        key = clean_path(path)
        self._check_no_clash(key)
        old = self._entries.get(key)
        kind = Kind.EXECUTABLE if old is not None and old.kind is Kind.EXECUTABLE else Kind.FILE
        self._unsent[key] = (data, EXECUTABLE_MODE if kind is Kind.EXECUTABLE else FILE_MODE)
        self._entries[key] = Entry(len(data), kind)
        self._unsent_deletes.discard(key)
        self.version += 1
        return key

    def _check_no_clash(self, key: str) -> None:
        """A file cannot sit where a directory is, nor under another file."""
        parents = [key.rsplit("/", depth)[0] for depth in range(1, key.count("/") + 1)]
        clash = next((parent for parent in parents if parent in self._entries), None)
        if clash is not None:
            raise ValueError(f"{clash} is a file, so {key} cannot be created under it")
        if any(existing.startswith(key + "/") for existing in self._entries):
            raise ValueError(f"{key} is a directory")

    def delete(self, path: str) -> str:
        key = clean_path(path)
        if key not in self._entries:
            raise FileNotFoundError(f"{key} does not exist")
        del self._entries[key]
        self._unsent.pop(key, None)
        self._unsent_deletes.add(key)
        self.version += 1
        return key

    def exec(self, command: str, timeout: float | None = None) -> ExecResult:
        """Run a command on the up-to-date tree."""
        self.flush()
        began = time.perf_counter()
        try:
            return self.box.exec(command, timeout=timeout)
        finally:
            self.exec_seconds += time.perf_counter() - began

    def install(self, command: str, manifests: Mapping[str, bytes],
                timeout: float | None = None) -> ExecResult:
        """Install against the up-to-date tree (the sandbox copies it, with the writes sent);
        ``manifests`` (their bytes or ``fingerprints``) only key the cache. What the install
        adds is not the tree's: the box keeps it out of ``sync`` and out of git."""
        self.flush()
        began = time.perf_counter()
        try:
            return self.box.install(command, manifests, timeout=timeout)
        finally:
            self.exec_seconds += time.perf_counter() - began

    def fingerprints(self, paths: Sequence[str]) -> dict[str, bytes]:
        """Each file's git blob id, all in one sandbox call: what tells a file changed
        without reading it. ``paths`` name regular files, none with a newline."""
        self.flush()
        if not paths:
            return {}
        listed = "".join(f"{path}\n" for path in paths).encode(errors="surrogateescape")
        ids = self.box.git(["hash-object", "--no-filters", "--stdin-paths"], listed).split()
        return dict(zip(paths, ids, strict=True))

    def flush(self) -> None:
        """Send the writes and deletes the sandbox has not seen yet."""
        began = time.perf_counter()
        if self._unsent:
            self.box.put_files(self._unsent)
        if self._unsent_deletes:
            self.box.delete_files(sorted(self._unsent_deletes))
        self._unsent, self._unsent_deletes = {}, set()
        self.file_seconds += time.perf_counter() - began

    def sync(self) -> list[str]:
        """Take in what commands changed in the sandbox; returns the paths that changed."""
        began = time.perf_counter()
        reported = self.box.changed_paths()
        for path, stamp in reported.items():
            if stamp is None:
                self._entries.pop(path, None)
            else:
                self._entries[path] = stamp_entry(stamp)
        self.file_seconds += time.perf_counter() - began
        self.version += bool(reported)
        return sorted(reported)

    def changes(self) -> ChangeSet:
        """What git reports changed since the base commit: the change to publish."""
        self.flush()
        return collect(self.box, self.base_commit)


class WorkspaceFiles(Mapping[str, bytes]):
    """The workspace's files and symlinks as a mapping; each value is read when asked."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._paths = sorted(path for path, entry in workspace.entries().items()
                             if entry.kind is not Kind.SUBMODULE)
        self._known = frozenset(self._paths)

    def __getitem__(self, path: str) -> bytes:
        if path not in self._known:
            raise KeyError(path)
        return self._workspace.content(path)

    def __contains__(self, path: object) -> bool:
        return path in self._known  # without a sandbox round-trip

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)
