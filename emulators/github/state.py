"""The emulator's whole state behind one lock, with the look-ups every handler needs."""

from __future__ import annotations

import itertools
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from emulators.github.cirecords import LogLink, RepoCi
from emulators.github.errors import not_found
from emulators.github.gitstore import GitStore
from emulators.github.limits import ContentLimits
from emulators.github.ratelimit import RateLimits
from emulators.github.records import (
    Account,
    Delivery,
    EmulatedApp,
    Installation,
    Issue,
    ManifestCode,
    PullData,
    RecordedRequest,
    Repo,
    Token,
)
from emulators.github.treelimits import TreeLimits


@dataclass
class GitHubState:
    """Plain records guarded by ``lock``: uvicorn's thread and the test thread both change them."""

    clock: Callable[[], float] = time.time
    token_lifetime: float = 3600.0
    base_url: str = "http://127.0.0.1"
    lock: threading.RLock = field(default_factory=threading.RLock)
    accounts: dict[str, Account] = field(default_factory=dict)
    apps: dict[int, EmulatedApp] = field(default_factory=dict)
    installations: dict[int, Installation] = field(default_factory=dict)
    manifest_codes: dict[str, ManifestCode] = field(default_factory=dict)
    # whose browser session the web pages act for (GitHubEmulator.sign_in)
    web_user: str | None = None
    tokens: dict[str, Token] = field(default_factory=dict)
    repos: dict[tuple[str, str], Repo] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    git_requests: list[RecordedRequest] = field(default_factory=list)
    unexpected: list[RecordedRequest] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    content_limits: ContentLimits = field(default_factory=ContentLimits)
    tree_limits: TreeLimits = field(default_factory=TreeLimits)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    # other apps' CI, per repository id, and the job log links handed out (emulators.github.ci)
    ci: dict[int, RepoCi] = field(default_factory=dict)
    log_links: dict[str, LogLink] = field(default_factory=dict)
    # the bare repositories, one directory per owner; removed by close()
    git_root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="github-emu-")))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def next_id(self) -> int:
        return next(self._ids)

    def add_repo(
        self,
        owner: str,
        name: str,
        private: bool = False,
        default_branch: str = "main",
        description: str | None = None,
    ) -> Repo:
        """A new empty repository, backed by a fresh bare git repository."""
        path = self.git_root / owner.lower() / f"{name.lower()}.git"
        git = GitStore(path, default_branch)
        repo = Repo(
            self.next_id(), owner, name, private, default_branch, self.now(), git, description
        )
        self.repos[(owner.lower(), name.lower())] = repo
        return repo

    def close(self) -> None:
        """Stop the repositories' git readers and remove them from disk."""
        for repo in self.repos.values():
            repo.git.close()
        shutil.rmtree(self.git_root, ignore_errors=True)

    def now(self) -> str:
        return timestamp(self.clock())

    def account(self, login: str) -> Account:
        found = self.accounts.get(login.lower())
        if found is None:
            raise not_found()
        return found

    def ensure_account(self, login: str, type: str = "User") -> Account:
        """The login's account, recorded on first sight: renderers only look accounts up."""
        key = login.lower()
        if key not in self.accounts:
            self.accounts[key] = Account(self.next_id(), login, type)
        return self.accounts[key]

    def ensure_actor(self, login: str) -> Account:
        """The account of someone seen only acting; apps' bots are named ``<slug>[bot]``."""
        return self.ensure_account(login, "Bot" if login.endswith("[bot]") else "User")

    def is_organization(self, login: str) -> bool:
        found = self.accounts.get(login.lower())
        return found is not None and found.type == "Organization"

    def repo(self, owner: str, name: str) -> Repo:
        found = self.repos.get((owner.lower(), name.lower()))
        if found is None:
            raise not_found()
        return found

    def issue(self, repo: Repo, number: int) -> Issue:
        found = repo.issues.get(number)
        if found is None:
            raise not_found()
        return found

    def pull(self, repo: Repo, number: int) -> tuple[Issue, PullData]:
        """A pull request: its issue side and its pull side; 404 for a plain issue."""
        found = self.issue(repo, number)
        if found.pull is None:
            raise not_found()
        return found, found.pull

    def installations_for(self, repo: Repo) -> list[Installation]:
        """The installations that cover a repository (each app gets its own webhook)."""
        return [i for i in self.installations.values() if covers(i, repo)]

    def app_installation(self, app_id: int, repo: Repo) -> Installation | None:
        return next((i for i in self.installations_for(repo) if i.app_id == app_id), None)


def covers(installation: Installation, repo: Repo) -> bool:
    if installation.account.lower() != repo.owner.lower():
        return False
    names = installation.repositories
    return names is None or repo.name.lower() in {n.lower() for n in names}


def timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
