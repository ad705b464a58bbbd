"""Real git run against the emulator: the token goes in a header for one command only."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path


def auth_header(token: str) -> str:
    """GitHub's documented form for an App: user ``x-access-token``, the token as password."""
    pair = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return f"Authorization: Basic {pair}"


class Git:
    """git commands in ``home``'s world: no user or system config, never a prompt."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",  # a 401 fails at once instead of asking
            "GIT_AUTHOR_NAME": "Dev",
            "GIT_AUTHOR_EMAIL": "dev@example.com",
            "GIT_COMMITTER_NAME": "Dev",
            "GIT_COMMITTER_EMAIL": "dev@example.com",
        }

    def run(
        self, *args: str, cwd: Path | None = None, token: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """``git [-c http.extraHeader=…] args``; the header lives on this command line only."""
        auth = ["-c", f"http.extraHeader={auth_header(token)}"] if token else []
        return subprocess.run(
            ["git", *auth, *args], cwd=cwd or self.home, env=self.env,
            capture_output=True, text=True, check=check, timeout=60,
        )  # fmt: skip

    def out(self, *args: str, cwd: Path) -> str:
        return self.run(*args, cwd=cwd).stdout.strip()
