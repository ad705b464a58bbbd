"""Reading a commit from GitHub with git: one shallow fetch over HTTPS, the token never stored.

The installation token travels only in the fetch's environment, as an ``http.extraHeader``
(``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_0``/``GIT_CONFIG_VALUE_0``): git sends it as GitHub
documents (Basic, user ``x-access-token``) and never writes it into ``.git/config``; the
fetched URL is passed on the command line, so no remote is recorded either.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from worker.builder.gittree import BRANCH, GitFailed, GitTree, run_git

# A fetch cut off mid-answer (a dropped connection, a busy server) is tried again.
FETCH_TRIES = 3


@dataclass(frozen=True)
class Remote:
    """Where git reads a repository from, and the installation token it shows there."""

    url: str
    token: str = field(repr=False)

    def environment(self) -> dict[str, str]:
        """The variables that give git the token for this one command."""
        credential = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
                "GIT_CONFIG_VALUE_0": f"Authorization: Basic {credential}"}


class Checkout:
    """Fetches commits into local working trees (what a benchmark times)."""

    @staticmethod
    def fetch(remote: Remote, commit: str, into: Path) -> GitTree:
        """Check out ``commit`` (a full sha) of ``remote`` into the empty directory ``into``:
        one shallow fetch of that commit alone, no tags, history of depth 1."""
        into.mkdir(parents=True, exist_ok=True)
        run_git(["init", "-q", "-b", BRANCH, str(into)], into)
        fetch = ["fetch", "-q", "--depth=1", "--no-tags", "--no-write-fetch-head", remote.url,
                 commit]
        for attempt in range(1, FETCH_TRIES + 1):
            try:
                run_git(fetch, into, remote.environment())
                break
            except GitFailed:
                if attempt == FETCH_TRIES:
                    raise
        run_git(["checkout", "-q", "-B", BRANCH, commit], into)
        return GitTree.open(into)
