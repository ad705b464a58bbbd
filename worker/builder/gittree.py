"""A git working tree on the worker's disk: its files read on demand, packed as one tar
into a temporary file (on disk, never in memory)."""

from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sandbox.archive import SANDBOX_UID

BRANCH = "kiln"
IDENTITY = ("-c", "user.name=Kiln", "-c", "user.email=kiln@users.noreply.github.com")
# No background housekeeping: an automatic gc would repack objects while the tree is tarred.
NO_GC = ("-c", "gc.auto=0", "-c", "maintenance.auto=false")
# Kiln's own caches are never part of a change, whatever the repository's .gitignore says;
# git itself keeps them out (the model's `git status` included) through info/exclude.
KILN_EXCLUDE_FILE = ".git/info/exclude"  # Kiln's own ignore lines; the install step adds some
KILN_EXCLUDES = ("__pycache__/", "*.py[co]", ".pytest_cache/", ".mypy_cache/", ".ruff_cache/")
FILE_MODES = frozenset({"100644", "100755", "120000"})
SYMLINK = "120000"
SUBMODULE = "160000"
SUBMODULES_NOTE = ("Submodules are not checked out in the sandbox (their directories are "
                   "empty): {entries}.")


class GitFailed(RuntimeError):
    """A git command on the worker failed; the message has git's own words."""


def run_git(args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> bytes:
    """Run git in ``cwd`` with no user or system config and no prompt; its output.

    Only ``env`` adds to a minimal environment, so nothing of the worker's own (a credential
    helper, a trace variable) takes part.
    """
    base = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(cwd), "LC_ALL": "C",
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0"}
    done = subprocess.run(["git", *NO_GC, *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise GitFailed(f"git {args[0]} failed ({done.returncode}): "
                        f"{done.stderr.decode(errors='replace')[-500:]}")
    return done.stdout


@dataclass(frozen=True)
class Entry:
    """One entry of a commit's tree: its path, mode, object id and size (0 for a submodule)."""

    path: str
    mode: str
    sha: str
    size: int


def parse_ls_tree(raw: bytes) -> dict[str, Entry]:
    """``git ls-tree -r -z --long`` output: ``mode type sha size<TAB>path`` NUL-separated."""
    entries: dict[str, Entry] = {}
    for record in raw.split(b"\0"):
        if not record:
            continue
        head, _, path_bytes = record.partition(b"\t")
        mode, _kind, sha, size = head.decode().split()
        path = path_bytes.decode("utf-8", "surrogateescape")
        entries[path] = Entry(path, mode, sha, 0 if size == "-" else int(size))
    return entries


class GitTree(Mapping[str, bytes]):
    """A checked-out commit: file paths to bytes (a symlink's are its target, as git keeps
    them), read from disk only when asked, so the worker's memory does not grow with the
    repository; the modes and submodules come from the commit's tree."""

    def __init__(self, root: Path, commit: str, tree: str, entries: dict[str, Entry]) -> None:
        self.root = root
        self.commit = commit
        self.tree = tree
        self.entries = entries
        self._files = sorted(path for path, entry in entries.items() if entry.mode in FILE_MODES)
        self._known = frozenset(self._files)

    @classmethod
    def open(cls, root: Path) -> GitTree:
        """The tree checked out at ``root``, made ready for a sandbox (Kiln's excludes)."""
        (root / ".git" / "info").mkdir(exist_ok=True)
        (root / KILN_EXCLUDE_FILE).write_text("\n".join(KILN_EXCLUDES) + "\n")
        commit, tree = run_git(["rev-parse", "HEAD", "HEAD^{tree}"], root).decode().split()
        entries = parse_ls_tree(run_git(["ls-tree", "-r", "-z", "--long", "HEAD"], root))
        return cls(root, commit, tree, entries)

    @classmethod
    def from_files(cls, files: Mapping[str, bytes], root: Path) -> GitTree:
        """A new repository at ``root`` holding ``files`` as its one commit."""
        run_git(["init", "-q", "-b", BRANCH, str(root)], root)
        for path, data in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        run_git(["add", "-A", "-f", "."], root)
        run_git([*IDENTITY, "commit", "-q", "--allow-empty", "--no-verify", "-m", "base"], root)
        return cls.open(root)

    def __getitem__(self, path: str) -> bytes:
        entry = self.entries.get(path)
        if entry is None or entry.mode not in FILE_MODES:
            raise KeyError(path)
        if entry.mode == SYMLINK:
            return os.fsencode(os.readlink(self.root / path))
        # O_NOFOLLOW: a path git checked out as a file is read as that file, never through
        # a link that replaced it.
        fd = os.open(self.root / path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as opened:
            return opened.read()

    def __contains__(self, path: object) -> bool:
        return path in self._known  # without reading the file, as Mapping's own would

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def modes(self) -> dict[str, str]:
        return {path: self.entries[path].mode for path in self._files}

    def submodules(self) -> list[Entry]:
        return [entry for entry in self.entries.values() if entry.mode == SUBMODULE]

    @contextmanager
    def archived(self) -> Iterator[BinaryIO]:
        """The whole working tree with its ``.git``, as a tar owned by the sandbox user
        (modes, symlinks as links, every byte kept): an anonymous temporary file, open at
        its start and gone on exit, so memory does not grow with the repository."""
        with tempfile.TemporaryFile(prefix="kiln-tree-") as spool:
            with tarfile.open(fileobj=spool, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for name in sorted(os.listdir(self.root)):
                    _add(tar, os.path.join(self.root, name), name)
            spool.seek(0)
            yield spool


def _add(tar: tarfile.TarFile, path: str, arcname: str) -> None:
    """Add ``path`` and, for a directory (never a link to one), all beneath it, in
    ``TarFile.add``'s order, forgetting what ``add`` would keep of every file until the tar
    closes (about a KiB each): its members, which only reading uses, and its inodes, so a
    second hard link is stored as a copy (git keeps no links). Plain strings, as pathlib
    would intern every name."""
    tar.add(path, arcname=arcname, recursive=False, filter=_owned)
    # Plain attributes of every TarFile, though typeshed lists neither.
    tar.members.clear()  # type: ignore[attr-defined]
    tar.inodes.clear()  # type: ignore[attr-defined]
    if os.path.isdir(path) and not os.path.islink(path):
        for name in sorted(os.listdir(path)):
            _add(tar, os.path.join(path, name), f"{arcname}/{name}")


def _owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = SANDBOX_UID
    info.uname = info.gname = ""
    return info


def submodule_note(submodules: Iterable[Entry]) -> str:
    """A line for the model naming the submodules the sandbox lacks; "" when there are none."""
    entries = ", ".join(f"{entry.path} (commit {entry.sha})" for entry in submodules)
    return SUBMODULES_NOTE.format(entries=entries) if entries else ""
