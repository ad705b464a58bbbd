"""A revision: review feedback on a Kiln pull request becomes one new commit and thread replies."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from githubkit import GitHub

from kiln.settings import Settings
from kiln.states import BuildState
from sandbox.config import SandboxConfig
from worker.builder import BuildResult, Feedback, run_build
from worker.builder.changeset import left_out_note
from worker.builder.protected import Protection, split_protected
from worker.flows.admission import admitted
from worker.flows.briefing import build_request
from worker.flows.ci_followup import CiWatch, ci_feedback
from worker.flows.issue_build import OpenSandbox, lock_ttl, with_submodules
from worker.flows.preflight import read_config
from worker.flows.repo_config import CONFIG_PATH, RepoConfig
from worker.github.branches import issue_of
from worker.github.checks import ChecksReader
from worker.github.limits import fit_body
from worker.github.publisher import Publisher
from worker.github.repository import Repository, Snapshot
from worker.thread import messages
from worker.thread.diff import unified_diff
from worker.thread.reporter import StepReporter
from worker.thread.reporting import check_result, final_report, plan_lines, summarize_tests
from worker.thread.session import JobSession


def collect_feedback(gh: GitHub[Any], owner: str, repo: str, pull_number: int,
                     review_id: int | None, comment_id: int | None,
                     bot_login: str) -> tuple[Feedback, ...]:
    """The review's body and line comments, or the one conversation comment, as instructions."""
    if review_id is None:
        if comment_id is None:
            return ()
        asked = gh.rest.issues.get_comment(owner, repo, comment_id).parsed_data
        return (Feedback(body=asked.body or ""),)
    review = gh.rest.pulls.get_review(owner, repo, pull_number, review_id).parsed_data
    found = [Feedback(body=review.body)] if (review.body or "").strip() else []
    # githubkit's paginate does not carry the item type through.
    comments: Iterable[Any] = gh.rest.paginate(
        gh.rest.pulls.list_comments_for_review, owner=owner, repo=repo, pull_number=pull_number,
        review_id=review_id, per_page=100)
    for comment in comments:
        if comment.user and comment.user.login == bot_login:
            continue
        line = comment.line if comment.line is not None else comment.original_line
        found.append(Feedback(body=comment.body, path=comment.path, line=line,
                              comment_id=comment.id))
    return tuple(found)


