"""The change a build publishes: what git in the sandbox reports changed since the base commit.

Git decides, so `.gitignore` is respected, modes (100755, 120000) are git's own and a file
no command touched is never part of it. Kiln leaves out, and lists, what it cannot push:
submodule entries, and files over ``MAX_PUBLISHED_BYTES``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from worker.builder.gittree import KILN_EXCLUDE_FILE, KILN_EXCLUDES, SUBMODULE

MAX_PUBLISHED_BYTES = 10 * 1024 * 1024
DELETED_MODE = "000000"
IGNORED_PREFIX = b"!! "
UNTRACKED_PREFIX = b"?? "
REGULAR = "100644"
# Git refuses to track a path with a `.git` component in any case; such paths are left out of
# git's staging and taken as they are (Kiln's protected paths then hold them back).
NOT_GIT_PATHS = ":(exclude,icase,glob)**/.git/**"
KILN_CACHE_NAMES = frozenset(name.strip("/") for name in KILN_EXCLUDES if "*" not in name)
TOO_LARGE = "{path} ({size:,} bytes, over Kiln's {cap:,}-byte limit for a published file)"
IGNORED = "{path} (ignored by .gitignore)"
SUBMODULE_LEFT = "{path} (a submodule entry; Kiln does not change submodules)"
LEFT_OUT_NOTE = "\n\n**Left out of this pull request:**\n{lines}\n"


class Git(Protocol):
    """The part of the sandbox that runs git in the workspace with Kiln's own index."""

    def git(self, args: Sequence[str], stdin: bytes = b"") -> bytes: ...
    def read_file(self, path: str) -> bytes: ...


@dataclass(frozen=True)
class RawChange:
    """One line of ``git diff --raw``: a path, its mode and blob before and after."""

    path: str
    old_mode: str
    mode: str
    sha: str

    @property
    def deleted(self) -> bool:
        return self.mode == DELETED_MODE


@dataclass(frozen=True)
class ChangeSet:
    """What to publish: new bytes (a symlink's target) or None for deleted; each new file's
    mode; and lines naming what was left out and why."""

    files: dict[str, bytes | None]
    modes: dict[str, str]
    left_out: tuple[str, ...] = ()


def parse_raw_diff(raw: bytes) -> list[RawChange]:
    """``git diff --raw -z --no-renames`` output: ``:old new oldsha newsha X NUL path NUL``."""
    fields = raw.split(b"\0")
    changes = []
    for i in range(0, len(fields) - 1, 2):
        old_mode, mode, _old_sha, sha, _status = fields[i].decode().lstrip(":").split()
        changes.append(RawChange(fields[i + 1].decode("utf-8", "surrogateescape"),
                                 old_mode, mode, sha))
    return changes


def status_paths(raw: bytes, prefix: bytes) -> list[str]:
    """The paths of ``git status --porcelain -z`` entries with ``prefix`` (``!! ``: ignored,
    directories ending in /; ``?? ``: untracked)."""
    return [entry[len(prefix):].decode("utf-8", "surrogateescape")
            for entry in raw.split(b"\0") if entry.startswith(prefix)]


def worth_listing(path: str) -> bool:
    """Whether an ignored path is worth naming: not one of Kiln's own caches."""
    return (not KILN_CACHE_NAMES & set(path.rstrip("/").split("/"))
            and not path.endswith((".pyc", ".pyo")))


def parse_batch_check(raw: bytes) -> dict[str, int]:
    """``git cat-file --batch-check`` output: each object's size by id."""
    sizes = {}
    for line in raw.decode().splitlines():
        sha, _kind, size = line.split()
        sizes[sha] = int(size)
    return sizes


def parse_batch(raw: bytes) -> dict[str, bytes]:
    """``git cat-file --batch`` output: ``sha type size LF content LF`` per object."""
    blobs, at = {}, 0
    while at < len(raw):
        header_end = raw.index(b"\n", at)
        sha, _kind, size = raw[at:header_end].decode().split()
        start = header_end + 1
        blobs[sha] = raw[start:start + int(size)]
        at = start + int(size) + 1
    return blobs


