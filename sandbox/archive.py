"""Tar archives in and out of the workspace: paths checked, owned by the sandbox user."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

SANDBOX_UID = 1000
FILE_MODE = 0o644
DIR_MODE = 0o755

FileContent = bytes | tuple[bytes, int]
"""A file's bytes, or its bytes and its permission bits (``0o755`` for an executable)."""


def workspace_path(path: str) -> str:
    """Normalise a workspace-relative path; ValueError for absolute paths or ones leaving it."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or str(pure) in ("", "."):
        raise ValueError(f"not a path inside the workspace: {path!r}")
    return str(pure)


def parent_dirs(paths: Iterable[str]) -> list[str]:
    """Every directory the paths need, parents first."""
    dirs = {str(parent) for path in paths for parent in PurePosixPath(path).parents}
    dirs.discard(".")
    return sorted(dirs, key=lambda d: (d.count("/"), d))


def pack(files: Mapping[str, FileContent], mtime: float, dirs: Iterable[str] = ()) -> bytes:
    """A tar of ``files`` (already checked paths), their parent directories and ``dirs``."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for directory in sorted(set(parent_dirs(files)) | set(dirs)):
            tar.addfile(_info(directory, tarfile.DIRTYPE, DIR_MODE, 0, mtime))
        for path, content in files.items():
            data, mode = content if isinstance(content, tuple) else (content, FILE_MODE)
            tar.addfile(_info(path, tarfile.REGTYPE, mode, len(data), mtime), io.BytesIO(data))
    return buf.getvalue()


def _info(name: str, kind: bytes, mode: int, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = size
    info.mtime = mtime
    info.uid = info.gid = SANDBOX_UID
    return info


def unpack_file(chunks: Iterable[bytes], path: str) -> bytes:
    """The one regular file in a tar stream from ``get_archive``; IsADirectoryError otherwise."""
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks)), mode="r") as tar:
        member = tar.next()
        if member is None or not member.isfile():
            raise IsADirectoryError(path)
        extracted = tar.extractfile(member)
        assert extracted is not None
        return extracted.read()
