"""A build: from a labelled issue to a pull request (or a new repository), reported on the issue."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from kiln.states import BuildState
from worker import messages
from worker.briefing import build_request
from worker.builder import BuildResult, Step, StepKind, run_build
from worker.progress import Report
from worker.publisher import (
    Publication,
    Publisher,
    PullRequestDraft,
    branch_for,
    create_org_repository,
    publish_new_repository,
    split_workflow_changes,
)
from worker.repo_config import CONFIG_PATH, Mode, RepoConfig, RepoConfigError, parse_repo_config
from worker.reporting import check_result, final_report, plan_lines, pull_body
from worker.repository import Repository, Snapshot
from worker.session import JobSession

OpenSandbox = Callable[[RepoConfig], Callable[[str], AbstractContextManager[Any]]]
"""Given the repository's config, the builder's `language -> sandbox` opener."""


# The builder logs an accepted plan as "plan: <goal>" with its steps, one a line, as detail.
ACCEPTED_PLAN_PREFIX = "plan: "
# ...and a test run as "iteration <n>: tests <summary>".
TEST_SUMMARY_SEPARATOR = ": tests "


class StepReporter:
    """Feeds the builder's steps to the build log and, throttled, to the progress comment."""

    def __init__(self, session: JobSession) -> None:
        self._session = session

    def __call__(self, step: Step) -> None:
        # Iteration 0 is the set-up before the first model turn (plan, install).
        self._session.log(step.message, step.iteration or None)
        if step.kind is StepKind.PLAN and step.message.startswith(ACCEPTED_PLAN_PREFIX):
            goal = step.message.removeprefix(ACCEPTED_PLAN_PREFIX)
            self._session.show(state=BuildState.BUILDING,
                               plan=(f"**Goal:** {goal}", *step.detail.splitlines()))
        elif step.kind is StepKind.TEST:
            summary = step.message.partition(TEST_SUMMARY_SEPARATOR)[2] or step.message
            self._session.show(state=BuildState.BUILDING, iteration=step.iteration,
                               tests=summary, urgent=False)
        elif step.iteration != self._session.progress.iteration:
            self._session.show(state=BuildState.BUILDING, iteration=step.iteration,
                               urgent=False)


def read_config(session: JobSession, base: Snapshot) -> RepoConfig | None:
    """The repository's config; None (after saying why on the thread) when it is invalid."""
    raw = base.files.get(CONFIG_PATH)
    try:
        return parse_repo_config(raw.decode() if raw is not None else None)
    except (RepoConfigError, UnicodeDecodeError) as exc:
        marker = messages.INVALID_CONFIG_MARKER
        session.conversation.post_once(
            marker, messages.INVALID_CONFIG.format(marker=marker, error=exc))
        session.conclude(BuildState.FAILED, Report(
            tests="", iterations=0, tokens=0, cost_usd=0.0,
            reason=f"`{CONFIG_PATH}` is invalid (see the comment below)",
            next_step=messages.RETRY_HINT), None)
        return None


class IssueBuild:
    """Runs one build job for an issue."""

    def __init__(self, session: JobSession, open_llm: Callable[[], Any],
                 open_sandbox: OpenSandbox) -> None:
        self.session = session
        self.gh = session.conversation.gh
        self.open_llm = open_llm  # made after the acknowledgement, which must come first
        self.open_sandbox = open_sandbox
        target = session.target
        self.repository = Repository(self.gh, target.owner, target.repo)

    def run(self) -> None:
        t = self.session.target
        issue = self.gh.rest.issues.get(t.owner, t.repo, t.number).parsed_data
        if not self.session.open(issue.title):
            return
        try:
            self._build(issue.title, issue.body or "")
        finally:
            self.session.close()

    def _build(self, title: str, body: str) -> None:
        default_branch = self.repository.default_branch()
        head = self.repository.branch_head(default_branch)
        base = self.repository.snapshot(head) if head else Snapshot("", "", {})
        config = read_config(self.session, base)
        if config is None:
            return
        self.session.show(state=BuildState.PLANNING)
        files = {} if config.mode is Mode.NEW_REPOSITORY else base.files
        settings = self.session.runtime.settings
        request = build_request(settings, config, title, body, files)
        result = run_build(request, llm=self.open_llm(), open_sandbox=self.open_sandbox(config),
                           on_step=StepReporter(self.session))
        self.session.show(state=BuildState.PUBLISHING, plan=plan_lines(result.plan))
        self._publish(result, config, base, default_branch, title)

    def _publish(self, result: BuildResult, config: RepoConfig, base: Snapshot,
                 default_branch: str, title: str) -> None:
        changes, refused = split_workflow_changes(result.changes,
                                                  config.allow_workflow_changes)
        publication = self._publication(result, config, base, default_branch, title,
                                        changes, refused)
        state = BuildState.DONE if result.passed else BuildState.FAILED
        next_step = "" if result.passed else self._next_step(publication)
        self.session.conclude(state, final_report(result, publication, next_step, refused),
                              publication.url if publication else None)

    def _publication(self, result: BuildResult, config: RepoConfig, base: Snapshot,
                     default_branch: str, title: str, changes: dict[str, bytes | None],
                     refused: list[str]) -> Publication | None:
        t = self.session.target
        message = messages.COMMIT_MESSAGE.format(title=title, repo=f"{t.owner}/{t.repo}",
                                                 number=t.number)
        if config.mode is Mode.NEW_REPOSITORY:
            if not result.passed:
                return None  # a half-made project is no reason to create a repository
            return self._new_repository(result, config, title, message, refused)
        if not changes or (not result.passed and not config.draft_on_failure):
            return self._branch_only(base, changes, message) if changes else None
        draft = PullRequestDraft(
            branch=branch_for(t.number),
            title=messages.PULL_TITLE.format(title=title, number=t.number),
            body=pull_body(result, t.number, t.sender, refused),
            commit_message=message, reviewer=t.sender, draft=not result.passed)
        return Publisher(self.repository).pull_request(
            base, default_branch, draft, changes, check_result(result))

    def _branch_only(self, base: Snapshot, changes: dict[str, bytes | None],
                     message: str) -> Publication:
        branch = branch_for(self.session.target.number)
        _, new_commit = Publisher(self.repository).push(base, branch, changes, message)
        url = f"{self.repository.html_url()}/tree/{branch}"
        return Publication(url, f"branch {branch}", branch, new_commit)

    def _new_repository(self, result: BuildResult, config: RepoConfig, title: str,
                        message: str, refused: list[str]) -> Publication:
        assert config.new_repository is not None
        rule = config.new_repository
        name = rule.repo_name(title, self.session.target.number)
        repository = create_org_repository(self.gh, rule.org, name, title, rule.private)
        files = {path: content for path, content in result.files.items() if path not in refused}
        return publish_new_repository(repository, files, message)

    def _next_step(self, publication: Publication | None) -> str:
        if publication is None:
            return messages.RETRY_HINT
        return messages.NEXT_STEP_FAILED.format(branch=publication.branch)
