"""GitHubEmulator: set up accounts, apps and repositories, act as users, inspect the state."""

from __future__ import annotations

import copy
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from emulators.github import shapes
from emulators.github.ci import ACTIONS, report_check, report_status
from emulators.github.cirecords import CheckReport
from emulators.github.endpoints import ROUTES
from emulators.github.faults import Faults
from emulators.github.gitstore import Commit
from emulators.github.limits import ContentLimits
from emulators.github.operations import (
    add_comment,
    add_labels,
    add_review_comment,
    commit_files,
    follow_branch,
    new_issue,
    resolve,
)
from emulators.github.ratelimit import LIMIT, Bucket, Quota
from emulators.github.records import (
    CheckRun,
    Delivery,
    EmulatedApp,
    Installation,
    Issue,
    PullData,
    PullView,
    RecordedRequest,
    Repo,
    Review,
    ReviewComment,
)
from emulators.github.registration import register_app
from emulators.github.routing import Router
from emulators.github.seedfile import SUBMODULE, SeedFile
from emulators.github.server import ApiServer
from emulators.github.state import GitHubState
from emulators.github.treelimits import TreeLimits
from emulators.github.webhooks import Outgoing, WebhookSender
from emulators.serving import serving

ROLES = ("admin", "maintain", "write", "triage", "read")
Files = Mapping[str, SeedFile | str | bytes]