def select(changes: list[RawChange], sizes: dict[str, int],
           cap: int = MAX_PUBLISHED_BYTES) -> tuple[list[RawChange], list[str]]:
    """The changes Kiln can publish, and lines for those it leaves out (submodule entries,
    files over the cap)."""
    kept, left_out = [], []
    for change in changes:
        if SUBMODULE in (change.mode, change.old_mode):
            left_out.append(SUBMODULE_LEFT.format(path=change.path))
        elif not change.deleted and sizes.get(change.sha, 0) > cap:
            left_out.append(TOO_LARGE.format(path=change.path, size=sizes[change.sha], cap=cap))
        else:
            kept.append(change)
    return kept, left_out


def collect(box: Git, base_commit: str, cap: int = MAX_PUBLISHED_BYTES) -> ChangeSet:
    """Stage the whole workspace in Kiln's own index and take what differs from the base
    commit: a few git calls, and blobs read only for the changed files."""
    box.git(["read-tree", base_commit])
    box.git(["add", "-A", "--", ".", NOT_GIT_PATHS])
    raw = parse_raw_diff(box.git(
        ["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", base_commit]))
    status = box.git(["status", "--porcelain", "-z", "--ignored=matching",
                      "--untracked-files=all"])
    ignored = _ignored_by_the_repository(
        box, [path for path in status_paths(status, IGNORED_PREFIX) if worth_listing(path)])
    refused = {path: box.read_file(path) for path in status_paths(status, UNTRACKED_PREFIX)}
    kept, left_out = select(raw, _sizes(box, raw), cap)
    files, modes = _contents(box, kept)
    return ChangeSet(files={**files, **refused}, modes={**modes, **dict.fromkeys(refused, REGULAR)},
                     left_out=(*left_out, *(IGNORED.format(path=path) for path in ignored)))


def ignore_sources(raw: bytes) -> dict[str, str]:
    """``git check-ignore -v -z`` output: the file whose pattern ignores each path."""
    fields = raw.decode("utf-8", "surrogateescape").split("\0")
    return {fields[i + 3]: fields[i] for i in range(0, len(fields) - 3, 4)}


def _ignored_by_the_repository(box: Git, paths: list[str]) -> list[str]:
    """The ignored paths the repository's own ignore files leave out; what only Kiln's
    `.git/info/exclude` lines leave out (installed dependencies) is not the user's news."""
    if not paths:
        return []
    sources = ignore_sources(box.git(["check-ignore", "-v", "-z", "--stdin"],
                                     "".join(f"{path}\0" for path in paths).encode()))
    return [path for path in paths if sources.get(path) != KILN_EXCLUDE_FILE]


def _sizes(box: Git, changes: list[RawChange]) -> dict[str, int]:
    shas = "".join(f"{c.sha}\n" for c in changes if not c.deleted and c.mode != SUBMODULE)
    return parse_batch_check(box.git(["cat-file", "--batch-check"], shas.encode()))


def _contents(box: Git, kept: list[RawChange]) -> tuple[dict[str, bytes | None], dict[str, str]]:
    """Each kept change's new bytes (None: deleted), read from git's objects, and mode."""
    wanted = "".join(f"{c.sha}\n" for c in kept if not c.deleted)
    blobs = parse_batch(box.git(["cat-file", "--batch"], wanted.encode())) if wanted else {}
    return ({c.path: None if c.deleted else blobs[c.sha] for c in kept},
            {c.path: c.mode for c in kept if not c.deleted})


def left_out_note(left_out: Sequence[str]) -> str:
    """The pull request's list of what the change leaves out; "" when nothing is."""
    if not left_out:
        return ""
    return LEFT_OUT_NOTE.format(lines="\n".join(f"- {line}" for line in left_out))


class TreeAfter(Mapping[str, bytes]):
    """A base tree with a change applied, read on demand: the base stays where it is."""

    def __init__(self, base: Mapping[str, bytes], changes: Mapping[str, bytes | None]) -> None:
        self._base = base
        self._changes = changes
        self._paths = sorted({*base, *changes} - {p for p, data in changes.items() if data is None})
        self._known = frozenset(self._paths)

    def __getitem__(self, path: str) -> bytes:
        data = self._changes[path] if path in self._changes else self._base[path]
        if data is None:
            raise KeyError(path)
        return data

    def __contains__(self, path: object) -> bool:
        return path in self._known  # without reading the base's file

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)
