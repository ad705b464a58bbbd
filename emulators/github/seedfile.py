"""A file to seed or push, with its git mode: regular, executable, symlink or submodule."""

from __future__ import annotations

import re
from dataclasses import dataclass

REGULAR = "100644"
EXECUTABLE = "100755"
SYMLINK = "120000"
SUBMODULE = "160000"
MODES = (REGULAR, EXECUTABLE, SYMLINK, SUBMODULE)


@dataclass(frozen=True)
class SeedFile:
    """What one path holds: ``content`` is the file's bytes, a symlink's target, or a
    submodule's commit id (the commit lives in another repository)."""

    content: bytes = b""
    mode: str = REGULAR

    def __post_init__(self) -> None:
        if isinstance(self.content, str):
            object.__setattr__(self, "content", self.content.encode())
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        if self.mode == SUBMODULE and not re.fullmatch(rb"[0-9a-f]{40}", self.content):
            raise ValueError("a submodule entry needs the full id of a commit")

    @classmethod
    def executable(cls, content: bytes | str) -> SeedFile:
        return cls(_bytes(content), EXECUTABLE)

    @classmethod
    def symlink(cls, target: str) -> SeedFile:
        return cls(target.encode(), SYMLINK)

    @classmethod
    def submodule(cls, commit: str) -> SeedFile:
        return cls(commit.encode(), SUBMODULE)

    @property
    def commit(self) -> str:
        """A submodule's commit id."""
        return self.content.decode()


def seed_file(value: SeedFile | bytes | str) -> SeedFile:
    """A seed's value as a SeedFile: plain text or bytes make a regular file."""
    return value if isinstance(value, SeedFile) else SeedFile(_bytes(value))


def _bytes(content: bytes | str) -> bytes:
    return content.encode() if isinstance(content, str) else content
