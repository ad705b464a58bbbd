"""A long-running `git cat-file --batch-command` that reads the objects of one bare repository."""

from __future__ import annotations

import re
import subprocess
import threading
from pathlib import Path
from typing import IO

from emulators.github.gitenv import git_env

OBJECT_ID = re.compile(r"[0-9a-f]{40}")


class CatFile:
    """Asks one git process for object types, sizes and contents; started on first use.

    Git looks objects up afresh on every miss, so objects written later (by a push,
    ``fast-import`` or a loose write) are found too.
    """

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def info(self, sha: str) -> tuple[str, int] | None:
        """The object's type and size, or None when the repository lacks it."""
        with self._lock:
            header = self._ask(f"info {sha}", sha)
            return None if header is None else (header[0], header[1])

    def read(self, sha: str) -> tuple[str, bytes] | None:
        """The object's type and body, or None when the repository lacks it."""
        with self._lock:
            header = self._ask(f"contents {sha}", sha)
            if header is None:
                return None
            kind, size = header
            out = self._pipes()[1]
            body = out.read(size)
            out.read(1)  # the newline after the body
            return kind, body

    def close(self) -> None:
        with self._lock:
            if self._process is not None:
                self._process.kill()
                self._process.wait()
                self._process = None

    def _ask(self, command: str, sha: str) -> tuple[str, int] | None:
        # only full ids: cat-file would otherwise resolve branch names and abbreviations
        if not OBJECT_ID.fullmatch(sha):
            return None
        try:
            return self._exchange(command)
        except (BrokenPipeError, ValueError):
            self._restart()
            return self._exchange(command)

    def _exchange(self, command: str) -> tuple[str, int] | None:
        stdin, stdout = self._pipes()
        stdin.write(command.encode() + b"\n")
        stdin.flush()
        fields = stdout.readline().split()
        if len(fields) != 3:
            if not fields:
                raise BrokenPipeError("git cat-file ended")
            return None
        return fields[1].decode(), int(fields[2])

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                ["git", f"--git-dir={self.git_dir}", "cat-file", "--batch-command"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=git_env(),
            )
        assert self._process.stdin is not None and self._process.stdout is not None
        return self._process.stdin, self._process.stdout

    def _restart(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        self._process = None