class PullRevision:
    """Runs one revise job for a Kiln pull request."""

    def __init__(self, session: JobSession, gh: GitHub[Any], settings: Settings,
                 open_llm: Callable[[], Any], open_sandbox: OpenSandbox,
                 review_id: int | None, comment_id: int | None,
                 ci_head: str | None = None, watch: CiWatch | None = None) -> None:
        self.session = session
        self.ci_head = ci_head  # a CI revision: the head whose failed checks are the feedback
        self.watch = watch  # follows the repository's CI on what this revision pushes
        self.gh = gh
        self.settings = settings
        self.open_llm = open_llm  # made after the acknowledgement, which must come first
        self.open_sandbox = open_sandbox
        self.review_id = review_id
        self.comment_id = comment_id
        self.repository = Repository(gh, session.target.owner, session.target.repo)

    def run(self) -> None:
        t = self.session.target
        pull = self.gh.rest.pulls.get(t.owner, t.repo, t.number).parsed_data
        try:
            self._run_on(pull)
        finally:
            if self.ci_head is not None and self.watch is not None:
                self.watch.abandoned(pull.head.ref, self.ci_head)

    def _run_on(self, pull: Any) -> None:
        t = self.session.target
        if pull.user.login != self.settings.bot_login or pull.state != "open":
            return  # only Kiln's own open pull requests are revised
        if self.ci_head is not None and pull.head.sha != self.ci_head:
            return  # someone pushed since CI failed: the branch is theirs now
        if not admitted(self.gh, self.session.conversation, t.sender,
                        self.settings.trigger_label):
            return
        if not self.session.open(pull.title, lock_ttl(self.settings)):
            return
        try:
            self._revise(pull)
        finally:
            self.session.close()

    def _revise(self, pull: Any) -> None:
        config = self._config()
        if config is None:
            return
        # The pull request's head, checked out on the worker's disk until it is published.
        with tempfile.TemporaryDirectory(prefix="kiln-checkout-") as directory:
            self._revise_on(pull, config, self.repository.snapshot(pull.head.sha, Path(directory)))

    def _revise_on(self, pull: Any, config: RepoConfig, base: Snapshot) -> None:
        t = self.session.target
        feedback = (ci_feedback(ChecksReader(self.gh, t.owner, t.repo), self.ci_head,
                                self.settings.github_app_slug) if self.ci_head is not None
                    else collect_feedback(self.gh, t.owner, t.repo, t.number, self.review_id,
                                          self.comment_id, self.settings.bot_login))
        self.session.show(state=BuildState.PLANNING)
        title, body = self._request_text(pull)
        request = with_submodules(dataclasses.replace(
            build_request(self.settings, config, title, body, base.files, feedback),
            protection=config.protection()), base.submodules)
        result = run_build(request, llm=self.open_llm(), open_sandbox=self.open_sandbox(config),
                           on_step=StepReporter(self.session))
        self.session.show(state=BuildState.PUBLISHING, plan=plan_lines(result.plan))
        if not result.passed:
            note = messages.REVISION_FAILED.format(reason=result.stop_reason)
            self.session.conclude(BuildState.FAILED, final_report(result, None, note), None)
            return
        changes, held_back = split_protected(result.changes, config.protection())
        head = self._push(base, pull.head.ref, changes, result, config.protection())
        if self.watch is not None:
            self.watch.published(pull.number, pull.head.ref, head, t.number, t.sender,
                                 config.ci_rounds, continuing=self.ci_head is not None)
        self.session.published(unified_diff(base.files, changes))
        self._reply_on_threads(feedback, result, head)
        self._summarize(result, head)
        self.session.conclude(BuildState.DONE, final_report(result, None, held_back=held_back),
                              pull.html_url)

    def _config(self) -> RepoConfig | None:
        """The config on the default branch's head. Never the pull request's: its branch is
        the model's work, and a config there could raise budgets or change the commands."""
        default_branch = self.repository.default_branch()
        head = self.repository.branch_head(default_branch)
        raw = self.repository.file(head, CONFIG_PATH) if head else None
        return read_config(self.session, {} if raw is None else {CONFIG_PATH: raw},
                           SandboxConfig.from_settings(self.settings).allowlist)

    def _request_text(self, pull: Any) -> tuple[str, str]:
        """The original issue's text when the branch names one, else the pull request's."""
        number = issue_of(pull.head.ref)
        if number is None:
            return pull.title, pull.body or ""
        t = self.session.target
        issue = self.gh.rest.issues.get(t.owner, t.repo, number).parsed_data
        return issue.title, issue.body or ""

    def _push(self, base: Snapshot, branch: str, changes: dict[str, bytes | None],
              result: BuildResult, protection: Protection) -> str:
        t = self.session.target
        message = messages.REVISION_COMMIT_MESSAGE.format(repo=t.full_name, number=t.number)
        publisher = Publisher(self.repository, protection)
        head, new_commit = publisher.push(base, branch, changes, message, result.modes)
        if new_commit is not None:
            publisher.check_run(head, check_result(result))
        return head

    def _reply_on_threads(self, feedback: tuple[Feedback, ...], result: BuildResult,
                          head: str) -> None:
        t = self.session.target
        answered = self._already_answered()
        for item in feedback:
            if item.comment_id is None or item.comment_id in answered:
                continue
            marker = messages.THREAD_REPLY_MARKER.format(comment_id=item.comment_id)
            reply = result.replies.get(item.comment_id) or f"Changed in {head[:7]}."
            self.gh.rest.pulls.create_reply_for_review_comment(
                t.owner, t.repo, t.number, item.comment_id,
                body=fit_body(messages.THREAD_REPLY.format(marker=marker, reply=reply)))

    def _already_answered(self) -> set[int]:
        """Review comments Kiln already replied to (a retried job must not reply twice)."""
        t = self.session.target
        bot = self.settings.bot_login
        comments: Iterable[Any] = self.gh.rest.paginate(
            self.gh.rest.pulls.list_review_comments, owner=t.owner, repo=t.repo,
            pull_number=t.number, per_page=100)
        return {c.in_reply_to_id for c in comments
                if c.user and c.user.login == bot and c.in_reply_to_id is not None}

    def _summarize(self, result: BuildResult, head: str) -> None:
        marker = messages.REVISION_SUMMARY_MARKER.format(commit=head)
        self.session.conversation.post_once(marker, messages.REVISION_SUMMARY.format(
            marker=marker, commit=head[:7],
            summary=(result.summary or "addressed the review.") + left_out_note(result.left_out),
            tests=summarize_tests(result), iterations=result.iterations, cost=result.cost_usd))
