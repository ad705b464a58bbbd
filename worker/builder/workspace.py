"""The build's file tree: in memory, mirrored into the sandbox, synced after commands."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Protocol

from sandbox.result import ExecResult
from worker.builder.paths import clean_path


class Box(Protocol):
    """The part of ``sandbox.Sandbox`` the builder uses."""

    def put_files(self, files: Mapping[str, bytes]) -> None: ...
    def delete_files(self, paths: list[str]) -> None: ...
    def changed_files(self) -> dict[str, bytes | None]: ...
    def exec(self, cmd: str, timeout: float | None = None) -> ExecResult: ...
    def install(self, cmd: str, manifests: Mapping[str, bytes],
                timeout: float | None = None) -> ExecResult: ...


class Workspace:
    """The tree as Kiln knows it; ``version`` goes up on every change, whoever made it.

    Writes and deletes reach the sandbox in one batch before the next command runs: each
    sandbox call costs a Docker round-trip (tens of milliseconds), and only commands look at
    the sandbox's copy. ``exec_seconds`` and ``file_seconds`` say where sandbox time went.
    """

    def __init__(self, box: Box, files: Mapping[str, bytes]) -> None:
        self.box = box
        self.files = {clean_path(path): data for path, data in files.items()}
        self.version = 0
        self.exec_seconds = 0.0
        self.file_seconds = 0.0
        self._unsent: dict[str, bytes] = dict(self.files)
        self._unsent_deletes: set[str] = set()

    def read(self, path: str) -> bytes:
        key = clean_path(path)
        if key not in self.files:
            raise FileNotFoundError(f"{key} does not exist")
        return self.files[key]

    def write(self, path: str, data: bytes) -> str:
        key = clean_path(path)
        self._check_no_clash(key)
        self.files[key] = self._unsent[key] = data
        self._unsent_deletes.discard(key)
        self.version += 1
        return key

    def _check_no_clash(self, key: str) -> None:
        """A file cannot sit where a directory is, nor under another file."""
        parents = [key.rsplit("/", depth)[0] for depth in range(1, key.count("/") + 1)]
        clash = next((parent for parent in parents if parent in self.files), None)
        if clash is not None:
            raise ValueError(f"{clash} is a file, so {key} cannot be created under it")
        if any(existing.startswith(key + "/") for existing in self.files):
            raise ValueError(f"{key} is a directory")

    def delete(self, path: str) -> str:
        key = clean_path(path)
        if key not in self.files:
            raise FileNotFoundError(f"{key} does not exist")
        del self.files[key]
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
        self.flush()
        began = time.perf_counter()
        try:
            return self.box.install(command, manifests, timeout=timeout)
        finally:
            self.exec_seconds += time.perf_counter() - began

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
        reported = self.box.changed_files()
        changed = sorted(path for path, data in reported.items() if self.files.get(path) != data)
        for path, data in reported.items():
            # Sending the same bytes back (and deleting again) moves the sandbox's baseline,
            # so later syncs only read files that changed after this one.
            if data is None:
                self.files.pop(path, None)
                self._unsent_deletes.add(path)
            else:
                self.files[path] = self._unsent[path] = data
        self.file_seconds += time.perf_counter() - began
        self.flush()
        self.version += bool(changed)
        return changed

    def changes(self, base: Mapping[str, bytes]) -> dict[str, bytes | None]:
        """Paths that differ from ``base``: new bytes, or None when deleted."""
        result: dict[str, bytes | None] = {
            path: data for path, data in self.files.items() if base.get(path) != data}
        result.update({path: None for path in base if path not in self.files})
        return result
