"""In-process flows: the emulator, the scripted model and fake sandboxes, wired as the worker
wires them, without RQ or Docker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis

from kiln.history import BuildHistory
from kiln.jobs import BuildJob, CommandJob, ReviseJob
from kiln.settings import Settings
from kiln.states import JobKind
from tests.worker.conftest import MAINTAINER, OWNER, REPO, GitHubWorld
from tests.worker.fake_box import FakeSandboxes
from worker.flows.commands import CommandRunner
from worker.flows.ending import JobEnding
from worker.flows.issue_build import IssueBuild
from worker.flows.revision import PullRevision
from worker.state.ledger import JobLedger
from worker.state.lock import IssueLock
from worker.state.records import Records
from worker.thread.conversation import Conversation
from worker.thread.progress import MARKER
from worker.thread.session import JobSession, Target


@dataclass
class Flows:
    """Runs Kiln's flows in this process against the emulator and a scripted model."""

    world: GitHubWorld
    gh: Any
    settings: Settings
    redis: redis.Redis
    records: Records
    sandboxes: FakeSandboxes
    serve_model: Callable[..., tuple[Any, Any]]
    stopped: list[str] = field(default_factory=list)
    requeued: list[tuple[BuildJob, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def emulator(self) -> Any:
        return self.world.emulator

    def build(self, number: int, turns: list[Any], job_id: str = "job-build",
              sender: str = MAINTAINER, issue_digest: str | None = None) -> Any:
        """Run a build of issue `number`; returns the scripted model."""
        job = BuildJob(self.world.installation_id, OWNER, REPO, number, sender, issue_digest)
        model, llm = self.serve_model(turns, self.settings)
        IssueBuild(self.session(job, job_id, JobKind.BUILD), self.gh, self.settings,
                   lambda: llm, lambda config: self.sandboxes, job.issue_digest).run()
        return model

    def revise(self, number: int, turns: list[Any], review_id: int | None = None,
               comment_id: int | None = None, job_id: str = "job-revise") -> Any:
        job = ReviseJob(self.world.installation_id, OWNER, REPO, number, MAINTAINER, review_id,
                        comment_id)
        model, llm = self.serve_model(turns, self.settings)
        PullRevision(self.session(job, job_id, JobKind.REVISE), self.gh, self.settings,
                     lambda: llm, lambda config: self.sandboxes, review_id, comment_id).run()
        return model

    def command(self, number: int, name: str, comment_id: int | None, sender: str = MAINTAINER,
                is_pull_request: bool = False, notice: str | None = None) -> None:
        job = CommandJob(self.world.installation_id, OWNER, REPO, number, is_pull_request,
                         sender, name, comment_id, notice)
        CommandRunner(job, self.gh, self.ending(number), self.stopped.append,
                      lambda build, job_id: self.requeued.append((build, job_id)),
                      self.settings.trigger_label).run()

    def session(self, job: BuildJob | ReviseJob, job_id: str, kind: JobKind) -> JobSession:
        target = Target(OWNER, REPO, job.number, job.sender, job_id, kind)
        return JobSession(target, self.conversation(job.number), self.lock(job.number),
                          self.records, self.settings.progress_edit_interval_seconds)

    def ending(self, number: int) -> JobEnding:
        return JobEnding(self.conversation(number), self.lock(number), self.records,
                         self.removed.append)

    def conversation(self, number: int) -> Conversation:
        return Conversation(self.gh, OWNER, REPO, number, self.settings.bot_login)

    def lock(self, number: int) -> IssueLock:
        return IssueLock(self.redis, OWNER, REPO, number)

    def open_issue(self, title: str = "Add subtraction", body: str = "calc.sub(a, b)") -> int:
        return int(self.emulator.open_issue(OWNER, REPO, title, body, MAINTAINER))

    def comments(self, number: int) -> list[Any]:
        return list(self.emulator.issue(OWNER, REPO, number).comments)

    def progress(self, number: int) -> str:
        """The one progress comment's body ("" when there is none)."""
        bodies = [c.body for c in self.comments(number) if MARKER in c.body]
        assert len(bodies) <= 1, "more than one progress comment"
        return bodies[0] if bodies else ""

    def replies(self, number: int) -> list[str]:
        """Kiln's comments on a thread other than the progress comment."""
        bot = self.world.app.bot_login
        return [c.body for c in self.comments(number) if c.user == bot and MARKER not in c.body]


@pytest.fixture
def flows(github_world: GitHubWorld, gh: Any, make_settings: Callable[..., Settings],
          redis_conn: redis.Redis, serve_model: Callable[..., tuple[Any, Any]],
          tmp_path: Path) -> Iterator[Flows]:
    settings = github_world.settings(make_settings, public_url="http://kiln.test",
                                     progress_edit_interval_seconds=0.0)
    records = Records(BuildHistory.from_settings(redis_conn, settings),
                      JobLedger(redis_conn, 3600), settings.public_url)
    yield Flows(github_world, gh, settings, redis_conn, records, FakeSandboxes(tmp_path),
                serve_model)
