"""The emulator's state as plain records: accounts, apps, repositories and what lives in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulators.github.gitstore import GitStore
from emulators.github.refstore import RefStore


@dataclass
class Account:
    """A user, organization or bot."""

    id: int
    login: str
    type: str = "User"


@dataclass
class EmulatedApp:
    """A GitHub App: its key pair, webhook secret and URL, and its bot user."""

    id: int
    slug: str
    private_key_pem: str
    webhook_secret: str
    webhook_url: str | None = None
    bot_login: str = ""
    public_key_pem: str = ""
    hook_id: int = 0
    created_at: str = ""
    permissions: dict[str, str] | None = None  # None: Kiln's own (`shapes.APP_PERMISSIONS`)


@dataclass
class ManifestCode:
    """The temporary code the App-manifest flow hands back, and what its conversion returns."""

    code: str
    app_id: int
    owner: str
    name: str
    manifest: dict[str, Any]
    client_secret: str
    expires_at: float


@dataclass
class Installation:
    """An app installed on an account, for all its repositories (None) or some of them."""

    id: int
    app_id: int
    account: str
    repositories: list[str] | None
    created_at: str = ""


@dataclass
class Token:
    """An installation access token; ``repositories`` None means whatever the installation has,
    ``permissions`` None whatever the app has."""

    token: str
    installation_id: int
    expires_at: float
    repositories: list[str] | None = None
    permissions: dict[str, str] | None = None


@dataclass
class Reaction:
    id: int
    content: str
    user: str
    created_at: str


@dataclass
class Comment:
    """An issue or pull request conversation comment."""

    id: int
    body: str
    user: str
    created_at: str
    updated_at: str
    reactions: list[Reaction] = field(default_factory=list)


@dataclass
class Review:
    id: int
    user: str
    body: str
    state: str
    commit_id: str
    submitted_at: str


@dataclass
class ReviewComment:
    """A line comment on a pull request's diff."""

    id: int
    path: str
    line: int | None
    body: str
    user: str
    commit_id: str
    created_at: str
    updated_at: str
    review_id: int | None = None
    in_reply_to_id: int | None = None
    side: str = "RIGHT"


@dataclass
class PullData:
    """What makes an issue a pull request."""

    head_ref: str
    head_sha: str
    base_ref: str
    draft: bool = False
    merged: bool = False
    requested_reviewers: list[str] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    review_comments: list[ReviewComment] = field(default_factory=list)


@dataclass
class Issue:
    """An issue, or a pull request when ``pull`` is set (they share one numbering)."""

    id: int
    number: int
    title: str
    body: str | None
    user: str
    created_at: str
    updated_at: str
    state: str = "open"
    state_reason: str | None = None
    closed_at: str | None = None
    labels: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    pull: PullData | None = None
    pull_id: int = 0


@dataclass
class CheckRun:
    id: int
    name: str
    head_sha: str
    app_id: int
    status: str
    conclusion: str | None
    started_at: str | None
    completed_at: str | None
    output: dict[str, Any] = field(default_factory=dict)
    external_id: str | None = None
    details_url: str | None = None


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None


@dataclass
class Repo:
    """A repository: a bare git repository (objects and refs), permissions, issues and pulls,
    check runs."""

    id: int
    owner: str
    name: str
    private: bool
    default_branch: str
    created_at: str
    git: GitStore
    description: str | None = None
    permissions: dict[str, str] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    check_runs: list[CheckRun] = field(default_factory=list)
    pushed_at: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def refs(self) -> RefStore:
        """Branches and other refs, kept in the bare repository beside the objects."""
        return self.git.refs


@dataclass
class Delivery:
    """One webhook delivery attempt and its outcome; ``body`` and ``headers`` allow a redelivery.

    ``id`` is the ``X-GitHub-Delivery`` GUID, which a redelivery keeps (the API's ``guid``);
    ``number`` is GitHub's id of this one attempt (the API's ``id``).
    """

    id: str
    event: str
    action: str | None
    status_code: int | None
    response_json: Any
    seconds: float
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    url: str = ""
    error: str | None = None
    number: int = 0
    delivered_at: float = 0.0
    redelivery: bool = False
    app_id: int | None = None
    installation_id: int | None = None
    repository_id: int | None = None


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int


@dataclass(frozen=True)
class PullView:
    """A read-only summary of a pull request for tests."""

    number: int
    title: str
    body: str | None
    state: str
    user: str
    draft: bool
    head_ref: str
    head_sha: str
    base_ref: str
    requested_reviewers: list[str]
    merged: bool
