"""A build: from a labelled issue to a pull request (or a new repository), reported on the issue."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from githubkit import GitHub

from kiln.jobs import text_digest
from kiln.settings import Settings
from kiln.states import BuildState
from sandbox.config import SandboxConfig
from worker.builder import BuildRequest, BuildResult, run_build
from worker.builder.changeset import left_out_note
from worker.builder.gittree import Entry, submodule_note
from worker.builder.protected import Protection, split_protected
from worker.flows.admission import admitted
from worker.flows.briefing import build_request
from worker.flows.ci_followup import CiWatch
from worker.flows.continuation import (
    NOTHING_TO_CONTINUE,
    NOTHING_TO_CONTINUE_NEXT,
    Continuation,
    allowed_continuations,
)
from worker.flows.preflight import read_config
from worker.flows.publication import Destination, destination, next_step
from worker.flows.repo_config import Mode, RepoConfig
from worker.github.branches import branch_for
from worker.github.provenance import RepositoryTaken, creation_mark
from worker.github.publisher import (
    Publication,
    Publisher,
    PullRequestDraft,
    create_org_repository,
    publish_new_repository,
)
from worker.github.repository import Repository, Snapshot
from worker.thread import messages
from worker.thread.diff import unified_diff
from worker.thread.progress import Report
from worker.thread.reporter import StepReporter
from worker.thread.reporting import check_result, final_report, plan_lines, pull_body
from worker.thread.session import JobSession

OpenSandbox = Callable[[RepoConfig], Callable[[str], AbstractContextManager[Any]]]
"""Given the repository's config, the builder's `language -> sandbox` opener."""

LOCK_MARGIN_SECONDS = 300


def lock_ttl(settings: Settings) -> int:
    """How long a job's lock lasts: past the job's own timeout, so that only a dead worker's
    lock ever expires by itself."""
    return settings.job_timeout_seconds + LOCK_MARGIN_SECONDS


def with_submodules(request: BuildRequest, submodules: Iterable[Entry]) -> BuildRequest:
    """The request with the submodules the sandbox lacks named in its instructions."""
    note = submodule_note(submodules)
    if not note:
        return request
    return dataclasses.replace(request, instructions="\n\n".join(
        filter(None, [request.instructions.strip(), note])))


def publication_files(result: BuildResult, protection: Protection) -> dict[str, bytes]:
    """A new repository's files: the build's whole tree, less its protected paths."""
    return split_protected(result.files, protection)[0]


class IssueBuild:
    """Runs one build job for an issue."""

    def __init__(self, session: JobSession, gh: GitHub[Any], settings: Settings,
                 open_llm: Callable[[], Any], open_sandbox: OpenSandbox,
                 issue_digest: str | None = None,
                 continuation: Continuation | None = None,
                 watch: CiWatch | None = None) -> None:
        self.session = session
        self.watch = watch  # follows the repository's CI on what the build publishes
        self.continuation = continuation or Continuation()  # the runs before and after (#15)
        self.issue_digest = issue_digest  # the text the trigger saw; None: build the current
        self.gh = gh
        self.settings = settings
        self.open_llm = open_llm  # made after the acknowledgement, which must come first
        self.open_sandbox = open_sandbox
        self.repository = Repository(gh, session.target.owner, session.target.repo)

    def run(self) -> None:
        t = self.session.target
        issue = self.gh.rest.issues.get(t.owner, t.repo, t.number).parsed_data
        if not admitted(self.gh, self.session.conversation, t.sender,
                        self.settings.trigger_label):
            return
        if not self.session.open(issue.title, lock_ttl(self.settings)):
            return
        try:
            if self._changed_since_trigger(issue.title, issue.body or ""):
                return
            self._build(issue.title, issue.body or "")
        finally:
            self.session.close()
        self.continuation.queue_next()  # once the lock is free, for the next run to take

    def _changed_since_trigger(self, title: str, body: str | None) -> bool:
        """Whether the issue's text is not what the trigger saw (then the build ends here)."""
        if self.issue_digest is None or text_digest(title, body) == self.issue_digest:
            return False
        self.session.conclude(BuildState.FAILED, Report(
            tests="", iterations=0, tokens=0, cost_usd=0.0,
            reason=messages.ISSUE_CHANGED, next_step=messages.ISSUE_CHANGED_NEXT.format(
                label=self.settings.trigger_label)), None)
        return True

    def _build(self, title: str, body: str) -> None:
        default_branch = self.repository.default_branch()
        head = start = self.repository.branch_head(default_branch)
        # --- #15: a continuation starts from its branch's head, and reads the config of the
        # default branch (never the branch's, as for revisions)
        if self.continuation.resuming:
            start = self.continuation.resume(self.gh, self.repository, self.session.target.number)
            if start is None:
                self._nothing_to_continue()
                return
        # ---
        # The checkout lives on the worker's disk until the build is published.
        with tempfile.TemporaryDirectory(prefix="kiln-checkout-") as directory:
            base = (self.repository.snapshot(start, Path(directory)) if start
                    else Snapshot("", "", {}))
            config_files = (self.continuation.config_files(self.repository, head)
                            if self.continuation.resuming else base.files)
            self._build_on(base, config_files, default_branch, title, body)

    def _nothing_to_continue(self) -> None:
        branch = branch_for(self.session.target.number)
        self.session.conclude(BuildState.FAILED, Report(
            tests="", iterations=0, tokens=0, cost_usd=0.0,
            reason=NOTHING_TO_CONTINUE.format(branch=branch),
            next_step=NOTHING_TO_CONTINUE_NEXT), None)

    def _build_on(self, base: Snapshot, config_files: Mapping[str, bytes], default_branch: str,
                  title: str, body: str) -> None:
        config = read_config(self.session, config_files,
                             SandboxConfig.from_settings(self.settings).allowlist)
        if config is None:
            return
        self.session.show(state=BuildState.PLANNING)
        new = config.mode is Mode.NEW_REPOSITORY
        request = with_submodules(dataclasses.replace(
            build_request(self.settings, config, title, body, {} if new else base.files),
            protection=config.protection(), carryover=self.continuation.before),
            () if new else base.submodules)
        result = run_build(request, llm=self.open_llm(), open_sandbox=self.open_sandbox(config),
                           on_step=StepReporter(self.session))
        self.session.show(state=BuildState.PUBLISHING,
                          plan=plan_lines(result.plan, result.checklist))
        self._publish(result, config, base, default_branch, title)

    def _publish(self, result: BuildResult, config: RepoConfig, base: Snapshot,
                 default_branch: str, title: str) -> None:
        protection = config.protection()
        changes, held_back = split_protected(result.changes, protection)
        where = destination(passed=result.passed, mode=config.mode, has_changes=bool(changes),
                            draft_on_failure=config.draft_on_failure)
        t = self.session.target
        message = messages.COMMIT_MESSAGE.format(title=title, repo=t.full_name, number=t.number)
        if where is not Destination.NEW_REPOSITORY:  # #15: the branch keeps the build's progress
            message = self.continuation.commit_message(message, result, t.number)
        publication = None
        if where is Destination.NEW_REPOSITORY:
            try:
                publication = self._new_repository(result, config, title, message)
            except RepositoryTaken as taken:
                self._refuse_repository(result, taken, held_back)
                return
            self.session.published(unified_diff({}, publication_files(result, protection)))
        elif where is Destination.BRANCH:
            publication = self._branch_only(base, changes, result.modes, message, protection)
        elif where is Destination.PULL_REQUEST:
            publication = self._pull_request(result, base, default_branch, title, message,
                                             changes, held_back, protection)
            self._follow_ci(result, publication, config)
        if where in (Destination.BRANCH, Destination.PULL_REQUEST):
            self.session.published(unified_diff(base.files, changes))
        state = BuildState.DONE if result.passed else BuildState.FAILED
        advice = next_step(result.passed, publication.branch if publication else None)
        if where in (Destination.BRANCH, Destination.PULL_REQUEST) and publication:  # #15
            advice = self.continuation.report(
                self.session.conversation, allowed_continuations(
                    config.continuations, self.settings.continuations_ceiling),
                publication.branch, publication.commit_sha, advice)
        self.session.conclude(state, final_report(result, publication, advice, held_back),
                              publication.url if publication else None)

    def _follow_ci(self, result: BuildResult, publication: Publication,
                   config: RepoConfig) -> None:
        """Follow the repository's CI on a passing build's new commit."""
        if (self.watch is None or not result.passed or publication.pull_number is None
                or publication.commit_sha is None):
            return
        t = self.session.target
        self.watch.published(publication.pull_number, publication.branch,
                             publication.commit_sha, t.number, t.sender, config.ci_rounds,
                             continuing=False)

    def _refuse_repository(self, result: BuildResult, taken: RepositoryTaken,
                           held_back: list[str]) -> None:
        """End a build whose new repository's name is someone else's repository."""
        report = final_report(result, None, messages.REPOSITORY_TAKEN_NEXT, held_back)
        self.session.conclude(BuildState.FAILED, dataclasses.replace(
            report, reason=messages.REPOSITORY_TAKEN.format(repo=taken.full_name)), None)

    def _pull_request(self, result: BuildResult, base: Snapshot, default_branch: str,
                      title: str, message: str, changes: dict[str, bytes | None],
                      held_back: list[str], protection: Protection) -> Publication:
        t = self.session.target
        draft = PullRequestDraft(
            branch=branch_for(t.number),
            title=messages.PULL_TITLE.format(title=title, number=t.number),
            body=pull_body(result, t.number, t.sender, held_back, base.files)
            + left_out_note(result.left_out),
            commit_message=message, reviewer=t.sender, draft=not result.passed)
        return Publisher(self.repository, protection).pull_request(
            base, default_branch, draft, changes, check_result(result), result.modes,
            still_ours=self.session.hold)  # a cancel meanwhile opens no pull request

    def _branch_only(self, base: Snapshot, changes: dict[str, bytes | None],
                     modes: dict[str, str], message: str, protection: Protection) -> Publication:
        branch = branch_for(self.session.target.number)
        _, new_commit = Publisher(self.repository, protection).push(base, branch, changes,
                                                                    message, modes)
        url = f"{self.repository.html_url()}/tree/{branch}"
        return Publication(url, f"branch {branch}", branch, new_commit)

    def _new_repository(self, result: BuildResult, config: RepoConfig, title: str,
                        message: str) -> Publication:
        assert config.new_repository is not None
        rule, t = config.new_repository, self.session.target
        name = rule.repo_name(title, t.number)
        repository = create_org_repository(self.gh, rule.org, name, title,
                                           creation_mark(t.full_name, t.number), rule.private)
        protection = config.protection()
        return publish_new_repository(repository, publication_files(result, protection), message,
                                      protection, result.modes)
