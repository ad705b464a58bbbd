"""What other apps report on a commit, read through the checks, statuses and Actions APIs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from githubkit import GitHub

ACTIONS_APP = "github-actions"  # its check runs are its jobs: a run's id is the job's id


@dataclass(frozen=True)
class Check:
    """One check run on a commit, with what its app wrote for people to read."""

    id: int
    name: str
    app: str  # the app's slug
    status: str
    conclusion: str | None
    title: str = ""
    summary: str = ""
    text: str = ""


@dataclass(frozen=True)
class Status:
    """A commit status (an external CI's context)."""

    context: str
    state: str  # error | failure | pending | success
    description: str = ""


@dataclass(frozen=True)
class Annotation:
    """One line a check run pointed at."""

    path: str
    line: int
    level: str
    message: str
    title: str = ""


class ChecksReader:
    """Reads a repository's checks and statuses through an installation client."""

    def __init__(self, gh: GitHub[Any], owner: str, repo: str) -> None:
        self.gh = gh
        self.owner = owner
        self.repo = repo

    def checks(self, sha: str) -> list[Check]:
        """The newest check run of each name on `sha` (GitHub's default filter)."""
        answer = self.gh.rest.checks.list_for_ref(self.owner, self.repo, sha, per_page=100)
        return [_check(run) for run in answer.parsed_data.check_runs]

    def statuses(self, sha: str) -> list[Status]:
        """The newest status of each context on `sha`."""
        answer = self.gh.rest.repos.get_combined_status_for_ref(self.owner, self.repo, sha,
                                                                per_page=100)
        return [Status(s.context, s.state, s.description or "")
                for s in answer.parsed_data.statuses]

    def annotations(self, check_id: int) -> list[Annotation]:
        # githubkit's paginate does not carry the item type through.
        found: Iterable[Any] = self.gh.rest.paginate(
            self.gh.rest.checks.list_annotations, owner=self.owner, repo=self.repo,
            check_run_id=check_id, per_page=50)
        return [Annotation(a.path, a.start_line, a.annotation_level or "", a.message or "",
                           a.title or "") for a in found]

    def job_log(self, job_id: int) -> str:
        """An Actions job's log: GitHub answers with a redirect to a short-lived plain-text
        link, which the client follows."""
        answer = self.gh.rest.actions.download_job_logs_for_workflow_run(
            self.owner, self.repo, job_id)
        return answer.content.decode("utf-8", "replace")


def _check(run: Any) -> Check:
    output = run.output
    return Check(run.id, run.name, run.app.slug if run.app and run.app.slug else "",
                 run.status, run.conclusion, output.title or "", output.summary or "",
                 output.text or "")