class GitHubEmulator:
    """A stateful stand-in for GitHub's REST API that also sends GitHub's signed webhooks and
    serves its repositories to git over HTTP. Each repository is a bare git repository in a
    temporary directory, removed by ``close()`` (or when the emulator is collected)."""

    def __init__(
        self,
        token_lifetime: float = 3600.0,
        *,
        rate_limit: int = LIMIT,
        tree_limit: int = TreeLimits.entries,
    ) -> None:
        self.state = GitHubState(token_lifetime=token_lifetime)
        self._closer = weakref.finalize(self, self.state.close)
        self.state.rate_limits.limit = rate_limit
        self.state.tree_limits.entries = tree_limit
        self.webhooks = WebhookSender(self.state)
        self.faults = Faults()
        self.server = ApiServer(self.state, Router(ROUTES), self.webhooks, self.faults)

    def close(self) -> None:
        """Stop the repositories' git processes and remove them from disk."""
        self._closer()

    def __enter__(self) -> GitHubEmulator:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # --- serving -----------------------------------------------------------

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[str]:
        """Run the API on 127.0.0.1 in a background thread; yields its base URL."""
        self.webhooks.start()
        try:
            with serving(self.server.asgi(), port=port, grace_seconds=10) as url:
                self.state.base_url = url
                yield url
        finally:
            self.webhooks.stop()

    def clone_url(self, owner: str, name: str) -> str:
        """Where git clones, fetches and pushes the repository (with an installation token)."""
        with self.state.lock:
            repo = self.state.repo(owner, name)
            return f"{self.state.base_url}/{repo.owner}/{repo.name}.git"

    @property
    def content_limits(self) -> ContentLimits:
        """GitHub's limits on file contents and blobs (1 MB inline, 100 MB at most); settable."""
        return self.state.content_limits

    @property
    def tree_limits(self) -> TreeLimits:
        """GitHub's limits on a recursive tree (100,000 entries, 7 MB); settable."""
        return self.state.tree_limits

    @property
    def token_lifetime(self) -> float:
        return self.state.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: float) -> None:
        self.state.token_lifetime = seconds

    # --- set-up ------------------------------------------------------------

    def create_app(
        self, slug: str = "kiln", webhook_secret: str = "secret", webhook_url: str | None = None,
        permissions: dict[str, str] | None = None,
    ) -> EmulatedApp:
        """A GitHub App; ``permissions`` default to what Kiln's App asks for."""
        return register_app(self.state, slug, webhook_secret, webhook_url, permissions)

    def sign_in(self, login: str) -> None:
        """Whose browser session GitHub's web pages (the App-manifest flow) act for."""
        with self.state.lock:
            self.state.ensure_account(login)
            self.state.web_user = login

    def set_webhook_url(self, url: str | None, app: EmulatedApp | None = None) -> None:
        with self.state.lock:
            for each in [app] if app else list(self.state.apps.values()):
                each.webhook_url = url

    def add_user(self, login: str, type: str = "User") -> None:
        with self.state.lock:
            self.state.ensure_account(login, type)

    def add_org(self, login: str) -> None:
        self.add_user(login, "Organization")

    def create_repo(
        self,
        owner: str,
        name: str,
        files: Files | None = None,
        default_branch: str = "main",
        private: bool = False,
    ) -> None:
        """A repository, with one initial commit of ``files`` if given: text or bytes for a
        regular file, or a SeedFile for another mode (executable, symlink, submodule)."""
        with self.state.lock:
            self.state.ensure_account(owner)
            repo = self.state.add_repo(owner, name, private, default_branch)
            if files:
                commit_files(self.state, repo, default_branch, files, "Initial commit", owner)

    def set_permission(self, owner: str, name: str, login: str, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        with self.state.lock:
            self.state.ensure_account(login)
            self.state.repo(owner, name).permissions[login] = role

    def install(self, app: EmulatedApp, account: str, repositories: list[str] | None = None) -> int:
        with self.state.lock:
            self.state.ensure_account(account)
            installation = Installation(
                self.state.next_id(),
                app.id,
                account,
                None if repositories is None else list(repositories),
                self.state.now(),
            )
            self.state.installations[installation.id] = installation
            return installation.id

    def push(
        self,
        owner: str,
        name: str,
        branch: str,
        files: Mapping[str, SeedFile | str | bytes | None],
        message: str = "Update files",
        author: str | None = None,
    ) -> str:
        """A user's commit on a branch (a path set to None is removed); open pull requests
        from the branch get ``synchronize``."""
        user = author or owner
        with self.state.lock:
            repo = self.state.repo(owner, name)
            sha = commit_files(self.state, repo, branch, files, message, user)
            outgoing = []
            for issue, before in follow_branch(repo, f"refs/heads/{branch}", sha):
                fields = shapes.synchronize_fields(self.state, repo, issue, before)
                outgoing += self.webhooks.build(repo, "pull_request", "synchronize", user, fields)
        self._deliver(outgoing)
        return sha

    # --- acting as a user (state change plus the webhooks GitHub sends) ----

    def _deliver(self, outgoing: list[Outgoing]) -> None:
        for item in outgoing:
            self.webhooks.send(item)

    def open_issue(self, owner: str, name: str, title: str, body: str | None, user: str) -> int:
        with self.state.lock:
            repo = self.state.repo(owner, name)
            self.state.ensure_account(user)
            issue = new_issue(self.state, repo, title, body, user)
            fields = shapes.subject_fields(self.state, repo, issue)
            outgoing = self.webhooks.build(repo, "issues", "opened", user, fields)
        self._deliver(outgoing)
        return issue.number

    def edit_issue(self, owner: str, name: str, number: int, user: str, body: str) -> None:
        """A user edits an issue's body (anyone may, on their own issue)."""
        with self.state.lock:
            repo = self.state.repo(owner, name)
            issue = self.state.issue(repo, number)
            self.state.ensure_actor(user)
            changes = {"body": {"from": issue.body}}
            issue.body = body
            fields = {**shapes.subject_fields(self.state, repo, issue), "changes": changes}
            outgoing = self.webhooks.build(repo, "issues", "edited", user, fields)
        self._deliver(outgoing)

    def label_issue(self, owner: str, name: str, number: int, label: str, user: str) -> None:
        with self.state.lock:
            repo = self.state.repo(owner, name)
            issue = self.state.issue(repo, number)
            self.state.ensure_actor(user)
            outgoing = []
            for added in add_labels(self.state, repo, issue, [label]):
                fields = shapes.subject_fields(self.state, repo, issue)
                fields["label"] = shapes.label(self.state, repo, added)
                event = "pull_request" if issue.pull else "issues"
                outgoing += self.webhooks.build(repo, event, "labeled", user, fields)
        self._deliver(outgoing)

    def comment(self, owner: str, name: str, number: int, body: str, user: str) -> int:
        with self.state.lock:
            repo = self.state.repo(owner, name)
            issue = self.state.issue(repo, number)
            self.state.ensure_account(user)
            comment = add_comment(self.state, issue, user, body)
            fields = shapes.comment_fields(self.state, repo, issue, comment)
            outgoing = self.webhooks.build(repo, "issue_comment", "created", user, fields)
        self._deliver(outgoing)
        return comment.id

    def submit_review(
        self,
        owner: str,
        name: str,
        pull_number: int,
        user: str,
        state: str = "CHANGES_REQUESTED",
        body: str = "",
        comments: list[dict[str, Any]] | None = None,
    ) -> int:
        with self.state.lock:
            repo = self.state.repo(owner, name)
            issue, pull = self.state.pull(repo, pull_number)
            self.state.ensure_account(user)
            now = self.state.now()
            review = Review(self.state.next_id(), user, body, state, pull.head_sha, now)
            pull.reviews.append(review)
            outgoing = []
            for line in comments or []:
                outgoing += self._line_comment(repo, issue, pull, review, line)
            # webhooks spell the review state in lower case, the REST API in upper case
            fields = {
                "review": shapes.review(self.state, repo, issue, review) | {"state": state.lower()},
                "pull_request": shapes.pull(self.state, repo, issue, full=False),
            }
            outgoing += self.webhooks.build(repo, "pull_request_review", "submitted", user, fields)
        self._deliver(outgoing)
        return review.id

    def _line_comment(
        self, repo: Repo, issue: Issue, pull: PullData, review: Review, line: dict[str, Any]
    ) -> list[Outgoing]:
        made = add_review_comment(
            self.state, pull, review.user, line["body"], path=line["path"],
            line=line.get("line"), commit_id=review.commit_id, review_id=review.id,
        )  # fmt: skip
        fields = shapes.review_comment_fields(self.state, repo, issue, made)
        return self.webhooks.build(
            repo, "pull_request_review_comment", "created", review.user, fields
        )

    # --- other apps' CI (GitHub Actions above all) -------------------------

    def report_check(
        self,
        owner: str,
        name: str,
        sha: str,
        check: str,
        conclusion: str | None,
        *,
        output: dict[str, Any] | None = None,
        annotations: list[dict[str, Any]] | None = None,
        log: str | None = None,
        app: str = ACTIONS,
        workflow: str = "CI",
        status: str = "completed",
    ) -> int:
        """Another app (GitHub Actions unless ``app`` names another) reports a check run on
        ``sha``, with its output, annotations and (Actions) job log; GitHub's ``check_run``
        webhook follows, then ``check_suite`` and ``workflow_run`` once the app's suite on the
        commit has ended. Returns the run's id (for Actions, also its job's id)."""
        report = CheckReport(check, conclusion, status, output, annotations, log, workflow)
        with self.state.lock:
            repo = self.state.repo(owner, name)
            run_id, outgoing = report_check(self.state, self.webhooks, repo, sha, report, app)
        self._deliver(outgoing)
        return run_id

    def set_status(
        self, owner: str, name: str, sha: str, context: str, state: str,
        description: str | None = None, creator: str = "ci-bot",
    ) -> None:
        """An external CI's commit status on ``sha`` (error, failure, pending or success);
        GitHub's ``status`` webhook follows, whatever the state."""
        with self.state.lock:
            repo = self.state.repo(owner, name)
            _, outgoing = report_status(self.state, self.webhooks, repo, sha, context, state,
                                        description, creator)
        self._deliver(outgoing)

    @property
    def deliveries(self) -> list[Delivery]:
        with self.state.lock:
            return copy.deepcopy(self.state.deliveries)

    def redeliver(self, delivery_id: str) -> Delivery:
        return self.webhooks.redeliver(delivery_id)

    def wait_for_deliveries(self) -> None:
        self.webhooks.wait()

    # --- inspection (read-only copies) --------------------------------------

    def _copy(self, value: Any) -> Any:
        with self.state.lock:
            return copy.deepcopy(value)

    def issue(self, owner: str, name: str, number: int) -> Issue:
        with self.state.lock:
            return self._copy(self.state.issue(self.state.repo(owner, name), number))

    def pull(self, owner: str, name: str, number: int) -> PullView:
        with self.state.lock:
            return _pull_view(*self.state.pull(self.state.repo(owner, name), number))

    def pulls(self, owner: str, name: str) -> list[PullView]:
        with self.state.lock:
            repo = self.state.repo(owner, name)
            return [_pull_view(i, i.pull) for i in repo.issues.values() if i.pull is not None]

    def branches(self, owner: str, name: str) -> dict[str, str]:
        with self.state.lock:
            refs = self.state.repo(owner, name).refs
            return {
                r.removeprefix("refs/heads/"): sha
                for r, sha in refs.items()
                if r.startswith("refs/heads/")
            }

    def files(self, owner: str, name: str, ref: str) -> dict[str, bytes]:
        with self.state.lock:
            repo = self.state.repo(owner, name)
            return repo.git.files(repo.git.commit(_resolved(repo, ref)).tree)

    def entries(self, owner: str, name: str, ref: str) -> dict[str, SeedFile]:
        """Each file of a commit with its mode: symlinks and submodules included."""
        with self.state.lock:
            repo = self.state.repo(owner, name)
            tree = repo.git.commit(_resolved(repo, ref)).tree
            return {
                path: SeedFile(
                    e.sha.encode() if e.mode == SUBMODULE else repo.git.blob(e.sha), e.mode
                )
                for path, e in repo.git.walk(tree)
                if e.type != "tree"
            }

    def commits(self, owner: str, name: str, ref: str) -> list[Commit]:
        with self.state.lock:
            repo = self.state.repo(owner, name)
            return repo.git.history(_resolved(repo, ref))

    def check_runs(self, owner: str, name: str) -> list[CheckRun]:
        with self.state.lock:
            return self._copy(self.state.repo(owner, name).check_runs)

    def review_comments(self, owner: str, name: str, pull: int) -> list[ReviewComment]:
        with self.state.lock:
            _, data = self.state.pull(self.state.repo(owner, name), pull)
            return self._copy(data.review_comments)

    def repo_exists(self, owner: str, name: str) -> bool:
        with self.state.lock:
            return (owner.lower(), name.lower()) in self.state.repos

    def git_object(self, owner: str, name: str, sha: str) -> tuple[str, bytes]:
        """An object in git's own encoding (type, body), to check ids with real git."""
        with self.state.lock:
            return self.state.repo(owner, name).git.read(sha)

    def git_dir(self, owner: str, name: str) -> str:
        """The bare repository on disk, to inspect it with git itself."""
        with self.state.lock:
            return str(self.state.repo(owner, name).git.path)

    @property
    def requests(self) -> list[RecordedRequest]:
        """REST (and GraphQL) calls, the ones GitHub counts against the rate limit."""
        return self._copy(self.state.requests)

    @property
    def git_requests(self) -> list[RecordedRequest]:
        """Git's own requests over HTTP (info/refs, upload-pack, receive-pack)."""
        return self._copy(self.state.git_requests)

    @property
    def unexpected(self) -> list[RecordedRequest]:
        return self._copy(self.state.unexpected)

    def fail_next(
        self,
        method: str,
        path_regex: str,
        kind: str = "502",
        times: int = 1,
        retry_after: int = 1,
    ) -> None:
        """The next ``times`` matching REST requests fail: ``502``, ``secondary_rate_limit``
        (403) or ``secondary_rate_limit_429`` (these two with ``retry-after``), or
        ``502_after_success`` (carried out, then answered 502)."""
        with self.state.lock:
            self.faults.arm(method, path_regex, kind, times, retry_after)

    # --- rate limits ----------------------------------------------------------

    def set_rate_limit(self, limit: int, installation_id: int | None = None) -> None:
        """Requests an hour for one installation, or the default for all (5,000)."""
        with self.state.lock:
            if installation_id is None:
                self.state.rate_limits.limit = limit
            else:
                self.state.rate_limits.limits[installation_id] = limit

    def rate_limit(self, installation_id: int, resource: str = "core") -> Quota:
        """An installation's current window: limit, used, remaining and reset (epoch seconds)."""
        bucket = Bucket("installation", str(installation_id), resource)
        with self.state.lock:
            quota = self.state.rate_limits.quota(bucket, self.state.clock(), start=False)
            return copy.copy(quota)

    def advance_rate_limit_clock(self, seconds: float) -> None:
        """Let time pass for the rate limits only (windows reset after an hour)."""
        with self.state.lock:
            self.state.rate_limits.offset += seconds

    def exhaust_rate_limit(
        self, installation_id: int, reset_in: float = 3600.0, resource: str = "core"
    ) -> None:
        """Use an installation's quota up: GitHub answers 403 until ``reset_in`` seconds pass."""
        bucket = Bucket("installation", str(installation_id), resource)
        with self.state.lock:
            self.state.rate_limits.exhaust(bucket, self.state.clock(), reset_in)


def _resolved(repo: Repo, ref: str) -> str:
    sha = resolve(repo, ref)
    if sha is None:
        raise KeyError(f"{repo.full_name} has no ref {ref}")
    return sha


def _pull_view(issue: Issue, pull: PullData) -> PullView:
    return PullView(
        issue.number,
        issue.title,
        issue.body,
        issue.state,
        issue.user,
        pull.draft,
        pull.head_ref,
        pull.head_sha,
        pull.base_ref,
        list(pull.requested_reviewers),
        pull.merged,
    )
