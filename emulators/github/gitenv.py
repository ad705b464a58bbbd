"""How the emulator runs git: one bare repository at a time, free of the user's configuration."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# the user's and the system's git configuration must not change what the emulator serves
ISOLATED = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}


class GitError(ValueError):
    """A request names an object that does not exist or has the wrong type, or git refused."""


def git_env(**extra: str) -> dict[str, str]:
    """The environment every git process of the emulator runs with."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **ISOLATED, **extra}


def run_git(git_dir: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run one git command on a bare repository; its standard output, or GitError."""
    done = subprocess.run(
        ["git", f"--git-dir={git_dir}", *args],
        input=input,
        capture_output=True,
        env=git_env(),
        check=False,
    )
    if done.returncode != 0:
        raise GitError(f"git {args[0]}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout
