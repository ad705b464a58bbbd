"""One commit of many files written at once by `git fast-import`: one process, one pack."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from emulators.github.gitenv import run_git
from emulators.github.seedfile import SUBMODULE, SeedFile


@dataclass(frozen=True)
class ImportedCommit:
    """What to commit: on ``ref``, after ``parent``, these paths set (or removed when None)."""

    ref: str
    parent: str | None
    files: Mapping[str, SeedFile | None]
    author: str  # git's "Name <email> seconds zone"
    message: str


def import_commit(git_dir: Path, commit: ImportedCommit) -> str:
    """Write the commit and move its ref (a fast-forward only); returns the commit's id."""
    # measured on a 10,000-file seed: 0.5 to 1.5 s, half the time or less of writing each
    # object loose from Python, and the pack it leaves makes clones cheaper too
    out = run_git(git_dir, "fast-import", "--quiet", "--done", input=_stream(commit))
    return out.decode().strip()


def _stream(commit: ImportedCommit) -> bytes:
    message = commit.message.encode()
    parts = [
        f"commit {commit.ref}\nmark :1\n".encode(),
        f"author {commit.author}\ncommitter {commit.author}\n".encode(),
        f"data {len(message)}\n".encode() + message + b"\n",
    ]
    if commit.parent:
        parts.append(f"from {commit.parent}\n".encode())
    parts += [_change(path, entry) for path, entry in commit.files.items()]
    # get-mark answers on stdout: the new commit's id
    parts.append(b"\nget-mark :1\ndone\n")
    return b"".join(parts)


def _change(path: str, entry: SeedFile | None) -> bytes:
    quoted = _quoted(path.strip("/"))
    if entry is None:
        return b"D " + quoted + b"\n"
    if entry.mode == SUBMODULE:
        return f"M {SUBMODULE} {entry.commit} ".encode() + quoted + b"\n"
    head = f"M {entry.mode} inline ".encode() + quoted
    return head + f"\ndata {len(entry.content)}\n".encode() + entry.content + b"\n"


def _quoted(path: str) -> bytes:
    """A path in fast-import's C-style quotes, so spaces, quotes and newlines are safe."""
    escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return b'"' + escaped.encode("utf-8", "surrogateescape") + b'"'
